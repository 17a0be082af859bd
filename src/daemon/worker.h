/*
 * worker.h: a worker thread with its own event_base.  The main thread hands
 * it accepted sockets and new settings through its inbox; from then on each
 * connection lives and dies in that one thread.  Searches read the snapshot
 * published in the server's cell, taking a new one only when it changed, so
 * nothing on the request path waits for another thread.
 */
#ifndef SEARCHD_WORKER_H
#define SEARCHD_WORKER_H

#include <pthread.h>
#include <stddef.h>

#include <event2/event.h>

#include "addr.h"
#include "conn.h"
#include "request.h"

struct snapshot_cell;
struct store;

/* An accepted socket on its way to a worker. */
struct worker_fd {
	int		fd;
	int		tls;
	int		may_write;
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
	int			 shutdown;
	struct deferred		*done;		/* replies made elsewhere */
	struct deferred		**done_tail;
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

	struct request_ctx	 req;
	struct conn_env		 env;
	struct event		*sweep_ev;
	struct event		*grace_ev;
};

void	worker_start(struct worker *, unsigned id,
	    const struct conn_settings *, struct snapshot_cell *,
	    struct store *);
void	worker_add_conn(struct worker *, int fd, int tls, int may_write,
	    const struct sockaddr *);
void	worker_update(struct worker *, const struct conn_settings *);
void	worker_shutdown(struct worker *);
/* Waits for the thread to end; worker_free then frees what it had. */
void	worker_join(struct worker *);
void	worker_free(struct worker *);

#endif
