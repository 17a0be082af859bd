/*
 * reload.h: loading the index, at start and on SIGHUP.  A reload reads the
 * configuration again at once, then builds the new index in a thread of its
 * own while the workers go on serving the old one, and hands the result to
 * the main thread's event loop through a callback.
 */
#ifndef SEARCHD_RELOAD_H
#define SEARCHD_RELOAD_H

#include <pthread.h>
#include <stddef.h>

#include <event2/event.h>

#include "config.h"

struct index;
struct schema;

/*
 * Called on the main thread when a reload's index is built: index is the
 * new one (the callee owns it), or NULL with the reason in err.
 */
typedef void (*reload_done_fn)(void *arg, struct index *index,
    const char *err);

/* One reload at a time; owned by the server, between init and free. */
struct reload {
	struct event_base	*base;
	struct event		*done_ev;
	reload_done_fn		 done;
	void			*arg;
	pthread_t		 thread;
	int			 running;
	struct config		 cf;		/* the one being loaded */
	struct index		*index;		/* what the thread built */
	char			 err[1024];
};

/* The configuration's language and attributes, as the engine has them. */
struct schema	*reload_schema(const struct config *);
/* The configured corpus, or the tutorial's when none; logs what it loaded. */
struct index	*reload_index(const struct config *, char *err, size_t errlen);
/*
 * Reads the configuration file again (path NULL: the built-in defaults)
 * into cf; -1 with "FILE:LINE: reason" in err.
 */
int		 reload_config(const char *path, struct config *cf, char *err,
		    size_t errlen);

void		 reload_init(struct reload *, struct event_base *,
		    reload_done_fn, void *arg);
int		 reload_running(const struct reload *);
/*
 * Builds cf's index in a thread; takes cf.  -1 with the reason in err when
 * the thread cannot start (cf is then freed).
 */
int		 reload_start(struct reload *, struct config *cf, char *err,
		    size_t errlen);
/* Waits for a reload still running and throws its index away. */
void		 reload_free(struct reload *);

#endif
