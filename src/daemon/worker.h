/*
 * worker.h: a worker thread with its own event_base.  The main thread hands
 * it accepted sockets, new settings and new indexes through its inbox; from
 * then on each connection lives and dies in that one thread, so nothing on
 * the request path takes a lock.
 */
#ifndef SEARCHD_WORKER_H
#define SEARCHD_WORKER_H

#include <pthread.h>
#include <stddef.h>

#include <event2/event.h>

#include "addr.h"
#include "conn.h"
#include "request.h"

struct index_ref;

/* An accepted socket on its way to a worker. */
struct worker_fd {
	int		fd;
	int		tls;
	struct addr_peer peer;
};

/* What the main thread has posted; guarded by lock. */
struct worker_inbox {
	pthread_mutex_t		 lock;
	struct worker_fd	*fds;
	size_t			 nfds;
	size_t			 cap;
	int			 has_update;
	struct conn_settings	 settings;
	struct index_ref	*index;		/* reference passed to us */
	int			 shutdown;
};

/*
 * Owned by the main thread, which creates and joins it; everything outside
 * the inbox is touched only by the worker's own thread, and only worker.c
 * touches it (connections see env, which worker.c lends them).
 */
struct worker {
	unsigned		 id;
	pthread_t		 thread;
	struct event_base	*base;
	struct event		*inbox_ev;
	struct worker_inbox	 inbox;

	struct index_ref	*index;
	struct request_ctx	 req;
	struct conn_env		 env;
	struct event		*sweep_ev;
	struct event		*grace_ev;
};

void	worker_start(struct worker *, unsigned id,
	    const struct conn_settings *, struct index_ref *);
void	worker_add_conn(struct worker *, int fd, int tls,
	    const struct sockaddr *);
/* New settings, and a new index unless it is NULL. */
void	worker_update(struct worker *, const struct conn_settings *,
	    struct index_ref *);
void	worker_shutdown(struct worker *);
void	worker_join(struct worker *);

#endif
