/*
 * conn.h: client connections, and what one worker's connections share.
 *
 * conn.c is the protocol side: it turns received bytes into messages,
 * answers each in order and decides when the connection must pause or
 * close.  How bytes move is the transport's business: conn_plain.c reads
 * and writes the socket itself with one event and no buffers while idle,
 * conn_tls.c goes through libevent's OpenSSL bufferevents.  Transports call
 * conn.c; conn.c reaches a transport only through its struct conn_io.
 *
 * Lifetime.  A connection is made by its worker's thread (conn_plain_new,
 * conn_tls_new), lives in that thread only, and leaves by conn_close, which
 * takes the reason for the log.  conn_close does not free: it closes the
 * socket, takes the connection off every list and marks it CONN_DEAD, and
 * the connection is freed once the callback that closed it has returned.
 * Code that called anything which may close a connection (conn_consume,
 * conn_timeout, a transport's begin_close, ...) may therefore still look at
 * it, and must stop when conn_dead() says so; everything here does nothing
 * to a dead connection.  We chose this over the rule "touch nothing after
 * a free", which once had 16 call sites and nothing to check it: a mistake
 * is now a no-op, not a use after free.  tmux frees its clients the same
 * way, from an event_once after server_client_lost.  A connection waiting
 * for a deferred reply (a write) holds a reference for it: if it is closed
 * meanwhile, it is freed when the reply comes back, not before.
 */
#ifndef SEARCHD_CONN_H
#define SEARCHD_CONN_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "buf.h"
#include "frame.h"

struct conn;
struct deferred;
struct request_ctx;
struct stats_counters;

/* Writes one connection may have in flight, each waiting for the log. */
#define CONN_DEFERRED_MAX	16
/* Stop reading a connection whose unsent replies pass this... */
#define CONN_OUTPUT_HIGH	(256 * 1024)
/* ...and resume once they drain below this. */
#define CONN_OUTPUT_LOW		(64 * 1024)
/* One read of a plain connection takes at most this. */
#define CONN_PLAIN_RBUF_SIZE	(64 * 1024)
/* The shared reply buffer is shrunk back to this after a large batch. */
#define CONN_PLAIN_WBUF_KEEP	(256 * 1024)
/*
 * Longest a closing connection may take to accept its last reply, and
 * then, on a plain socket, to stop sending (see conn_plain_linger).
 */
#define CONN_LINGER		5

enum conn_state {
	CONN_READING,
	CONN_PAUSED,		/* output over CONN_OUTPUT_HIGH */
	CONN_WAITING,		/* replies that come later: only writes read */
	CONN_CLOSING,		/* flushing its last replies */
	CONN_DEAD,		/* closed; freed after this callback */
};

/* What connections are told of the configuration; copied on reload. */
struct conn_settings {
	size_t		max_message_size;
	unsigned	client_timeout;		/* 0: never */
	unsigned	read_timeout;
	SSL_CTX		*tls_ctx;		/* a reference, or NULL */
};

TAILQ_HEAD(conn_list, conn);

/*
 * The plain transport's buffers, shared by a worker's plain connections:
 * a read lands in rbuf and is answered from there, and the replies to it
 * wait in wbuf for one write.  Only conn_plain.c touches them.
 */
struct conn_plain_bufs {
	uint8_t		*rbuf;		/* CONN_PLAIN_RBUF_SIZE bytes */
	struct buf	 wbuf;
	struct conn	*wbuf_owner;	/* whose replies wbuf holds */
};

/*
 * What one worker's connections share.  The worker owns it: it sets it up
 * with conn_env_init before its loop runs, and changes the settings part
 * only between callbacks (conn_env_apply).  Connections read the settings
 * and use the buffers within one callback; the lists are conn.c's alone.
 */
struct conn_env {
	struct event_base	*base;
	struct conn_settings	 settings;
	const struct timeval	*idle_tv;	/* common timeout, or NULL */
	const struct timeval	*linger_tv;
	struct stats_counters	*stats;
	struct request_ctx	*req;
	struct buf		 hdr;		/* a reply's header being built */
	struct conn_plain_bufs	 plain;
	int			 draining;	/* closing as they go idle */

	/* conn.c's: every live connection, those with a message arriving
	 * (oldest first), and the dead ones waiting to be freed. */
	struct conn_list	 conns;
	struct conn_list	 partial;
	struct conn_list	 dead;
	size_t			 nconns;
	struct event		*reap_ev;
	/* Called when the last connection closes while draining. */
	void			(*drained)(void *);
	void			*drained_arg;
	/*
	 * Hands a finished deferred reply back to this worker's thread, from
	 * any thread; the worker then calls conn_deferred_done.
	 */
	void			(*deliver)(void *, struct deferred *);
	void			*deliver_arg;
};

/* What the protocol side needs from a transport. */
struct conn_io {
	/* Queues reply bytes, in order. */
	void	(*send)(struct conn *, const void *, size_t);
	/* Reply bytes queued and not yet written. */
	size_t	(*pending)(const struct conn *);
	/* Stops reading; closes the connection once its replies are out. */
	void	(*begin_close)(struct conn *);
	/* Releases the transport's part (socket, event, bufferevent). */
	void	(*release)(struct conn *);
	/* True while a TLS handshake is under way; NULL for plain. */
	int	(*handshaking)(const struct conn *);
	/* Deferred replies went out: answer what waits, read on. */
	void	(*resume)(struct conn *);
};

/* One connection; see Lifetime above. */
struct conn {
	struct conn_env		*env;
	const struct conn_io	*io;
	struct frame_parser	 fp;
	enum conn_state		 state;
	int			 refs;		/* deferred replies out */
	int			 may_write;	/* add, delete, backup */
	/* While CONN_WAITING: the deferred replies, oldest first. */
	struct deferred		*dq_head;
	struct deferred		**dq_tail;
	unsigned		 ndeferred;
	int			 blocked;	/* the next message must wait */
	int			 in_partial;
	time_t			 msg_start;	/* when the partial one began */
	struct addr_peer	 peer;
	TAILQ_ENTRY(conn)	 entry;		/* in conns, or in dead */
	TAILQ_ENTRY(conn)	 partial_entry;

	/* Plain transport: bytes are kept only while they must be. */
	int			 fd;
	short			 events;	/* what ev waits for */
	struct event		 ev;
	struct buf		 in;		/* an incomplete unit */
	struct buf		 out;		/* replies the socket refused */
	size_t			 out_off;
	int			 peer_done;	/* it sent EOF */
	time_t			 linger_until;	/* 0 until SHUT_WR is sent */

	/* TLS transport. */
	struct bufferevent	*bev;
};

/* Seconds on a monotonic clock, for read_timeout and linger deadlines. */
time_t	conn_now(void);
void	conn_env_init(struct conn_env *, struct event_base *,
	    struct stats_counters *, struct request_ctx *);
/* Takes over the settings' reference to the TLS context. */
void	conn_env_apply(struct conn_env *, const struct conn_settings *);
/* Closes every connection left and frees them and the rest. */
void	conn_env_free(struct conn_env *);

/*
 * For the worker.  Each takes ownership of an accepted socket; may_write
 * says whether the peer may add, delete and back up.
 */
struct conn	*conn_plain_new(struct conn_env *, int fd,
		    const struct addr_peer *, int may_write);
struct conn	*conn_tls_new(struct conn_env *, int fd,
		    const struct addr_peer *, int may_write);
/* A deferred reply is back on this thread: sends it, or drops it. */
void		 conn_deferred_done(struct deferred *);
/* Cuts connections whose message has been arriving for read_timeout. */
void		 conn_sweep(struct conn_env *);
/* Closes idle connections now and the others once their replies are out. */
void		 conn_drain_all(struct conn_env *);
void		 conn_close_all(struct conn_env *, const char *reason);

void		 conn_close(struct conn *, const char *reason);
static inline int
conn_dead(const struct conn *c)
{
	return c->state == CONN_DEAD;
}

/* For transports: the protocol side. */
struct conn	*conn_alloc(struct conn_env *, int fd, const struct addr_peer *,
		    int may_write, const struct conn_io *);
/* May close the connection. */
size_t		 conn_consume(struct conn *, const uint8_t *, size_t);
void		 conn_settle(struct conn *, size_t buffered);
/* Closes the connection. */
void		 conn_timeout(struct conn *, int writing);
/* Closes the connection if it is idle and we are draining. */
void		 conn_drain(struct conn *);
void		 conn_peer(const struct conn *, char *, size_t);

#endif
