/*
 * conn.c: the protocol side of a connection: decodes whatever bytes have
 * arrived (any split, any number of messages), answers each in order,
 * pauses when the peer does not read its replies, and closes on a framing
 * error, a timeout or shutdown.  It also keeps a worker's lists of
 * connections.  See conn.h.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "conn.h"
#include "log.h"
#include "request.h"
#include "stats.h"
#include "utf8.h"
#include "xmalloc.h"

time_t
conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

static const struct timeval *
conn_common_timeout(struct event_base *base, unsigned seconds)
{
	struct timeval tv = { (time_t)seconds, 0 };

	if (seconds == 0)
		return NULL;
	return event_base_init_common_timeout(base, &tv);
}

static void	conn_reap_cb(evutil_socket_t, short, void *);

void
conn_env_init(struct conn_env *env, struct event_base *base,
    struct stats_counters *stats, struct request_ctx *req)
{
	memset(env, 0, sizeof(*env));
	env->base = base;
	env->stats = stats;
	env->req = req;
	buf_init(&env->hdr);
	env->plain.rbuf = xmalloc(CONN_PLAIN_RBUF_SIZE);
	buf_init(&env->plain.wbuf);
	TAILQ_INIT(&env->conns);
	TAILQ_INIT(&env->partial);
	TAILQ_INIT(&env->dead);
	if ((env->reap_ev = event_new(base, -1, 0, conn_reap_cb, env)) == NULL)
		fatalx("%s: event_new failed", __func__);
	env->linger_tv = conn_common_timeout(base, CONN_LINGER);
}

void
conn_env_apply(struct conn_env *env, const struct conn_settings *s)
{
	if (env->settings.tls_ctx != NULL)
		SSL_CTX_free(env->settings.tls_ctx);
	env->settings = *s;
	env->idle_tv = conn_common_timeout(env->base, s->client_timeout);
}

static void
conn_destroy(struct conn_env *env, struct conn *c)
{
	TAILQ_REMOVE(&env->dead, c, entry);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Frees the dead, but for those a deferred reply still refers to. */
static void
conn_reap(struct conn_env *env)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&env->dead); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->refs == 0)
			conn_destroy(env, c);
	}
}

static void
conn_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_reap(arg);
}

void
conn_env_free(struct conn_env *env)
{
	conn_close_all(env, "exit");
	conn_reap(env);
	event_free(env->reap_ev);
	if (env->settings.tls_ctx != NULL)
		SSL_CTX_free(env->settings.tls_ctx);
	buf_free(&env->hdr);
	free(env->plain.rbuf);
	buf_free(&env->plain.wbuf);
}

void
conn_peer(const struct conn *c, char *out, size_t len)
{
	addr_peer_format(&c->peer, out, len);
}

struct conn *
conn_alloc(struct conn_env *env, int fd, const struct addr_peer *peer,
    int may_write, const struct conn_io *io)
{
	struct conn *c;
	int one = 1;

	/* Replies are small and often pipelined: do not let Nagle hold them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->env = env;
	c->io = io;
	c->fd = fd;
	c->peer = *peer;
	c->may_write = may_write;
	c->dq_tail = &c->dq_head;
	c->state = CONN_READING;
	frame_parser_init(&c->fp, env->settings.max_message_size);
	TAILQ_INSERT_TAIL(&env->conns, c, entry);
	env->nconns++;
	stats_add(&env->stats->connections_total, 1);
	return c;
}

static void
conn_partial_remove(struct conn *c)
{
	if (c->in_partial) {
		TAILQ_REMOVE(&c->env->partial, c, partial_entry);
		c->in_partial = 0;
	}
}

static void
conn_partial_add(struct conn *c)
{
	if (!c->in_partial) {
		c->msg_start = conn_now();
		TAILQ_INSERT_TAIL(&c->env->partial, c, partial_entry);
		c->in_partial = 1;
	}
}

void
conn_close(struct conn *c, const char *reason)
{
	struct conn_env *env = c->env;
	char peer[128];

	if (conn_dead(c))
		return;
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		conn_peer(c, peer, sizeof(peer));
		log_debug("%s: closing connection: %s", peer, reason);
	}
	conn_partial_remove(c);
	TAILQ_REMOVE(&env->conns, c, entry);
	env->nconns--;
	/*
	 * Counted out before the socket closes, so whoever sees the close
	 * (a client, a test counting descriptors) sees the count drop too.
	 */
	stats_connection_closed();
	c->io->release(c);
	c->state = CONN_DEAD;
	TAILQ_INSERT_TAIL(&env->dead, c, entry);
	event_active(env->reap_ev, 0, 0);
	if (env->draining && env->nconns == 0 && env->drained != NULL)
		env->drained(env->drained_arg);
}

static void
conn_send(struct conn *c, const struct reply *r, const char *id,
    size_t id_len)
{
	struct conn_env *env = c->env;

	buf_reset(&env->hdr);
	if (frame_encode_header(&env->hdr, r->content_type,
	    r->content_encoding, r->len, id, id_len) == -1)
		frame_encode_header(&env->hdr, r->content_type,
		    r->content_encoding, r->len, NULL, 0);
	c->io->send(c, env->hdr.data, env->hdr.len);
	c->io->send(c, r->data, r->len);
	stats_add(&env->stats->bytes_out, env->hdr.len + r->len);
	if (r->error_code != NULL)
		stats_add(&env->stats->errors_total, 1);
}

static void
conn_log_error(const struct conn *c, const struct reply *r)
{
	char peer[128];

	if (r->error_code != NULL && log_get_level() >= LOG_LEVEL_INFO) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: request error %s: %.*s", peer, r->error_code,
		    (int)utf8_clip(r->data, r->len, 300), r->data);
	}
}

static void	conn_deferred_post(struct deferred *);

/* The reply comes later: queue it, and read only writes meanwhile. */
static void
conn_defer(struct conn *c, struct deferred *d, const struct frame_msg *msg)
{
	d->id = msg->id != NULL ? xstrndup(msg->id, msg->id_len) : NULL;
	d->id_len = msg->id != NULL ? msg->id_len : 0;
	d->done = 0;
	d->queued = NULL;
	d->post = conn_deferred_post;
	d->owner = c;
	*c->dq_tail = d;
	c->dq_tail = &d->queued;
	c->ndeferred++;
	c->refs++;
	c->state = CONN_WAITING;
	d->start(d);
}

static void
conn_deferred_free(struct deferred *d)
{
	free(d->id);
	d->release(d);
}

static void
conn_answer(struct conn *c, const struct frame_msg *msg)
{
	struct conn_env *env = c->env;
	struct reply r;

	env->req->peer = &c->peer;
	env->req->may_write = c->may_write;
	answer_message(env->req, msg, &r);
	stats_add(&env->stats->requests_total, 1);
	if (r.deferred != NULL) {
		conn_defer(c, r.deferred, msg);
		return;
	}
	conn_log_error(c, &r);
	conn_send(c, &r, msg->id, msg->id_len);
}

/* On whatever thread finished it: back to the connection's worker. */
static void
conn_deferred_post(struct deferred *d)
{
	struct conn *c = d->owner;

	c->env->deliver(c->env->deliver_arg, d);
}

/* Sends the replies at the head of the queue that are done, in order. */
static void
conn_deferred_flush(struct conn *c)
{
	struct conn_env *env = c->env;
	struct deferred *d;
	struct reply r;

	while ((d = c->dq_head) != NULL && d->done) {
		if ((c->dq_head = d->queued) == NULL)
			c->dq_tail = &c->dq_head;
		c->ndeferred--;
		if (!conn_dead(c)) {
			memset(&r, 0, sizeof(r));
			d->render(d, env->req, &r);
			conn_log_error(c, &r);
			conn_send(c, &r, d->id, d->id_len);
		}
		conn_deferred_free(d);
	}
}

void
conn_deferred_done(struct deferred *d)
{
	struct conn *c = d->owner;
	struct conn_env *env = c->env;

	d->done = 1;
	c->refs--;
	conn_deferred_flush(c);
	if (conn_dead(c)) {
		if (c->refs == 0)
			conn_destroy(env, c);
		return;
	}
	if (c->ndeferred == 0)
		c->state = CONN_READING;
	if (c->ndeferred == 0 || c->ndeferred < CONN_DEFERRED_MAX)
		c->blocked = 0;
	c->io->resume(c);
}

/* Framing is lost: say why; the transport closes after sending it. */
static void
conn_fatal(struct conn *c, const struct frame_error *err)
{
	struct conn_env *env = c->env;
	struct reply r;
	char peer[128];

	conn_peer(c, peer, sizeof(peer));
	log_warnx("%s: %s: %s; closing connection", peer, err->code,
	    err->message);
	stats_add(&env->stats->framing_errors, 1);
	request_error(env->req, err->code, err->message, &r);
	conn_send(c, &r, NULL, 0);
	c->state = CONN_CLOSING;
	conn_partial_remove(c);
}

/*
 * Answers every whole message in the bytes and returns how many bytes it
 * used: the rest is the start of a message still arriving.  Stops early
 * when the replies waiting for the peer pass CONN_OUTPUT_HIGH (state
 * PAUSED) or framing is lost (CLOSING).
 */
size_t
conn_consume(struct conn *c, const uint8_t *data, size_t len)
{
	struct frame_error err;
	struct frame_msg msg;
	size_t off = 0;

	while ((c->state == CONN_READING || (c->state == CONN_WAITING &&
	    !c->blocked)) && off < len) {
		if (c->io->pending(c) > CONN_OUTPUT_HIGH) {
			if (c->state == CONN_READING)
				c->state = CONN_PAUSED;
			else
				c->blocked = 1;
			break;
		}
		switch (frame_parse(&c->fp, data + off, len - off, &msg, &err)) {
		case FRAME_FATAL:
			conn_fatal(c, &err);
			return off;
		case FRAME_MORE:
			return off;
		case FRAME_READY:
			/*
			 * read_timeout is per message: the next one's clock
			 * starts when conn_settle sees its first bytes.
			 */
			conn_partial_remove(c);
			/* Behind writes in flight, only more writes go ahead. */
			if (c->state == CONN_WAITING &&
			    (c->ndeferred >= CONN_DEFERRED_MAX ||
			    !answer_defers(&msg))) {
				frame_parser_init(&c->fp,
				    c->env->settings.max_message_size);
				c->blocked = 1;
				return off;
			}
			conn_answer(c, &msg);
			off += msg.size;
			stats_add(&c->env->stats->bytes_in, msg.size);
			/* A write answers later; what follows waits for it. */
			break;
		}
	}
	return off;
}

/*
 * After input: keeps the read_timeout list right; buffered is what the
 * transport holds of an incomplete unit.
 */
void
conn_settle(struct conn *c, size_t buffered)
{
	if (conn_dead(c))
		return;
	if ((c->state == CONN_READING || (c->state == CONN_WAITING &&
	    !c->blocked)) && buffered > 0)
		conn_partial_add(c);
	else
		conn_partial_remove(c);
}

void
conn_timeout(struct conn *c, int writing)
{
	char peer[128];

	if (conn_dead(c))
		return;
	stats_add(&c->env->stats->timeouts, 1);
	if (log_get_level() >= LOG_LEVEL_INFO) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: %s timeout; closing connection", peer,
		    writing ? "write" : "idle");
	}
	conn_close(c, "timeout");
}

void
conn_drain(struct conn *c)
{
	if (c->env->draining && c->state == CONN_READING && !c->in_partial &&
	    c->io->pending(c) == 0)
		conn_close(c, "shutting down");
}

static void
conn_read_timeout(struct conn *c)
{
	struct frame_error err;
	char peer[128];

	stats_add(&c->env->stats->timeouts, 1);
	if (c->io->handshaking != NULL && c->io->handshaking(c)) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: TLS handshake not done after read_timeout; "
		    "closing connection", peer);
		conn_close(c, "handshake timeout");
		return;
	}
	err.code = "timeout";
	snprintf(err.message, sizeof(err.message), "message not complete "
	    "after read_timeout (%u s)", c->env->settings.read_timeout);
	conn_fatal(c, &err);
	c->io->begin_close(c);
}

void
conn_sweep(struct conn_env *env)
{
	struct conn *c;
	time_t now = conn_now();

	/*
	 * The clock counts whole seconds: a message begun at 4.99 has
	 * msg_start 4, so ">=" would cut it at 5.0 with read_timeout 1.
	 * ">" makes read_timeout a minimum, as the manual says.
	 */
	while ((c = TAILQ_FIRST(&env->partial)) != NULL &&
	    now - c->msg_start > (time_t)env->settings.read_timeout)
		conn_read_timeout(c);
}

void
conn_drain_all(struct conn_env *env)
{
	struct conn *c, *next;

	env->draining = 1;
	for (c = TAILQ_FIRST(&env->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_drain(c);
	}
	if (env->nconns == 0 && env->drained != NULL)
		env->drained(env->drained_arg);
}

void
conn_close_all(struct conn_env *env, const char *reason)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&env->conns)) != NULL)
		conn_close(c, reason);
}
