/*
 * conn_plain.c: the plain-socket transport.  One event per connection
 * watches the socket and carries the idle timeout; bytes are read into the
 * worker's buffer and answered from there, and a connection keeps bytes of
 * its own only for an incomplete unit or replies the socket refused.  An
 * idle connection therefore holds no buffer at all, and the replies to all
 * the requests of one read leave in one write.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "log.h"

static void	conn_plain_cb(evutil_socket_t, short, void *);
static void	conn_plain_send(struct conn *, const void *, size_t);
static size_t	conn_plain_pending(const struct conn *);
static void	conn_plain_begin_close(struct conn *);
static void	conn_plain_release(struct conn *);
static void	conn_plain_resume_deferred(struct conn *);

static const struct conn_io conn_plain_io = {
	conn_plain_send,
	conn_plain_pending,
	conn_plain_begin_close,
	conn_plain_release,
	NULL,
	conn_plain_resume_deferred,
};

/* Waits for events, re-arming the one event only when that changes. */
static void
conn_plain_want(struct conn *c, short events, const struct timeval *tv)
{
	if (c->events == events && events != 0)
		return;
	if (c->events != 0)
		event_del(&c->ev);
	c->events = events;
	if (events == 0)
		return;
	event_assign(&c->ev, c->env->base, c->fd, events | EV_PERSIST,
	    conn_plain_cb, c);
	event_add(&c->ev, tv);
}

struct conn *
conn_plain_new(struct conn_env *env, int fd, const struct addr_peer *peer,
    int may_write)
{
	struct conn *c = conn_alloc(env, fd, peer, may_write, &conn_plain_io);

	conn_plain_want(c, EV_READ, env->idle_tv);
	return c;
}

static size_t
conn_plain_pending(const struct conn *c)
{
	const struct conn_plain_bufs *pb = &c->env->plain;

	return c->out.len - c->out_off +
	    (pb->wbuf_owner == c ? pb->wbuf.len : 0);
}

/*
 * Replies go to the worker's buffer unless older ones are still queued, or
 * the buffer holds another connection's (which a callback never leaves).
 */
static void
conn_plain_send(struct conn *c, const void *p, size_t len)
{
	struct conn_plain_bufs *pb = &c->env->plain;

	if (c->out.len > c->out_off ||
	    (pb->wbuf_owner != NULL && pb->wbuf_owner != c)) {
		buf_add(&c->out, p, len);
		return;
	}
	pb->wbuf_owner = c;
	buf_add(&pb->wbuf, p, len);
}

/* Writes what it can; keeps the rest.  -1 if the socket failed. */
static int
conn_plain_write(struct conn *c)
{
	struct conn_plain_bufs *pb = &c->env->plain;
	struct buf *b = &c->out;
	size_t off = c->out_off;
	ssize_t n;

	if (pb->wbuf_owner == c) {
		b = &pb->wbuf;
		off = 0;
	}
	while (off < b->len) {
		n = write(c->fd, b->data + off, b->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	if (b == &pb->wbuf) {
		/* Keep the part the socket refused: the worker buffer is shared. */
		if (off < b->len)
			buf_add(&c->out, b->data + off, b->len - off);
		buf_reset(&pb->wbuf);
		if (pb->wbuf.cap > CONN_PLAIN_WBUF_KEEP)
			buf_trim(&pb->wbuf, CONN_PLAIN_WBUF_KEEP);
		pb->wbuf_owner = NULL;
		return 0;
	}
	c->out_off = off;
	if (c->out_off == c->out.len) {
		buf_free(&c->out);
		c->out_off = 0;
	}
	return 0;
}

/*
 * The last reply is out.  Closing a socket with input unread makes the
 * kernel send a reset, which can destroy that reply (often the error
 * saying why we close) before the peer reads it.  So, as nginx's
 * lingering close does, a peer that has not said EOF gets our EOF
 * (SHUT_WR), and what it still sends is read and dropped until it closes
 * or CONN_LINGER seconds pass.
 */
static void
conn_plain_linger(struct conn *c)
{
	if (c->linger_until != 0)
		return;
	if (c->peer_done || shutdown(c->fd, SHUT_WR) == -1) {
		conn_close(c, "replies sent");
		return;
	}
	c->linger_until = conn_now() + CONN_LINGER;
	conn_plain_want(c, 0, NULL);
	conn_plain_want(c, EV_READ, c->env->linger_tv);
}

static void
conn_plain_discard(struct conn *c)
{
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = read(c->fd, c->env->plain.rbuf, CONN_PLAIN_RBUF_SIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(c, "replies sent");
			return;
		}
	}
	if (conn_now() > c->linger_until)
		conn_close(c, "peer still sending after its last reply");
}

/* After reading or writing: what to wait for next, or close. */
static void
conn_plain_next(struct conn *c)
{
	struct conn_env *env = c->env;

	if (conn_dead(c))
		return;
	if (conn_plain_write(c) == -1) {
		conn_close(c, "write failed");
		return;
	}
	switch (c->state) {
	case CONN_CLOSING:
		if (conn_plain_pending(c) == 0) {
			conn_plain_linger(c);
			return;
		}
		/* A peer that never reads its last reply must not hold us. */
		conn_plain_want(c, 0, NULL);
		conn_plain_want(c, EV_WRITE, env->linger_tv);
		return;
	case CONN_PAUSED:
		/* Slow to read, not slow to send: no read_timeout now. */
		conn_settle(c, c->in.len);
		conn_plain_want(c, EV_WRITE, env->idle_tv);
		return;
	case CONN_WAITING:
		/* More writes are read; anything else waits in the kernel. */
		conn_settle(c, c->blocked ? 0 : c->in.len);
		conn_plain_want(c, (c->blocked ? 0 : EV_READ) |
		    (conn_plain_pending(c) > 0 ? EV_WRITE : 0), env->idle_tv);
		return;
	case CONN_READING:
		conn_plain_want(c, conn_plain_pending(c) > 0 ?
		    EV_READ | EV_WRITE : EV_READ, env->idle_tv);
		break;
	case CONN_DEAD:
		return;
	}
	conn_settle(c, c->in.len);
	conn_drain(c);
}

/* Answers from the connection's own bytes first (a unit split by reads). */
static void
conn_plain_input(struct conn *c, const uint8_t *data, size_t len)
{
	size_t used;

	if (c->in.len > 0) {
		buf_add(&c->in, data, len);
		used = conn_consume(c, (uint8_t *)c->in.data, c->in.len);
		if (used == c->in.len)
			buf_free(&c->in);
		else if (used > 0) {
			memmove(c->in.data, c->in.data + used, c->in.len - used);
			c->in.len -= used;
		}
		return;
	}
	used = conn_consume(c, data, len);
	if (used < len && c->state != CONN_CLOSING && !conn_dead(c))
		buf_add(&c->in, data + used, len - used);
}

static void
conn_plain_read(struct conn *c)
{
	uint8_t *rbuf = c->env->plain.rbuf;
	ssize_t n;

	n = read(c->fd, rbuf, CONN_PLAIN_RBUF_SIZE);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n == -1) {
		conn_close(c, strerror(errno));
		return;
	}
	if (n == 0) {
		/* Whatever arrived whole is answered; a partial one is lost. */
		c->state = CONN_CLOSING;
		c->peer_done = 1;
		buf_free(&c->in);
	} else
		conn_plain_input(c, rbuf, (size_t)n);
	conn_plain_next(c);
}

static void
conn_plain_resume(struct conn *c)
{
	c->state = CONN_READING;
	if (c->in.len > 0)
		conn_plain_input(c, NULL, 0);
}

static void
conn_plain_resume_deferred(struct conn *c)
{
	if (c->in.len > 0)
		conn_plain_input(c, NULL, 0);
	conn_plain_next(c);
}

static void
conn_plain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->linger_until != 0) {
		if (what & EV_TIMEOUT)
			conn_close(c, "peer did not close after its last reply");
		else
			conn_plain_discard(c);
		return;
	}
	if (what & EV_TIMEOUT) {
		if (c->state == CONN_CLOSING)
			conn_close(c, "peer did not take its last reply");
		else
			conn_timeout(c, c->state == CONN_PAUSED);
		return;
	}
	if (what & EV_WRITE) {
		if (conn_plain_write(c) == -1) {
			conn_close(c, "write failed");
			return;
		}
		if (c->state == CONN_PAUSED &&
		    conn_plain_pending(c) <= CONN_OUTPUT_LOW)
			conn_plain_resume(c);
	}
	if ((what & EV_READ) && (c->state == CONN_READING ||
	    (c->state == CONN_WAITING && !c->blocked)))
		conn_plain_read(c);
	else
		conn_plain_next(c);
}

static void
conn_plain_begin_close(struct conn *c)
{
	if (conn_dead(c))
		return;
	c->state = CONN_CLOSING;
	buf_free(&c->in);
	conn_plain_next(c);
}

static void
conn_plain_release(struct conn *c)
{
	struct conn_plain_bufs *pb = &c->env->plain;

	if (pb->wbuf_owner == c) {
		buf_reset(&pb->wbuf);
		pb->wbuf_owner = NULL;
	}
	if (c->events != 0)
		event_del(&c->ev);
	c->events = 0;
	close(c->fd);
	c->fd = -1;
}
