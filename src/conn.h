/*
 * conn.h: one client connection: a bufferevent, the frame decoder's state
 * and its place in its worker's lists.  Created and freed by its worker's
 * thread; conn_close is the one way out and takes the reason for the log.
 */
#ifndef SEARCHD_CONN_H
#define SEARCHD_CONN_H

#include <sys/queue.h>

#include <time.h>

#include <event2/bufferevent.h>

#include "addr.h"
#include "frame.h"

struct worker;
struct worker_fd;

/* Stop reading a connection whose unsent replies pass this... */
#define CONN_OUTPUT_HIGH	(256 * 1024)
/* ...and resume once they drain below this. */
#define CONN_OUTPUT_LOW		(64 * 1024)

enum conn_state {
	CONN_READING,
	CONN_PAUSED,		/* output over CONN_OUTPUT_HIGH */
	CONN_CLOSING,		/* flushing its last replies */
};

struct conn {
	struct worker		*w;
	struct bufferevent	*bev;
	struct frame_parser	 fp;
	enum conn_state		 state;
	int			 in_partial;
	int			 tls;
	struct addr_peer	 peer;
	time_t			 msg_start;	/* when the partial one began */
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 partial_entry;
};

struct conn	*conn_new(struct worker *, const struct worker_fd *);
void		 conn_close(struct conn *, const char *reason);
/* Closes a connection once nothing is in flight on it (shutdown). */
void		 conn_drain(struct conn *);
/* Answers and closes a connection whose message took too long. */
void		 conn_read_timeout(struct conn *);

#endif
