/*
 * conn_tls.c: the TLS transport, on libevent's OpenSSL bufferevents.  The
 * bufferevent owns the socket, the SSL object and both buffers; reading
 * stops while replies pile up past CONN_OUTPUT_HIGH and resumes when they
 * drain, as in libevent's le-proxy sample.
 */
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "log.h"
#include "stats.h"
#include "tls.h"

static void	conn_tls_read_cb(struct bufferevent *, void *);
static void	conn_tls_write_cb(struct bufferevent *, void *);
static void	conn_tls_event_cb(struct bufferevent *, short, void *);
static void	conn_tls_send(struct conn *, const void *, size_t);
static size_t	conn_tls_pending(const struct conn *);
static void	conn_tls_begin_close(struct conn *);
static void	conn_tls_release(struct conn *);
static int	conn_tls_handshaking(const struct conn *);
static void	conn_tls_process(struct conn *);

static const struct conn_io conn_tls_io = {
	conn_tls_send,
	conn_tls_pending,
	conn_tls_begin_close,
	conn_tls_release,
	conn_tls_handshaking,
	conn_tls_process,
};

struct conn *
conn_tls_new(struct conn_env *env, int fd, const struct addr_peer *peer,
    int may_write)
{
	struct conn *c;
	SSL *ssl;

	if (env->settings.tls_ctx == NULL ||
	    (ssl = SSL_new(env->settings.tls_ctx)) == NULL) {
		log_warnx("%s: SSL_new failed", __func__);
		stats_connection_closed();
		close(fd);
		return NULL;
	}
	c = conn_alloc(env, fd, peer, may_write, &conn_tls_io);
	c->bev = bufferevent_openssl_socket_new(env->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);
		close(fd);
		log_warnx("%s: bufferevent_openssl_socket_new failed",
		    __func__);
		conn_close(c, "no bufferevent");
		return NULL;
	}
	/* A peer that closes without close_notify has still said EOF. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_tls_read_cb, conn_tls_write_cb,
	    conn_tls_event_cb, c);
	/* Enough for the largest unit (header or content), not more. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, FRAME_PREFIX_LEN +
	    FRAME_HEADER_MAX + env->settings.max_message_size);
	bufferevent_set_timeouts(c->bev, env->idle_tv, env->idle_tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* The handshake counts against read_timeout like a message does. */
	conn_settle(c, 1);
	return c;
}

static void
conn_tls_send(struct conn *c, const void *p, size_t len)
{
	evbuffer_add(bufferevent_get_output(c->bev), p, len);
}

static size_t
conn_tls_pending(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

static int
conn_tls_handshaking(const struct conn *c)
{
	return SSL_is_init_finished(bufferevent_openssl_get_ssl(c->bev)) != 1;
}

static void
conn_tls_begin_close(struct conn *c)
{
	struct evbuffer *in;

	if (conn_dead(c))
		return;
	in = bufferevent_get_input(c->bev);
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(in, evbuffer_get_length(in));
	conn_settle(c, 0);
	if (conn_tls_pending(c) == 0) {
		conn_close(c, "closing");
		return;
	}
	/* A peer that never reads its last reply must not hold us. */
	bufferevent_set_timeouts(c->bev, NULL, c->env->linger_tv);
}

static void
conn_tls_release(struct conn *c)
{
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
}

/* Answers what is buffered, then pauses, closes or waits for more. */
static void
conn_tls_process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), used;

	if (len > 0) {
		used = conn_consume(c, evbuffer_pullup(in, -1), len);
		evbuffer_drain(in, used);
	}
	switch (c->state) {
	case CONN_DEAD:
	case CONN_WAITING:
		return;
	case CONN_CLOSING:
		conn_tls_begin_close(c);
		return;
	case CONN_PAUSED:
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, CONN_OUTPUT_LOW, 0);
		conn_settle(c, 0);
		return;
	case CONN_READING:
		conn_settle(c, evbuffer_get_length(in));
		break;
	}
	conn_drain(c);
}

static void
conn_tls_read_cb(struct bufferevent *bev, void *arg)
{
	conn_tls_process(arg);
}

static void
conn_tls_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	switch (c->state) {
	case CONN_DEAD:
	case CONN_WAITING:
		return;
	case CONN_CLOSING:
		if (conn_tls_pending(c) == 0)
			conn_close(c, "replies sent");
		return;
	case CONN_PAUSED:
		c->state = CONN_READING;
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		bufferevent_enable(bev, EV_READ);
		conn_tls_process(c);
		return;
	case CONN_READING:
		conn_drain(c);
		return;
	}
}

static void
conn_tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char peer[128], why[256];
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		conn_settle(c, 0);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		conn_tls_begin_close(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (c->state == CONN_CLOSING)
			conn_close(c, "peer did not take its last reply");
		else
			conn_timeout(c, (what & BEV_EVENT_WRITING) != 0);
		return;
	}
	if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		tls_error_string(e, why, sizeof(why));
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: TLS: %s; closing connection", peer, why);
		conn_close(c, why);
		return;
	}
	conn_close(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}
