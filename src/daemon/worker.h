/*
 * worker.h: a worker thread with its own event_base.  The main thread hands
 * it accepted sockets, new settings and new indexes through its inbox; from
 * then on each connection lives and dies in that one thread, so nothing on
 * the request path takes a lock.
 */
#ifndef SEARCHD_WORKER_H
#define SEARCHD_WORKER_H

#include <sys/queue.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "request.h"
#include "stats.h"

struct conn;
struct index_ref;

/* What a worker needs to know of the configuration; copied on reload. */
struct worker_settings {
	size_t		max_message_size;
	unsigned	client_timeout;		/* 0: never */
	unsigned	read_timeout;
	SSL_CTX		*tls_ctx;		/* a reference, or NULL */
};

/* An accepted socket on its way to a worker. */
struct worker_fd {
	int		fd;
	int		tls;
	struct addr_peer peer;
};

TAILQ_HEAD(conn_list, conn);

struct worker_inbox {
	pthread_mutex_t		 lock;
	struct worker_fd	*fds;
	size_t			 nfds;
	size_t			 cap;
	int			 has_update;
	struct worker_settings	 settings;
	struct index_ref	*index;		/* reference passed to us */
	int			 shutdown;
};

/*
 * Owned by the main thread, which creates and joins it; everything outside
 * the inbox is touched only by the worker's own thread.
 */
/* One read takes at most this; the buffer is the worker's, not per conn. */
#define WORKER_RBUF_SIZE	(64 * 1024)
/* The shared reply buffer is shrunk back to this after a large batch. */
#define WORKER_WBUF_KEEP	(256 * 1024)

struct worker {
	unsigned		 id;
	pthread_t		 thread;
	struct event_base	*base;
	struct event		*inbox_ev;
	struct worker_inbox	 inbox;

	struct worker_settings	 settings;
	struct index_ref	*index;
	struct request_ctx	 req;
	struct buf		 hdr;		/* reply header being built */
	uint8_t			*rbuf;		/* WORKER_RBUF_SIZE bytes */
	struct buf		 wbuf;		/* replies of one batch */
	struct conn		*wbuf_owner;	/* whose replies wbuf holds */
	struct stats_counters	*stats;
	const struct timeval	*idle_tv;	/* common timeout, or NULL */
	const struct timeval	*linger_tv;
	struct conn_list	 conns;
	struct conn_list	 partial;	/* oldest message start first */
	struct event		*sweep_ev;
	struct event		*grace_ev;
	int			 draining;
};

void	worker_start(struct worker *, unsigned id,
	    const struct worker_settings *, struct index_ref *);
void	worker_add_conn(struct worker *, int fd, int tls,
	    const struct sockaddr *);
void	worker_update(struct worker *, const struct worker_settings *,
	    struct index_ref *);
void	worker_shutdown(struct worker *);
void	worker_join(struct worker *);

/* Seconds on a monotonic clock, for read_timeout bookkeeping. */
time_t	worker_now(void);
/* Called by conn.c when a connection closes while draining. */
void	worker_conn_gone(struct worker *);

#endif
