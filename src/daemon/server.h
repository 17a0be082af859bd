/*
 * server.h: the main thread: listeners, signals, reloads, and the workers
 * it feeds with accepted connections.
 */
#ifndef SEARCHD_SERVER_H
#define SEARCHD_SERVER_H

#include <stdatomic.h>

#include "config.h"

struct index;

/*
 * A loaded index shared by the workers.  Each holder (the server and every
 * worker) owns one reference; the last to let go frees the index, off the
 * event loops, so a request in flight always finishes on the index it began
 * with and nobody waits for a large free.
 */
struct index_ref {
	struct index	*index;
	_Atomic unsigned refs;
};

struct index_ref	*index_ref_new(struct index *, unsigned refs);
const struct index	*index_ref_get(const struct index_ref *);
void			 index_ref_release(struct index_ref *);

/* The configured corpus, or the tutorial's when none; logs what it loaded. */
struct index	*server_load_index(const struct config *, char *err,
		    size_t errlen);

/*
 * Runs the daemon until SIGTERM or SIGINT.  Takes ownership of the config
 * and the index.  Returns the exit status.
 */
int	server_run(struct config *, struct index *);

#endif
