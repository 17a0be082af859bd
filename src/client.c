/* client.c: see client.h. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "xmalloc.h"

/* Read in chunks this large: a few replies per read() when pipelining. */
#define CLIENT_READ_CHUNK	65536

static enum client_status client_fail(struct client *, enum client_status,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static enum client_status
client_fail(struct client *c, enum client_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return st;
}

static int64_t
client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The cause of a failed connect, worded for someone who ran searchctl. */
static const char *
client_connect_cause(int error)
{
	switch (error) {
	case ECONNREFUSED:
		return "connection refused (is searchd running?)";
	case ENOENT:
		return "no such socket (is searchd running?)";
	case EACCES:
		return "permission denied";
	case ENETUNREACH:
	case EHOSTUNREACH:
		return "no route to host";
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
		return "address not available on this machine";
	default:
		return strerror(error);
	}
}

void
client_init(struct client *c, const struct addr *a, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->addr = *a;
	addr_format(a, c->name, sizeof(c->name));
	c->timeout_ms = timeout_ms;
	c->fd = -1;
	buf_init(&c->out);
	buf_init(&c->in);
	if ((c->tok = json_tokener_new()) == NULL)
		fatalx("out of memory");
	frame_parser_init(&c->parser, c->tok, CLIENT_REPLY_MAX);
}

void
client_free(struct client *c)
{
	size_t i;

	client_close(c);
	for (i = 0; i < c->reqs_cap; i++)
		buf_free(&c->reqs[i].frame);
	free(c->reqs);
	buf_free(&c->out);
	buf_free(&c->in);
	json_tokener_free(c->tok);
}

void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->write_failed = 0;
	c->replies = 0;
	buf_reset(&c->out);
	c->out_off = 0;
	buf_reset(&c->in);
	c->in_off = 0;
	frame_parser_clear(&c->parser);
}

/* Waits for a non-blocking connect; returns 0 or an errno value. */
static int
client_connect_wait(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int n, error;

	for (;;) {
		n = poll(&pfd, 1, (int)(deadline - client_now_ms()));
		if (n > 0)
			break;
		if (n == 0 || client_now_ms() >= deadline)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		return errno;
	return error;
}

/* Returns 0 or an errno value; c->fd is set on success. */
static int
client_connect_one(struct client *c, const struct sockaddr *sa,
    socklen_t salen, int64_t deadline)
{
	int fd, error, one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return errno;
	if (connect(fd, sa, salen) == 0)
		error = 0;
	else if (errno == EINPROGRESS)
		error = client_connect_wait(fd, deadline);
	else
		error = errno;
	if (error != 0) {
		close(fd);
		return error;
	}
	if (sa->sa_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
}

static enum client_status
client_connect_unix(struct client *c, int64_t deadline)
{
	struct sockaddr_un sun;
	int error;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->addr.path, sizeof(sun.sun_path));
	error = client_connect_one(c, (struct sockaddr *)&sun, sizeof(sun),
	    deadline);
	if (error == EAGAIN)
		error = ECONNREFUSED;	/* backlog full: Linux's EAGAIN */
	if (error == ETIMEDOUT)
		return client_fail(c, CLIENT_NETWORK, "%s: connect timed out "
		    "after %.3g s", c->name, c->timeout_ms / 1000.0);
	if (error != 0)
		return client_fail(c, CLIENT_NETWORK, "%s: %s", c->name,
		    client_connect_cause(error));
	return CLIENT_OK;
}

/* Tries each address the name resolves to, as ssh and curl do. */
static enum client_status
client_connect_tcp(struct client *c, int64_t deadline)
{
	struct addrinfo *res, *ai;
	int gai, error = ECONNREFUSED;

	if ((gai = addr_resolve(&c->addr, 0, &res)) != 0)
		return client_fail(c, CLIENT_NETWORK, "%s: cannot resolve "
		    "host: %s", c->name, gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		error = client_connect_one(c, ai->ai_addr, ai->ai_addrlen,
		    deadline);
		if (error == 0 || error == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (error == ETIMEDOUT)
		return client_fail(c, CLIENT_NETWORK, "%s: connect timed out "
		    "after %.3g s", c->name, c->timeout_ms / 1000.0);
	if (error != 0)
		return client_fail(c, CLIENT_NETWORK, "%s: %s", c->name,
		    client_connect_cause(error));
	return CLIENT_OK;
}

enum client_status
client_connect(struct client *c)
{
	int64_t deadline = client_now_ms() + c->timeout_ms;
	enum client_status st;
	size_t i;

	client_close(c);
	if (c->addr.is_unix)
		st = client_connect_unix(c, deadline);
	else
		st = client_connect_tcp(c, deadline);
	if (st != CLIENT_OK)
		return st;
	for (i = 0; i < c->reqs_len; i++) {
		struct client_req *r = &c->reqs[(c->reqs_head + i) %
		    c->reqs_cap];

		buf_add(&c->out, r->frame.data, r->frame.len);
	}
	return CLIENT_OK;
}

size_t
client_pending(const struct client *c)
{
	return c->reqs_len;
}

static struct client_req *
client_req_push(struct client *c)
{
	struct client_req *old = c->reqs;
	size_t i, cap;

	if (c->reqs_len == c->reqs_cap) {
		cap = c->reqs_cap ? c->reqs_cap * 2 : 16;
		c->reqs = xcalloc(cap, sizeof(*c->reqs));
		for (i = 0; i < c->reqs_len; i++)
			c->reqs[i] = old[(c->reqs_head + i) % c->reqs_cap];
		for (i = c->reqs_len; i < cap; i++)
			buf_init(&c->reqs[i].frame);
		free(old);
		c->reqs_head = 0;
		c->reqs_cap = cap;
	}
	return &c->reqs[(c->reqs_head + c->reqs_len++) % c->reqs_cap];
}

int
client_queue(struct client *c, const char *content_type,
    const char *content_encoding, const void *content, size_t len,
    int64_t id)
{
	struct client_req *r;
	json_object *jid = NULL;
	int rc;

	r = client_req_push(c);
	buf_reset(&r->frame);
	r->id = id;
	if (id >= 0 && (jid = json_object_new_int64(id)) == NULL)
		fatalx("out of memory");
	rc = frame_encode_header(&r->frame, content_type, content_encoding,
	    len, jid);
	json_object_put(jid);
	if (rc == -1) {
		c->reqs_len--;
		return -1;
	}
	buf_add(&r->frame, content, len);
	if (c->fd != -1)
		buf_add(&c->out, r->frame.data, r->frame.len);
	return 0;
}

/* Writes what the socket takes now; a failed write only stops writing. */
static void
client_write(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out.len && !c->write_failed) {
		n = send(c->fd, c->out.data + c->out_off,
		    c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n > 0)
			c->out_off += (size_t)n;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if (errno != EINTR)
			c->write_failed = 1;
	}
	if (c->out_off == c->out.len) {
		buf_reset(&c->out);
		c->out_off = 0;
	}
}

/* Reads once; returns bytes read, 0 at end of file, -1 with errno set. */
static ssize_t
client_fill(struct client *c)
{
	size_t avail = c->in.len - c->in_off;
	ssize_t n;

	if (c->in_off > 0) {
		memmove(c->in.data, c->in.data + c->in_off, avail);
		c->in.len = avail;
		c->in_off = 0;
	}
	buf_reserve(&c->in, CLIENT_READ_CHUNK);
	do
		n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len,
		    0);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		c->in.len += (size_t)n;
	return n;
}

/* Waits for and reads more input, writing queued output meanwhile. */
static enum client_status
client_wait(struct client *c, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd };
	ssize_t n;
	int left;

	for (;;) {
		client_write(c);
		pfd.events = POLLIN;
		if (c->out.len > 0 && !c->write_failed)
			pfd.events |= POLLOUT;
		if ((left = (int)(deadline - client_now_ms())) <= 0)
			return client_fail(c, CLIENT_NETWORK, "%s: no reply "
			    "within %.3g s", c->name, c->timeout_ms / 1000.0);
		if (poll(&pfd, 1, left) == -1 && errno != EINTR)
			return client_fail(c, CLIENT_NETWORK, "%s: poll: %s",
			    c->name, strerror(errno));
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			break;
	}
	if ((n = client_fill(c)) > 0)
		return CLIENT_OK;
	if (frame_partial(&c->parser, c->in.len - c->in_off))
		return client_fail(c, CLIENT_NETWORK, "%s: connection %s in "
		    "the middle of a reply", c->name, n == 0 ? "closed" :
		    "reset");
	if (n == 0 || errno == ECONNRESET || errno == EPIPE)
		return client_fail(c, CLIENT_CLOSED, "%s: server closed the "
		    "connection without replying", c->name);
	return client_fail(c, CLIENT_NETWORK, "%s: %s", c->name,
	    strerror(errno));
}

/* Matches a decoded reply to the oldest unanswered request. */
static enum client_status
client_answer(struct client *c, struct frame_msg *msg,
    struct client_reply *reply)
{
	struct client_req *r;
	int64_t id = -1;

	if (c->reqs_len == 0)
		return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: a reply "
		    "to no request", c->name);
	r = &c->reqs[c->reqs_head];
	if (msg->id != NULL) {
		id = json_object_is_type(msg->id, json_type_int) ?
		    json_object_get_int64(msg->id) : -2;
		if (id != r->id)
			return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: "
			    "id %s answers request %lld out of order", c->name,
			    json_object_to_json_string(msg->id),
			    (long long)r->id);
	}
	c->reqs_head = (c->reqs_head + 1) % c->reqs_cap;
	c->reqs_len--;
	c->replies++;
	reply->content_type = msg->content_type;
	reply->content_encoding = msg->content_encoding;
	reply->content = msg->content;
	reply->len = msg->content_length;
	reply->id = r->id;
	return CLIENT_OK;
}

enum client_status
client_read(struct client *c, struct client_reply *reply)
{
	int64_t deadline = client_now_ms() + c->timeout_ms;
	struct frame_error ferr;
	struct frame_msg *msg;
	enum frame_status fst;
	enum client_status st;
	size_t need;

	if (c->fd == -1)
		return client_fail(c, CLIENT_CLOSED, "%s: not connected",
		    c->name);
	for (;;) {
		need = frame_need(&c->parser);
		if (c->in.len - c->in_off < need) {
			if ((st = client_wait(c, deadline)) != CLIENT_OK)
				return st;
			continue;
		}
		fst = frame_parse(&c->parser, (uint8_t *)c->in.data +
		    c->in_off, need, &msg, &ferr);
		c->in_off += need;
		if (fst == FRAME_FATAL)
			return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: "
			    "%s", c->name, ferr.message);
		if (fst == FRAME_READY)
			return client_answer(c, msg, reply);
	}
}
