/*
 * conn.c: a client connection: reads framed messages as they arrive (any
 * split, any number per read), answers each in order, and closes on EOF,
 * timeout or a framing error.  See conn.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "conn.h"
#include "log.h"
#include "request.h"
#include "tls.h"
#include "server.h"
#include "worker.h"
#include "xmalloc.h"

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_process(struct conn *);

static void
conn_peer(struct conn *c, char *out, size_t len)
{
	addr_peer_format(&c->peer, out, len);
}

static struct bufferevent *
conn_bufferevent(struct worker *w, int fd, int tls)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (!tls)
		return bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (w->settings.tls_ctx == NULL ||
	    (ssl = SSL_new(w->settings.tls_ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(w->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* A peer that closes without close_notify has still said EOF. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

struct conn *
conn_new(struct worker *w, const struct worker_fd *wfd)
{
	struct conn *c;
	int fd = wfd->fd, tls = wfd->tls, one = 1;

	/* Replies are small and often pipelined: do not let Nagle hold them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c = xcalloc(1, sizeof(*c));
	c->w = w;
	c->tls = tls;
	c->peer = wfd->peer;
	c->bev = conn_bufferevent(w, fd, tls);
	if (c->bev == NULL) {
		log_warnx("%s: bufferevent_socket_new failed", __func__);
		evutil_closesocket(fd);
		free(c);
		stats_connection_closed();
		return NULL;
	}
	frame_parser_init(&c->fp, w->tok, w->settings.max_message_size);
	c->state = CONN_READING;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* Enough for the largest unit (header or content), not more. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, FRAME_PREFIX_LEN +
	    FRAME_HEADER_MAX + w->settings.max_message_size);
	bufferevent_set_timeouts(c->bev, w->idle_tv, w->idle_tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	stats_add(&w->stats->connections_total, 1);
	/* The handshake counts against read_timeout like a message does. */
	if (tls) {
		c->msg_start = worker_now();
		TAILQ_INSERT_TAIL(&w->partial, c, partial_entry);
		c->in_partial = 1;
	}
	return c;
}

static void
conn_partial_remove(struct conn *c)
{
	if (c->in_partial) {
		TAILQ_REMOVE(&c->w->partial, c, partial_entry);
		c->in_partial = 0;
	}
}

void
conn_close(struct conn *c, const char *reason)
{
	struct worker *w = c->w;
	char peer[128];

	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		conn_peer(c, peer, sizeof(peer));
		log_debug("%s: closing connection: %s", peer, reason);
	}
	conn_partial_remove(c);
	TAILQ_REMOVE(&w->conns, c, entry);
	frame_parser_clear(&c->fp);
	bufferevent_free(c->bev);
	free(c);
	stats_connection_closed();
	worker_conn_gone(w);
}

/* Keeps the worker's list of connections with a message under way. */
static void
conn_track_partial(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (c->state == CONN_READING &&
	    frame_partial(&c->fp, evbuffer_get_length(in))) {
		if (!c->in_partial) {
			c->msg_start = worker_now();
			TAILQ_INSERT_TAIL(&c->w->partial, c, partial_entry);
			c->in_partial = 1;
		}
	} else
		conn_partial_remove(c);
}

/* Stops reading and closes once the replies already queued are sent. */
static void
conn_finish(struct conn *c, const char *reason)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->state = CONN_CLOSING;
	conn_partial_remove(c);
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	if (evbuffer_get_length(out) == 0) {
		conn_close(c, reason);
		return;
	}
	/* A peer that never reads its last reply must not hold us. */
	bufferevent_set_timeouts(c->bev, NULL, c->w->linger_tv);
}

static void
conn_send(struct conn *c, const struct reply *r, json_object *id)
{
	struct worker *w = c->w;
	struct evbuffer *out = bufferevent_get_output(c->bev);

	buf_reset(&w->hdr);
	if (frame_encode_header(&w->hdr, r->content_type, r->content_encoding,
	    r->len, id) == -1)
		frame_encode_header(&w->hdr, r->content_type,
		    r->content_encoding, r->len, NULL);
	evbuffer_add(out, w->hdr.data, w->hdr.len);
	evbuffer_add(out, r->data, r->len);
	stats_add(&w->stats->bytes_out, w->hdr.len + r->len);
	if (r->error_code != NULL)
		stats_add(&w->stats->errors_total, 1);
}

static void
conn_answer(struct conn *c, const struct frame_msg *msg)
{
	struct worker *w = c->w;
	struct reply r;
	char peer[128];

	request_answer(&w->req, msg, &r);
	stats_add(&w->stats->requests_total, 1);
	if (r.error_code != NULL && log_get_level() >= LOG_LEVEL_INFO) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: request error %s: %.*s", peer, r.error_code,
		    (int)(r.len > 300 ? 300 : r.len), r.data);
	}
	conn_send(c, &r, msg->id);
}

/* Framing is lost: say why, then close without reading further. */
static void
conn_fatal(struct conn *c, const struct frame_error *err)
{
	struct worker *w = c->w;
	struct reply r;
	char peer[128];

	conn_peer(c, peer, sizeof(peer));
	log_warnx("%s: %s: %s; closing connection", peer, err->code,
	    err->message);
	stats_add(&w->stats->framing_errors, 1);
	request_error(&w->req, err->code, err->message, &r);
	conn_send(c, &r, NULL);
	conn_finish(c, err->code);
}

static void
conn_process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct frame_error err;
	struct frame_msg *msg;
	const uint8_t *data;
	size_t need;

	while (c->state == CONN_READING) {
		if (evbuffer_get_length(out) > CONN_OUTPUT_HIGH) {
			c->state = CONN_PAUSED;
			bufferevent_disable(c->bev, EV_READ);
			bufferevent_setwatermark(c->bev, EV_WRITE,
			    CONN_OUTPUT_LOW, 0);
			break;
		}
		need = frame_need(&c->fp);
		if (evbuffer_get_length(in) < need)
			break;
		data = need ? evbuffer_pullup(in, (ev_ssize_t)need) :
		    (const uint8_t *)"";
		switch (frame_parse(&c->fp, data, need, &msg, &err)) {
		case FRAME_FATAL:
			conn_fatal(c, &err);
			return;
		case FRAME_READY:
			conn_answer(c, msg);
			break;
		case FRAME_MORE:
			break;
		}
		evbuffer_drain(in, need);
		stats_add(&c->w->stats->bytes_in, need);
	}
	conn_track_partial(c);
	if (c->w->draining)
		conn_drain(c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process(arg);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	switch (c->state) {
	case CONN_CLOSING:
		if (evbuffer_get_length(out) == 0)
			conn_close(c, "replies sent");
		return;
	case CONN_PAUSED:
		c->state = CONN_READING;
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		bufferevent_enable(bev, EV_READ);
		conn_process(c);
		return;
	case CONN_READING:
		if (c->w->draining)
			conn_drain(c);
		return;
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char peer[128], why[256];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		conn_track_partial(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_finish(c, "closed by peer");
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		stats_add(&c->w->stats->timeouts, 1);
		if (log_get_level() >= LOG_LEVEL_INFO) {
			conn_peer(c, peer, sizeof(peer));
			log_info("%s: %s timeout; closing connection", peer,
			    (what & BEV_EVENT_WRITING) ? "write" : "idle");
		}
		conn_close(c, "timeout");
		return;
	}
	if (c->tls && (e = bufferevent_get_openssl_error(c->bev)) != 0) {
		tls_error_string(e, why, sizeof(why));
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: TLS: %s; closing connection", peer, why);
		conn_close(c, why);
		return;
	}
	conn_close(c, evutil_socket_error_to_string(
	    EVUTIL_SOCKET_ERROR()));
}

void
conn_drain(struct conn *c)
{
	if (c->state == CONN_READING && !c->in_partial &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_close(c, "shutting down");
}

void
conn_read_timeout(struct conn *c)
{
	struct frame_error err;
	char peer[128];

	if (c->tls && SSL_is_init_finished(bufferevent_openssl_get_ssl(
	    c->bev)) != 1) {
		stats_add(&c->w->stats->timeouts, 1);
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: TLS handshake not done after read_timeout; "
		    "closing connection", peer);
		conn_close(c, "handshake timeout");
		return;
	}

	stats_add(&c->w->stats->timeouts, 1);
	err.code = "timeout";
	snprintf(err.message, sizeof(err.message), "message not complete "
	    "after read_timeout (%u s)", c->w->settings.read_timeout);
	conn_fatal(c, &err);
}
