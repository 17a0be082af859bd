/* bench.c: see bench.h. */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "buf.h"
#include "client.h"
#include "frame.h"
#include "histogram.h"
#include "jscan.h"
#include "log.h"
#include "xmalloc.h"

#define BENCH_NS		1000000000ULL
/* Pause before a slot reconnects after a failure, so errors cannot spin. */
#define BENCH_RETRY_NS		(100 * 1000000ULL)
#define BENCH_TICK_NS		BENCH_NS
#define BENCH_READ_CHUNK	65536

static const char *const bench_builtin[] = {
	"morpheus", "ring", "\xf0\x9f\x90\xb6", "white rabbit",
	"misty mountains", "playing ball", "follow", "caves",
};

enum bench_state {
	BENCH_IDLE,		/* no socket; connects when given a request */
	BENCH_CONNECTING,
	BENCH_HANDSHAKE,	/* TLS: connected, handshaking */
	BENCH_CONNECTED,
	BENCH_BACKOFF,		/* failed; waits BENCH_RETRY_NS */
};

/* A request on the wire. */
struct bench_req {
	uint64_t	start_ns;	/* latency counts from here */
	uint64_t	sent_ns;	/* the timeout counts from here */
};

/*
 * One connection slot, reconnecting in place.  Owned by struct bench; the
 * socket and its buffers live from connect to close.
 */
struct bench_conn {
	struct bench		*b;
	int			 fd;
	enum bench_state	 state;
	SSL			*ssl;		/* --tls, from connect on */
	int			 ssl_broken;	/* failed: no close_notify */
	int			 read_wants_write; /* SSL_read needs EV_WRITE */
	int			 write_wants_read; /* SSL_write needs EV_READ */
	uint64_t		 hs_start_ns;
	struct event		*ev_read;
	struct event		*ev_write;
	/* Head request timeout, backoff, or a failure to report later. */
	struct event		*timer;
	int			 failed;	/* errno for the timer */
	struct buf		 out;
	size_t			 out_off;
	struct buf		 in;
	size_t			 in_off;
	struct frame_parser	 parser;
	struct bench_req	*reqs;		/* ring of o->pipeline */
	unsigned		 head;
	unsigned		 len;
	unsigned		 issued;	/* on this connection */
	int			 ready;		/* on b->ready */
	int			 dirty;		/* on b->dirty */
	TAILQ_ENTRY(bench_conn)	 ready_entry;
	TAILQ_ENTRY(bench_conn)	 dirty_entry;
};

/* One run.  Everything is owned here and freed by bench_free. */
struct bench {
	const struct bench_opts	*o;
	char			 name[300];
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	uint64_t		 timeout_ns;

	struct event_base	*base;
	struct event		*tick;
	struct event		*pace;		/* open loop: next one due */
	struct event		*end;		/* -d */

	struct buf		*frames;	/* a request per query */
	size_t			 nframes;
	size_t			 next_frame;

	struct bench_conn	*conns;
	TAILQ_HEAD(, bench_conn) ready;		/* can take a request now */
	TAILQ_HEAD(, bench_conn) dirty;		/* have output to flush */

	struct histogram	 hist;
	struct histogram	 hs_hist;	/* TLS handshake times */
	uint64_t		 handshakes;
	uint64_t		 start_ns;
	uint64_t		 end_ns;	/* -d deadline, or 0 */
	uint64_t		 stop_ns;
	uint64_t		 last_reply_ns;
	uint64_t		 sent;
	uint64_t		 completed;
	uint64_t		 errors;
	uint64_t		 tick_completed;
	int			 stopping;	/* no more requests to send */
	int			 connected;	/* some connect has succeeded */
	int			 aborted;
	int			 progress;	/* a progress line is showing */
	char			 cause[512];	/* the last failure */
};

static void	bench_read_cb(evutil_socket_t, short, void *);
static void	bench_write_cb(evutil_socket_t, short, void *);
static void	bench_timer_cb(evutil_socket_t, short, void *);

static uint64_t
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NS + (uint64_t)ts.tv_nsec;
}

static struct timeval
bench_tv(uint64_t ns)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ns / BENCH_NS);
	tv.tv_usec = (suseconds_t)(ns % BENCH_NS / 1000);
	return tv;
}

static void bench_cause(struct bench *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bench_cause(struct bench *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->cause, sizeof(b->cause), fmt, ap);
	va_end(ap);
}

/* The planned request count so far: -n, or what was due by now. */
static int
bench_budget(struct bench *b, uint64_t now, uint64_t *due)
{
	const struct bench_opts *o = b->o;

	*due = now;
	if (o->rate > 0)
		*due = b->start_ns + (uint64_t)((double)b->sent * 1e9 /
		    o->rate);
	if (o->requests > 0)
		return b->sent < o->requests;
	return (o->rate > 0 ? *due : now) < b->end_ns;
}

static int
bench_has_room(const struct bench_conn *c)
{
	const struct bench_opts *o = c->b->o;

	if (c->state == BENCH_BACKOFF || c->len >= o->pipeline)
		return 0;
	return !o->reconnect || c->issued < o->pipeline;
}

static void
bench_update_ready(struct bench_conn *c)
{
	struct bench *b = c->b;
	int room = bench_has_room(c) && !b->stopping;

	if (room && !c->ready)
		TAILQ_INSERT_TAIL(&b->ready, c, ready_entry);
	else if (!room && c->ready)
		TAILQ_REMOVE(&b->ready, c, ready_entry);
	c->ready = room;
}

static void
bench_arm_timer(struct bench_conn *c)
{
	struct bench *b = c->b;
	struct timeval tv;
	uint64_t now, deadline;

	if (c->len == 0) {
		evtimer_del(c->timer);
		return;
	}
	now = bench_now();
	deadline = c->reqs[c->head].sent_ns + b->timeout_ns;
	tv = bench_tv(deadline > now ? deadline - now : 0);
	evtimer_add(c->timer, &tv);
}

/* Closes the socket; the slot keeps its place and may connect again. */
static void
bench_conn_close(struct bench_conn *c)
{
	if (c->ssl != NULL) {
		/* A close_notify if the socket takes it now; never waits. */
		if (!c->ssl_broken && SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	c->ssl = NULL;
	c->ssl_broken = c->read_wants_write = c->write_wants_read = 0;
	if (c->fd != -1) {
		event_del(c->ev_read);
		event_del(c->ev_write);
		close(c->fd);
	}
	c->fd = -1;
	c->state = BENCH_IDLE;
	evtimer_del(c->timer);
	c->failed = 0;
	c->len = c->head = c->issued = 0;
	buf_reset(&c->out);
	c->out_off = 0;
	buf_reset(&c->in);
	c->in_off = 0;
	frame_parser_init(&c->parser, CLIENT_REPLY_MAX);
	if (c->dirty)
		TAILQ_REMOVE(&c->b->dirty, c, dirty_entry);
	c->dirty = 0;
}

static void
bench_finish_if_done(struct bench *b)
{
	if (b->stopping && b->completed + b->errors == b->sent) {
		b->stop_ns = bench_now();
		event_base_loopbreak(b->base);
	}
}

/* Stops the run: the server is not answering. */
static void
bench_abort(struct bench *b)
{
	unsigned i;

	b->aborted = 1;
	b->stopping = 1;
	for (i = 0; i < b->o->connections; i++) {
		b->errors += b->conns[i].len;
		bench_conn_close(&b->conns[i]);
		bench_update_ready(&b->conns[i]);
	}
	bench_finish_if_done(b);
}

/*
 * Everything in flight on c failed.  The slot retries after a pause, but
 * when nothing has been answered for a whole timeout the run is over.
 */
static void
bench_conn_fail(struct bench_conn *c)
{
	struct bench *b = c->b;
	struct timeval tv = bench_tv(BENCH_RETRY_NS);

	/*
	 * The first connection failing means the rest would too.  With TLS
	 * that holds until a reply: a TLS 1.3 server checks the client's
	 * certificate after the client has finished its handshake.
	 */
	if (!b->connected && (c->state == BENCH_CONNECTING ||
	    c->state == BENCH_HANDSHAKE || c->ssl != NULL)) {
		bench_abort(b);
		return;
	}
	b->errors += c->len;
	bench_conn_close(c);
	if (bench_now() - b->last_reply_ns >= b->timeout_ns) {
		bench_abort(b);
		return;
	}
	c->state = BENCH_BACKOFF;
	bench_update_ready(c);
	evtimer_add(c->timer, &tv);
	bench_finish_if_done(b);
}

/* Reports a failure from the loop rather than from inside bench_pump. */
static void
bench_conn_fail_later(struct bench_conn *c, int error)
{
	c->failed = error;
	event_active(c->timer, EV_TIMEOUT, 0);
}

static void
bench_conn_open(struct bench_conn *c)
{
	struct bench *b = c->b;
	int one = 1;

	c->fd = socket(b->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		bench_cause(b, "%s: socket: %s", b->name, strerror(errno));
		c->state = BENCH_CONNECTING;
		bench_conn_fail_later(c, errno);
		return;
	}
	if (b->sa.ss_family != AF_UNIX)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	event_assign(c->ev_read, b->base, c->fd, EV_READ | EV_PERSIST,
	    bench_read_cb, c);
	event_assign(c->ev_write, b->base, c->fd, EV_WRITE, bench_write_cb,
	    c);
	c->state = BENCH_CONNECTING;
	if (connect(c->fd, (struct sockaddr *)&b->sa, b->salen) == 0 ||
	    errno == EINPROGRESS) {
		event_add(c->ev_read, NULL);
		event_add(c->ev_write, NULL);
		return;
	}
	bench_cause(b, "%s: %s", b->name, client_connect_cause(errno));
	bench_conn_fail_later(c, errno);
}

static void
bench_issue(struct bench_conn *c, uint64_t start_ns, uint64_t now)
{
	struct bench *b = c->b;
	struct bench_req *r;
	struct buf *frame;

	if (c->state == BENCH_IDLE)
		bench_conn_open(c);
	frame = &b->frames[b->next_frame++ % b->nframes];
	buf_add(&c->out, frame->data, frame->len);
	r = &c->reqs[(c->head + c->len++) % b->o->pipeline];
	r->start_ns = start_ns;
	r->sent_ns = now;
	c->issued++;
	b->sent++;
	if (c->len == 1 && !c->failed)
		bench_arm_timer(c);
	if (!c->dirty && c->state == BENCH_CONNECTED) {
		TAILQ_INSERT_TAIL(&b->dirty, c, dirty_entry);
		c->dirty = 1;
	}
	bench_update_ready(c);
}

/*
 * An SSL call that returned ret failed: 0 and errno EAGAIN when it only
 * has to wait (EV_READ always waits; EV_WRITE is armed here), else -1
 * with b->cause set and errno EPROTO.
 */
static int
bench_ssl_wait(struct bench_conn *c, int ret, int *wants_read,
    int *wants_write)
{
	char why[256];

	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*wants_read = 1;
		errno = EAGAIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*wants_write = 1;
		event_add(c->ev_write, NULL);
		errno = EAGAIN;
		return 0;
	default:
		c->ssl_broken = 1;
		client_tls_error(c->ssl, ret, why, sizeof(why));
		bench_cause(c->b, "%s: TLS%s: %s", c->b->name,
		    c->state == BENCH_HANDSHAKE ? " handshake failed" : "",
		    why);
		errno = EPROTO;
		return -1;
	}
}

/* send() or SSL_write(): bytes, or -1 with errno (EAGAIN: wait). */
static ssize_t
bench_send(struct bench_conn *c, const void *p, size_t len)
{
	int ret, unused = 0;

	if (c->ssl == NULL)
		return send(c->fd, p, len, MSG_NOSIGNAL);
	ERR_clear_error();
	if ((ret = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX :
	    (int)len)) > 0)
		return ret;
	bench_ssl_wait(c, ret, &c->write_wants_read, &unused);
	return -1;
}

/*
 * recv() or SSL_read(): bytes, 0 at end of file, or -1 with errno (EAGAIN:
 * wait; EPROTO: a TLS failure, b->cause says why).
 */
static ssize_t
bench_recv(struct bench_conn *c, void *p, size_t len)
{
	int ret, unused = 0;

	if (c->ssl == NULL)
		return recv(c->fd, p, len, 0);
	ERR_clear_error();
	if ((ret = SSL_read(c->ssl, p, len > INT_MAX ? INT_MAX :
	    (int)len)) > 0) {
		/* Bytes OpenSSL holds leave the socket looking idle. */
		if (SSL_pending(c->ssl) > 0)
			event_active(c->ev_read, EV_READ, 0);
		return ret;
	}
	if (SSL_get_error(c->ssl, ret) == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (SSL_get_error(c->ssl, ret) == SSL_ERROR_SYSCALL) {
		c->ssl_broken = 1;
		ERR_clear_error();
		return errno == 0 ? 0 : -1;
	}
	bench_ssl_wait(c, ret, &unused, &c->read_wants_write);
	return -1;
}

/* Writes what the socket takes; waits for writability for the rest. */
static void
bench_flush(struct bench_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len && !c->ssl_broken) {
		n = bench_send(c, c->out.data + c->out_off,
		    c->out.len - c->out_off);
		if (n > 0)
			c->out_off += (size_t)n;
		else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (c->ssl == NULL)
				event_add(c->ev_write, NULL);
			return;
		} else if (c->ssl != NULL) {
			/*
			 * Stop writing but read on: a server that refused us
			 * (a TLS 1.3 client certificate check) sent an alert
			 * saying why, and the read event reports it.
			 */
			return;
		} else if (errno != EINTR) {
			bench_cause(c->b, "%s: send: %s", c->b->name,
			    strerror(errno));
			bench_conn_fail_later(c, errno);
			return;
		}
	}
	buf_reset(&c->out);
	c->out_off = 0;
}

/* Gives due requests to connections with room, then writes them. */
static void
bench_pump(struct bench *b)
{
	struct bench_conn *c;
	uint64_t now = bench_now(), due;
	struct timeval tv;

	while (!b->stopping && (c = TAILQ_FIRST(&b->ready)) != NULL) {
		if (!bench_budget(b, now, &due)) {
			b->stopping = 1;
			while ((c = TAILQ_FIRST(&b->ready)) != NULL)
				bench_update_ready(c);
			break;
		}
		if (due > now) {
			tv = bench_tv(due - now);
			evtimer_add(b->pace, &tv);
			break;
		}
		bench_issue(c, due, now);
		/* Round robin: the next request goes to the next slot. */
		if (c->ready && TAILQ_NEXT(c, ready_entry) != NULL) {
			TAILQ_REMOVE(&b->ready, c, ready_entry);
			TAILQ_INSERT_TAIL(&b->ready, c, ready_entry);
		}
	}
	while ((c = TAILQ_FIRST(&b->dirty)) != NULL) {
		TAILQ_REMOVE(&b->dirty, c, dirty_entry);
		c->dirty = 0;
		bench_flush(c);
	}
	bench_finish_if_done(b);
}

static int
bench_error_member(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	return jscan_string_eq(key, "error");
}

/* An error reply is an answer, but not a success. */
static int
bench_reply_ok(struct bench *b, const struct frame_msg *msg)
{
	int ok;

	if (!frame_str_eq(&msg->content_type, CLIENT_CTYPE_JSON))
		return 1;
	/* The scan stops at an "error" member; OK means there is none. */
	ok = jscan_object((const char *)msg->content, msg->content_length,
	    bench_error_member, NULL) == JSCAN_OK;
	if (!ok)
		bench_cause(b, "%s: error reply: %.*s", b->name,
		    (int)(msg->content_length > 200 ? 200 :
		    msg->content_length), (const char *)msg->content);
	return ok;
}

/* Returns 0 if the connection was closed (--reconnect's last reply). */
static int
bench_complete(struct bench_conn *c, int ok)
{
	struct bench *b = c->b;
	struct bench_req *r = &c->reqs[c->head];
	uint64_t now = bench_now();

	c->head = (c->head + 1) % b->o->pipeline;
	c->len--;
	b->last_reply_ns = now;
	b->connected = 1;
	if (ok) {
		histogram_record(&b->hist, (now - r->start_ns + 500) / 1000);
		b->completed++;
	} else
		b->errors++;
	if (b->o->reconnect && c->len == 0 && c->issued >= b->o->pipeline) {
		bench_conn_close(c);
		bench_update_ready(c);
		return 0;
	}
	bench_arm_timer(c);
	bench_update_ready(c);
	return 1;
}

/* Decodes every whole reply buffered; returns 0 if c was closed. */
static int
bench_parse(struct bench_conn *c)
{
	struct frame_error ferr;
	struct frame_msg msg;
	enum frame_status st;

	while ((st = frame_parse(&c->parser, buf_bytes(&c->in, c->in_off),
	    c->in.len - c->in_off, &msg, &ferr)) != FRAME_MORE) {
		if (st == FRAME_FATAL || c->len == 0) {
			bench_cause(c->b, "%s: bad reply: %s", c->b->name,
			    st == FRAME_FATAL ? ferr.message :
			    "a reply to no request");
			bench_conn_fail(c);
			return 0;
		}
		c->in_off += msg.size;
		if (!bench_complete(c, bench_reply_ok(c->b, &msg)))
			return 0;
	}
	if (c->in_off == c->in.len) {
		buf_reset(&c->in);
		c->in_off = 0;
	}
	return 1;
}

/*
 * The handshake is timed on its own, so it comes out of the latency of
 * the requests that waited for it; the TCP connect stays in, as without
 * TLS.
 */
static void
bench_handshake_done(struct bench_conn *c)
{
	struct bench *b = c->b;
	struct bench_req *r;
	uint64_t now = bench_now(), from;
	unsigned i;

	histogram_record(&b->hs_hist, (now - c->hs_start_ns + 500) / 1000);
	b->handshakes++;
	for (i = 0; i < c->len; i++) {
		r = &c->reqs[(c->head + i) % b->o->pipeline];
		from = r->start_ns > c->hs_start_ns ? r->start_ns :
		    c->hs_start_ns;
		if (now > from)
			r->start_ns += now - from;
	}
	c->state = BENCH_CONNECTED;
	bench_flush(c);
}

static void
bench_handshake(struct bench_conn *c)
{
	int ret, unused = 0;

	ERR_clear_error();
	if ((ret = SSL_do_handshake(c->ssl)) == 1)
		bench_handshake_done(c);
	else if (bench_ssl_wait(c, ret, &unused, &unused) == -1)
		bench_conn_fail(c);
}

static void
bench_connected(struct bench_conn *c)
{
	socklen_t len = sizeof(int);
	int error = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error != 0) {
		bench_cause(c->b, "%s: %s", c->b->name,
		    client_connect_cause(error));
		bench_conn_fail(c);
		return;
	}
	if (c->b->o->tls == NULL) {
		c->state = BENCH_CONNECTED;
		c->b->connected = 1;
		return;
	}
	if ((c->ssl = client_tls_new(c->b->o->tls, c->fd)) == NULL)
		fatalx("cannot set up TLS");
	c->state = BENCH_HANDSHAKE;
	c->hs_start_ns = bench_now();
	bench_handshake(c);
}

/* Moves c forward after connect, handshake or a TLS read's wait. */
static int
bench_progress_conn(struct bench_conn *c)
{
	if (c->state == BENCH_CONNECTING)
		bench_connected(c);
	else if (c->state == BENCH_HANDSHAKE)
		bench_handshake(c);
	else
		return 1;
	return c->state == BENCH_CONNECTED;
}

static void
bench_read(struct bench_conn *c)
{
	struct bench *b = c->b;
	size_t avail = c->in.len - c->in_off;
	ssize_t n;

	if (c->in_off > 0) {
		memmove(c->in.data, c->in.data + c->in_off, avail);
		c->in.len = avail;
		c->in_off = 0;
	}
	buf_reserve(&c->in, BENCH_READ_CHUNK);
	n = bench_recv(c, c->in.data + c->in.len, c->in.cap - c->in.len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0 && c->len == 0 &&
		    c->in.len == 0) {
			bench_conn_close(c);	/* an idle close is no error */
			bench_update_ready(c);
			return;
		}
		if (n == 0 || errno != EPROTO)
			bench_cause(b, "%s: %s", b->name, n == 0 ?
			    "server closed the connection with requests "
			    "unanswered" : strerror(errno));
		bench_conn_fail(c);
		return;
	}
	c->in.len += (size_t)n;
	bench_parse(c);
}

static void
bench_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn *c = arg;

	if (bench_progress_conn(c) && c->state == BENCH_CONNECTED) {
		bench_read(c);
		if (c->state == BENCH_CONNECTED && c->write_wants_read) {
			c->write_wants_read = 0;
			bench_flush(c);
		}
	}
	bench_pump(c->b);
}

static void
bench_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn *c = arg;

	if (!bench_progress_conn(c) || c->state != BENCH_CONNECTED) {
		bench_pump(c->b);
		return;
	}
	if (c->read_wants_write) {
		c->read_wants_write = 0;
		bench_read(c);
		if (c->state != BENCH_CONNECTED)
			return;
	}
	bench_flush(c);
}

static void
bench_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn *c = arg;
	struct bench *b = c->b;

	if (c->state == BENCH_BACKOFF) {
		c->state = BENCH_IDLE;
		bench_update_ready(c);
	} else if (c->failed != 0)
		bench_conn_fail(c);
	else {
		bench_cause(b, "%s: %s within %.3g s", b->name,
		    c->state == BENCH_CONNECTING ? "no connection" :
		    c->state == BENCH_HANDSHAKE ? "no TLS handshake" :
		    "no reply", b->o->timeout);
		bench_conn_fail(c);
	}
	bench_pump(b);
}

static void
bench_pace_cb(evutil_socket_t fd, short what, void *arg)
{
	bench_pump(arg);
}

static void
bench_progress(struct bench *b, uint64_t now)
{
	fprintf(stderr, "\r%7.1f s  %9llu req/s  sent %llu  completed %llu  "
	    "errors %llu ", (double)(now - b->start_ns) / 1e9,
	    (unsigned long long)(b->completed - b->tick_completed),
	    (unsigned long long)b->sent, (unsigned long long)b->completed,
	    (unsigned long long)b->errors);
	b->tick_completed = b->completed;
	b->progress = 1;
}

static void
bench_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	bench_progress(arg, bench_now());
}

static int
bench_queries_file(struct bench *b, const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct buf content;

	if ((f = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	buf_init(&content);
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		b->frames = xreallocarray(b->frames, b->nframes + 1,
		    sizeof(*b->frames));
		buf_init(&b->frames[b->nframes]);
		buf_reset(&content);
		buf_add(&content, "{\"action\": \"search\", \"value\": ", 30);
		buf_json_string(&content, line, (size_t)n);
		buf_addc(&content, '}');
		frame_encode_header(&b->frames[b->nframes], CLIENT_CTYPE_JSON,
		    CLIENT_ENCODING_UTF8, content.len, NULL, 0);
		buf_add(&b->frames[b->nframes++], content.data, content.len);
	}
	free(line);
	buf_free(&content);
	fclose(f);
	if (b->nframes == 0) {
		warnx("%s: no queries in the file", path);
		return -1;
	}
	return 0;
}

static void
bench_queries_builtin(struct bench *b)
{
	struct buf content;
	size_t i, n = sizeof(bench_builtin) / sizeof(bench_builtin[0]);

	buf_init(&content);
	b->frames = xcalloc(n, sizeof(*b->frames));
	for (i = 0; i < n; i++) {
		buf_init(&b->frames[i]);
		buf_reset(&content);
		buf_add(&content, "{\"action\": \"search\", \"value\": ", 30);
		buf_json_string(&content, bench_builtin[i],
		    strlen(bench_builtin[i]));
		buf_addc(&content, '}');
		frame_encode_header(&b->frames[i], CLIENT_CTYPE_JSON,
		    CLIENT_ENCODING_UTF8, content.len, NULL, 0);
		buf_add(&b->frames[i], content.data, content.len);
	}
	b->nframes = n;
	buf_free(&content);
}

/* The first address the name resolves to. */
static int
bench_resolve(struct bench *b)
{
	const struct addr *a = &b->o->addr;
	struct sockaddr_un *sun = (struct sockaddr_un *)&b->sa;
	struct addrinfo *res;
	int gai;

	addr_format(a, b->name, sizeof(b->name));
	if (a->is_unix) {
		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, a->path, sizeof(sun->sun_path));
		b->salen = sizeof(*sun);
		return 0;
	}
	if ((gai = addr_resolve(a, 0, &res)) != 0) {
		warnx("%s: cannot resolve host: %s", b->name,
		    gai_strerror(gai));
		return -1;
	}
	memcpy(&b->sa, res->ai_addr, res->ai_addrlen);
	b->salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
bench_conn_init(struct bench *b, struct bench_conn *c)
{
	c->b = b;
	c->fd = -1;
	c->state = BENCH_IDLE;
	c->ev_read = event_new(b->base, -1, 0, bench_read_cb, c);
	c->ev_write = event_new(b->base, -1, 0, bench_write_cb, c);
	c->timer = evtimer_new(b->base, bench_timer_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL || c->timer == NULL)
		fatalx("out of memory");
	buf_init(&c->out);
	buf_init(&c->in);
	frame_parser_init(&c->parser, CLIENT_REPLY_MAX);
	c->reqs = xcalloc(b->o->pipeline, sizeof(*c->reqs));
	TAILQ_INSERT_TAIL(&b->ready, c, ready_entry);
	c->ready = 1;
}

static struct event_base *
bench_base(const struct bench_opts *o)
{
	struct event_config *cfg;
	struct event_base *base;

	if ((cfg = event_config_new()) == NULL)
		fatalx("out of memory");
	/* Open loop sends on a schedule finer than a millisecond. */
	if (o->rate > 0)
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		fatalx("cannot create an event loop");
	return base;
}

static int
bench_init(struct bench *b, const struct bench_opts *o)
{
	unsigned i;

	memset(b, 0, sizeof(*b));
	b->o = o;
	b->timeout_ns = (uint64_t)(o->timeout * 1e9);
	TAILQ_INIT(&b->ready);
	TAILQ_INIT(&b->dirty);
	histogram_init(&b->hist);
	histogram_init(&b->hs_hist);
	if (bench_resolve(b) == -1)
		return CLIENT_EXIT_UNAVAILABLE;
	if (o->file != NULL) {
		if (bench_queries_file(b, o->file) == -1)
			return CLIENT_EXIT_USAGE;
	} else
		bench_queries_builtin(b);
	b->base = bench_base(o);
	b->tick = event_new(b->base, -1, EV_PERSIST, bench_tick_cb, b);
	b->pace = evtimer_new(b->base, bench_pace_cb, b);
	b->end = evtimer_new(b->base, bench_pace_cb, b);
	b->conns = xcalloc(o->connections, sizeof(*b->conns));
	for (i = 0; i < o->connections; i++)
		bench_conn_init(b, &b->conns[i]);
	return -1;
}

static void
bench_free(struct bench *b)
{
	unsigned i;
	size_t j;

	for (i = 0; b->conns != NULL && i < b->o->connections; i++) {
		bench_conn_close(&b->conns[i]);
		event_free(b->conns[i].ev_read);
		event_free(b->conns[i].ev_write);
		event_free(b->conns[i].timer);
		buf_free(&b->conns[i].out);
		buf_free(&b->conns[i].in);
		free(b->conns[i].reqs);
	}
	free(b->conns);
	for (j = 0; j < b->nframes; j++)
		buf_free(&b->frames[j]);
	free(b->frames);
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->pace != NULL)
		event_free(b->pace);
	if (b->end != NULL)
		event_free(b->end);
	if (b->base != NULL)
		event_base_free(b->base);
}

/* Requests planned but never sent: -n's rest, or open loop's backlog. */
static uint64_t
bench_unsent(const struct bench *b)
{
	const struct bench_opts *o = b->o;
	uint64_t due;

	if (o->requests > 0)
		return o->requests - b->sent;
	if (o->rate <= 0)
		return 0;
	due = (uint64_t)ceil((double)(b->end_ns - b->start_ns) / 1e9 *
	    o->rate);
	return due > b->sent ? due - b->sent : 0;
}

static const struct {
	const char	*name;
	double		 pct;
} bench_pcts[] = {
	{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99.9", 99.9 },
};

/* "NAME": {"min": ..., "p50": ..., "max": ..., "mean": ...} */
static void
bench_json_hist(struct buf *out, const char *name, const struct histogram *h)
{
	size_t i;

	buf_addf(out, "\"%s\": {\"min\": %llu", name,
	    (unsigned long long)h->min);
	for (i = 0; i < sizeof(bench_pcts) / sizeof(bench_pcts[0]); i++)
		buf_addf(out, ", \"%s\": %llu", bench_pcts[i].name,
		    (unsigned long long)histogram_percentile(h,
		    bench_pcts[i].pct));
	buf_addf(out, ", \"max\": %llu, \"mean\": ",
	    (unsigned long long)h->max);
	buf_json_double(out, histogram_mean(h));
	buf_addc(out, '}');
}

static void
bench_report_json(const struct bench *b, double secs)
{
	const struct bench_opts *o = b->o;
	struct buf out;

	buf_init(&out);
	buf_addf(&out, "{\"address\": ");
	buf_json_string(&out, b->name, strlen(b->name));
	buf_addf(&out, ", \"connections\": %u, \"pipeline\": %u, "
	    "\"reconnect\": %s, \"mode\": \"%s\", \"rate\": ", o->connections,
	    o->pipeline, o->reconnect ? "true" : "false",
	    o->rate > 0 ? "open-loop" : "closed-loop");
	buf_json_double(&out, o->rate);
	buf_addf(&out, ", \"latency_from\": \"%s\", \"duration_s\": ",
	    o->rate > 0 ? "due" : "send");
	buf_json_double(&out, secs);
	buf_addf(&out, ", \"sent\": %llu, \"completed\": %llu, \"errors\": "
	    "%llu, \"unsent\": %llu, \"aborted\": %s, \"requests_per_s\": ",
	    (unsigned long long)b->sent, (unsigned long long)b->completed,
	    (unsigned long long)b->errors,
	    (unsigned long long)bench_unsent(b),
	    b->aborted ? "true" : "false");
	buf_json_double(&out, secs > 0 ? (double)b->completed / secs : 0);
	buf_add(&out, ", ", 2);
	bench_json_hist(&out, "latency_us", &b->hist);
	buf_addf(&out, ", \"tls\": %s", o->tls ? "true" : "false");
	if (o->tls != NULL) {
		buf_addf(&out, ", \"handshakes\": %llu, ",
		    (unsigned long long)b->handshakes);
		bench_json_hist(&out, "handshake_us", &b->hs_hist);
	}
	buf_add(&out, "}\n", 2);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}

static void
bench_report_text(const struct bench *b, double secs)
{
	const struct bench_opts *o = b->o;
	size_t i;

	printf("%s: %u connections, pipeline %u%s, ", b->name,
	    o->connections, o->pipeline, o->reconnect ? ", reconnecting" : "");
	if (o->rate > 0)
		printf("open loop at %g requests/s\n", o->rate);
	else
		printf("closed loop\n");
	printf("%llu sent, %llu completed, %llu errors",
	    (unsigned long long)b->sent, (unsigned long long)b->completed,
	    (unsigned long long)b->errors);
	if (bench_unsent(b) > 0)
		printf(", %llu planned but not sent",
		    (unsigned long long)bench_unsent(b));
	printf("%s\n", b->aborted ? " (stopped early)" : "");
	printf("%.3f s, %.1f requests/s\n", secs,
	    secs > 0 ? (double)b->completed / secs : 0);
	if (o->rate > 0)
		printf("latency from each request's scheduled time (open "
		    "loop, includes queueing):\n");
	else
		printf("latency from each request's send time (closed loop, "
		    "not corrected for coordinated omission):\n");
	for (i = 0; i < sizeof(bench_pcts) / sizeof(bench_pcts[0]); i++)
		printf("  %-6s %10.3f ms\n", bench_pcts[i].name,
		    (double)histogram_percentile(&b->hist, bench_pcts[i].pct) /
		    1000);
	printf("  %-6s %10.3f ms\n", "max", (double)b->hist.max / 1000);
	printf("  %-6s %10.3f ms\n", "mean", histogram_mean(&b->hist) / 1000);
	if (o->tls == NULL)
		return;
	printf("%llu TLS handshakes (not in the latency above): p50 %.3f ms, "
	    "p99 %.3f ms, max %.3f ms, mean %.3f ms\n",
	    (unsigned long long)b->handshakes,
	    (double)histogram_percentile(&b->hs_hist, 50) / 1000,
	    (double)histogram_percentile(&b->hs_hist, 99) / 1000,
	    (double)b->hs_hist.max / 1000, histogram_mean(&b->hs_hist) / 1000);
}

static void
bench_start(struct bench *b)
{
	struct timeval tv;

	b->start_ns = b->last_reply_ns = bench_now();
	if (b->o->duration > 0) {
		b->end_ns = b->start_ns + (uint64_t)(b->o->duration * 1e9);
		tv = bench_tv(b->end_ns - b->start_ns);
		evtimer_add(b->end, &tv);
	}
	if (isatty(STDERR_FILENO)) {
		tv = bench_tv(BENCH_TICK_NS);
		event_add(b->tick, &tv);
	}
	bench_pump(b);
}

int
bench_run(const struct bench_opts *o)
{
	struct bench b;
	double secs;
	int rc;

	if ((rc = bench_init(&b, o)) != -1) {
		bench_free(&b);
		return rc;
	}
	/*
	 * OpenSSL writes with write(), not send(MSG_NOSIGNAL): a server that
	 * closes must give EPIPE, not end the run.
	 */
	if (o->tls != NULL)
		signal(SIGPIPE, SIG_IGN);
	bench_start(&b);
	event_base_dispatch(b.base);
	if (b.stop_ns == 0)
		b.stop_ns = bench_now();
	if (b.progress) {
		bench_progress(&b, b.stop_ns);
		fputc('\n', stderr);
	}
	if (b.aborted && !b.connected) {
		warnx("%s", b.cause);
		bench_free(&b);
		return CLIENT_EXIT_UNAVAILABLE;
	}
	secs = (double)(b.stop_ns - b.start_ns) / 1e9;
	if (o->json)
		bench_report_json(&b, secs);
	else
		bench_report_text(&b, secs);
	rc = CLIENT_EXIT_OK;
	if (b.aborted) {
		warnx("%s (no reply for %.3g s; stopped)", b.cause, o->timeout);
		rc = CLIENT_EXIT_UNAVAILABLE;
	} else if (b.errors > 0) {
		warnx("%llu of %llu requests failed; last: %s",
		    (unsigned long long)b.errors, (unsigned long long)b.sent,
		    b.cause);
		rc = CLIENT_EXIT_NOMATCH;
	}
	bench_free(&b);
	return rc;
}
