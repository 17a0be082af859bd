/*
 * conn.c: the protocol side of a connection: decodes whatever bytes have
 * arrived (any split, any number of messages), answers each in order,
 * pauses when the peer does not read its replies, and closes on a framing
 * error, a timeout or shutdown.  See conn.h.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "request.h"
#include "stats.h"
#include "worker.h"
#include "xmalloc.h"

void
conn_peer(const struct conn *c, char *out, size_t len)
{
	addr_peer_format(&c->peer, out, len);
}

struct conn *
conn_new(struct worker *w, const struct worker_fd *wfd)
{
	int one = 1;

	/* Replies are small and often pipelined: do not let Nagle hold them. */
	setsockopt(wfd->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (wfd->tls)
		return conn_tls_new(w, wfd);
	return conn_plain_new(w, wfd);
}

struct conn *
conn_alloc(struct worker *w, const struct worker_fd *wfd,
    const struct conn_io *io)
{
	struct conn *c;

	c = xcalloc(1, sizeof(*c));
	c->w = w;
	c->io = io;
	c->fd = wfd->fd;
	c->peer = wfd->peer;
	c->state = CONN_READING;
	frame_parser_init(&c->fp, w->settings.max_message_size);
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	stats_add(&w->stats->connections_total, 1);
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

static void
conn_partial_add(struct conn *c)
{
	if (!c->in_partial) {
		c->msg_start = worker_now();
		TAILQ_INSERT_TAIL(&c->w->partial, c, partial_entry);
		c->in_partial = 1;
	}
}

void
conn_free(struct conn *c, const char *reason)
{
	struct worker *w = c->w;
	char peer[128];

	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		conn_peer(c, peer, sizeof(peer));
		log_debug("%s: closing connection: %s", peer, reason);
	}
	conn_partial_remove(c);
	TAILQ_REMOVE(&w->conns, c, entry);
	/*
	 * Counted out before the socket closes, so whoever sees the close
	 * (a client, a test counting descriptors) sees the count drop too.
	 */
	stats_connection_closed();
	c->io->release(c);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
	worker_conn_gone(w);
}

static void
conn_send(struct conn *c, const struct reply *r, const char *id,
    size_t id_len)
{
	struct worker *w = c->w;

	buf_reset(&w->hdr);
	if (frame_encode_header(&w->hdr, r->content_type, r->content_encoding,
	    r->len, id, id_len) == -1)
		frame_encode_header(&w->hdr, r->content_type,
		    r->content_encoding, r->len, NULL, 0);
	c->io->send(c, w->hdr.data, w->hdr.len);
	c->io->send(c, r->data, r->len);
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
		    (int)request_clip(r.data, r.len, 300), r.data);
	}
	conn_send(c, &r, msg->id, msg->id_len);
}

/* Framing is lost: say why; the transport closes after sending it. */
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

	while (c->state == CONN_READING && off < len) {
		if (c->io->pending(c) > CONN_OUTPUT_HIGH) {
			c->state = CONN_PAUSED;
			break;
		}
		switch (frame_parse(&c->fp, data + off, len - off, &msg, &err)) {
		case FRAME_FATAL:
			conn_fatal(c, &err);
			return off;
		case FRAME_MORE:
			return off;
		case FRAME_READY:
			conn_answer(c, &msg);
			off += msg.size;
			stats_add(&c->w->stats->bytes_in, msg.size);
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
	if (c->state == CONN_READING && buffered > 0)
		conn_partial_add(c);
	else
		conn_partial_remove(c);
}

void
conn_timeout(struct conn *c, int writing)
{
	char peer[128];

	stats_add(&c->w->stats->timeouts, 1);
	if (log_get_level() >= LOG_LEVEL_INFO) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: %s timeout; closing connection", peer,
		    writing ? "write" : "idle");
	}
	conn_free(c, "timeout");
}

void
conn_drain(struct conn *c)
{
	if (c->state == CONN_READING && !c->in_partial &&
	    c->io->pending(c) == 0)
		conn_free(c, "shutting down");
}

void
conn_read_timeout(struct conn *c)
{
	struct frame_error err;
	char peer[128];

	stats_add(&c->w->stats->timeouts, 1);
	if (c->io->handshaking != NULL && c->io->handshaking(c)) {
		conn_peer(c, peer, sizeof(peer));
		log_info("%s: TLS handshake not done after read_timeout; "
		    "closing connection", peer);
		conn_free(c, "handshake timeout");
		return;
	}
	err.code = "timeout";
	snprintf(err.message, sizeof(err.message), "message not complete "
	    "after read_timeout (%u s)", c->w->settings.read_timeout);
	conn_fatal(c, &err);
	c->io->begin_close(c);
}
