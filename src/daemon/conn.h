/*
 * conn.h: one client connection.
 *
 * conn.c is the protocol side: it turns received bytes into messages,
 * answers each in order and decides when the connection must pause or
 * close.  How bytes move is the transport's business: conn_plain.c reads
 * and writes the socket itself with one event and no buffers while idle,
 * conn_tls.c goes through libevent's OpenSSL bufferevents.
 *
 * A connection is created and freed by its worker's thread; conn_free is
 * the one way out and takes the reason for the log.
 */
#ifndef SEARCHD_CONN_H
#define SEARCHD_CONN_H

#include <sys/queue.h>

#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "addr.h"
#include "buf.h"
#include "frame.h"

struct worker;
struct worker_fd;
struct conn;

/* Stop reading a connection whose unsent replies pass this... */
#define CONN_OUTPUT_HIGH	(256 * 1024)
/* ...and resume once they drain below this. */
#define CONN_OUTPUT_LOW		(64 * 1024)

enum conn_state {
	CONN_READING,
	CONN_PAUSED,		/* output over CONN_OUTPUT_HIGH */
	CONN_CLOSING,		/* flushing its last replies */
};

/* What the protocol side needs from a transport. */
struct conn_io {
	/* Queues reply bytes, in order. */
	void	(*send)(struct conn *, const void *, size_t);
	/* Reply bytes queued and not yet written. */
	size_t	(*pending)(const struct conn *);
	/* Stops reading; frees the connection once its replies are out. */
	void	(*begin_close)(struct conn *);
	/* Releases the transport's part (socket, event, bufferevent). */
	void	(*release)(struct conn *);
	/* True while a TLS handshake is under way; NULL for plain. */
	int	(*handshaking)(const struct conn *);
};

struct conn {
	struct worker		*w;
	const struct conn_io	*io;
	struct frame_parser	 fp;
	enum conn_state		 state;
	int			 in_partial;
	time_t			 msg_start;	/* when the partial one began */
	struct addr_peer	 peer;
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 partial_entry;

	/* Plain transport: bytes are kept only while they must be. */
	int			 fd;
	short			 events;	/* what ev waits for */
	struct event		 ev;
	struct buf		 in;		/* an incomplete unit */
	struct buf		 out;		/* replies the socket refused */
	size_t			 out_off;

	/* TLS transport. */
	struct bufferevent	*bev;
};

/* Creates a connection for an accepted socket, plain or TLS. */
struct conn	*conn_new(struct worker *, const struct worker_fd *);
struct conn	*conn_plain_new(struct worker *, const struct worker_fd *);
struct conn	*conn_tls_new(struct worker *, const struct worker_fd *);
void		 conn_free(struct conn *, const char *reason);

/* For transports: the protocol side. */
struct conn	*conn_alloc(struct worker *, const struct worker_fd *,
		    const struct conn_io *);
size_t		 conn_consume(struct conn *, const uint8_t *, size_t);
void		 conn_settle(struct conn *, size_t buffered);
void		 conn_timeout(struct conn *, int writing);
void		 conn_peer(const struct conn *, char *, size_t);

/* For the worker: shutdown and read_timeout. */
void		 conn_drain(struct conn *);
void		 conn_read_timeout(struct conn *);

#endif
