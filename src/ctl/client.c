/* client.c: see client.h. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "client.h"
#include "log.h"
#include "xmalloc.h"

/* Read in chunks this large: a few replies per read() when pipelining. */
#define CLIENT_READ_CHUNK	65536

static enum client_status client_fail(struct client *, enum client_status,
    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	client_close(struct client *);

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

const char *
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

/* The name the server's certificate must carry, from the options. */
static int
client_tls_name(struct client_tls *t, const struct client_tls_opts *o,
    const struct addr *a, char *err, size_t errlen)
{
	const char *name = o->servername;
	unsigned char ip[16];

	if (name == NULL && !a->is_unix)
		name = a->host;
	if (name == NULL) {
		if (o->insecure)
			return 0;
		/* A socket path proves nothing: verify against some name. */
		snprintf(err, errlen, "-U with --tls needs --servername NAME "
		    "(a name in the server's certificate) or --insecure");
		return -1;
	}
	if (*name == '\0' || strlen(name) >= sizeof(t->name)) {
		snprintf(err, errlen, "--servername: a name of 1 to %zu bytes, "
		    "not \"%.40s\"", sizeof(t->name) - 1, name);
		return -1;
	}
	strcpy(t->name, name);
	t->name_is_ip = inet_pton(AF_INET, name, ip) == 1 ||
	    inet_pton(AF_INET6, name, ip) == 1;
	return 0;
}

/* Why OpenSSL could not use a file: the system's reason if it has one. */
static void
client_tls_file_error(const char *what, const char *path, char *err,
    size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = ERR_reason_error_string(e);

	if (access(path, R_OK) == -1)
		why = strerror(errno);
	snprintf(err, errlen, "%s %s: %s", what, path, why ? why :
	    "cannot be loaded");
	ERR_clear_error();
}

static int
client_tls_load(struct client_tls *t, const struct client_tls_opts *o,
    char *err, size_t errlen)
{
	const char *key = o->key ? o->key : o->cert;

	if (o->cacert != NULL) {
		if (SSL_CTX_load_verify_locations(t->ctx, o->cacert,
		    NULL) != 1) {
			client_tls_file_error("--cacert", o->cacert, err,
			    errlen);
			return -1;
		}
	} else if (!o->insecure && SSL_CTX_set_default_verify_paths(t->ctx) !=
	    1) {
		snprintf(err, errlen, "cannot load the system's CA "
		    "certificates; use --cacert");
		ERR_clear_error();
		return -1;
	}
	if (o->cert == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, o->cert) != 1) {
		client_tls_file_error("--cert", o->cert, err, errlen);
		return -1;
	}
	/* A key that loads but does not match gets check_private_key's word. */
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) !=
	    X509_R_KEY_VALUES_MISMATCH) {
		client_tls_file_error("--key", key, err, errlen);
		return -1;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(err, errlen, "--key %s does not match --cert %s", key,
		    o->cert);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
client_tls_init(struct client_tls *t, const struct client_tls_opts *o,
    const struct addr *a, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (client_tls_name(t, o, a, err, errlen) == -1)
		return -1;
	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("cannot create a TLS context");
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	/*
	 * Frames carry their own lengths, so a close without close_notify
	 * cannot truncate a reply unnoticed; treat it as the plain close of
	 * a server that, like the tutorial's, closes after replying.
	 */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Writes resume from output buffers that may grow meanwhile. */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(t->ctx, o->insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	if (client_tls_load(t, o, err, errlen) == -1) {
		client_tls_free(t);
		return -1;
	}
	return 0;
}

void
client_tls_free(struct client_tls *t)
{
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
}

SSL *
client_tls_new(const struct client_tls *t, int fd)
{
	SSL *ssl;
	int ok = 1;

	if ((ssl = SSL_new(t->ctx)) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	if (t->name[0] == '\0')
		return ssl;
	/* SNI is for host names only (RFC 6066, section 3). */
	if (t->name_is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    t->name);
	else {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = SSL_set1_host(ssl, t->name) == 1 &&
		    SSL_set_tlsext_host_name(ssl, t->name) == 1;
	}
	if (!ok) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

void
client_tls_error(SSL *ssl, int ret, char *buf, size_t len)
{
	int e = SSL_get_error(ssl, ret), saved = errno;
	unsigned long err = ERR_peek_last_error();
	long vr = SSL_get_verify_result(ssl);
	const char *why;

	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL &&
	    saved == 0))
		snprintf(buf, len, "the server closed the connection");
	else if (e == SSL_ERROR_SYSCALL)
		snprintf(buf, len, "%s", strerror(saved));
	else if (ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    vr != X509_V_OK)
		snprintf(buf, len, "certificate verify failed (%s)",
		    X509_verify_cert_error_string(vr));
	else if (ERR_GET_REASON(err) == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
		snprintf(buf, len, "the server requires a client certificate "
		    "(--cert and --key)");
	else if (ERR_GET_REASON(err) == SSL_R_WRONG_VERSION_NUMBER ||
	    ERR_GET_REASON(err) == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    ERR_GET_REASON(err) == SSL_R_RECORD_LENGTH_MISMATCH)
		snprintf(buf, len, "%s (is it a TLS port?)",
		    ERR_reason_error_string(err));
	else if ((why = ERR_reason_error_string(err)) != NULL)
		snprintf(buf, len, "%s", why);
	else
		snprintf(buf, len, "TLS error %d", e);
	ERR_clear_error();
}

/*
 * OpenSSL writes with write(), not send(MSG_NOSIGNAL), and any SSL call may
 * write (an alert, a close_notify).  SIGPIPE is held around them so a
 * server that went away gives EPIPE, while searchctl's standard output
 * keeps the usual SIGPIPE of a closed pipe (searchctl ... | head).
 */
static void
client_sigpipe_hold(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void
client_sigpipe_release(const sigset_t *old)
{
	static const struct timespec zero;
	sigset_t set, pending;
	int saved = errno;	/* SSL_get_error() reads it next */

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
		sigtimedwait(&set, NULL, &zero);
	sigprocmask(SIG_SETMASK, old, NULL);
	errno = saved;
}

void
client_init(struct client *c, const struct addr *a,
    const struct client_tls *tls, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->addr = *a;
	c->tls = tls;
	addr_format(a, c->name, sizeof(c->name));
	c->timeout_ms = timeout_ms;
	c->fd = -1;
	buf_init(&c->out);
	buf_init(&c->in);
	buf_init(&c->ctype);
	buf_init(&c->cenc);
	frame_parser_init(&c->parser, CLIENT_REPLY_MAX);
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
	buf_free(&c->ctype);
	buf_free(&c->cenc);
}

static void
client_close(struct client *c)
{
	sigset_t old;

	if (c->ssl != NULL) {
		/* A close_notify if the socket takes it now; never waits. */
		if (!c->ssl_broken && SSL_is_init_finished(c->ssl)) {
			client_sigpipe_hold(&old);
			SSL_shutdown(c->ssl);
			client_sigpipe_release(&old);
		}
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	c->ssl = NULL;
	c->ssl_broken = 0;
	c->ssl_want_write = 0;
	c->nfirst = 0;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->write_failed = 0;
	c->replies = 0;
	buf_reset(&c->out);
	c->out_off = 0;
	buf_reset(&c->in);
	c->in_off = 0;
	frame_parser_init(&c->parser, CLIENT_REPLY_MAX);
}

/* Waits until fd is ready for events; returns 0 or an errno value. */
static int
client_poll(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, (int)(deadline - client_now_ms()));
		if (n > 0)
			return 0;
		if (n == 0 || client_now_ms() >= deadline)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

/* Waits for a non-blocking connect; returns 0 or an errno value. */
static int
client_connect_wait(int fd, int64_t deadline)
{
	socklen_t len = sizeof(int);
	int error;

	if ((error = client_poll(fd, POLLOUT, deadline)) != 0)
		return error;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		return errno;
	return error;
}

/* One message for how a connect attempt ended. */
static enum client_status
client_connect_result(struct client *c, int error)
{
	if (error == ETIMEDOUT)
		return client_fail(c, CLIENT_NETWORK, "%s: connect timed out "
		    "after %.3g s", c->name, c->timeout_ms / 1000.0);
	if (error != 0)
		return client_fail(c, CLIENT_NETWORK, "%s: %s", c->name,
		    client_connect_cause(error));
	return CLIENT_OK;
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
	return client_connect_result(c, error);
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
	return client_connect_result(c, error);
}

/* The TLS handshake, under the connect's deadline. */
static enum client_status
client_handshake(struct client *c, int64_t deadline)
{
	char why[256];
	sigset_t old;
	int ret, error;
	short events;

	if ((c->ssl = client_tls_new(c->tls, c->fd)) == NULL)
		fatalx("cannot set up TLS");
	for (;;) {
		ERR_clear_error();
		client_sigpipe_hold(&old);
		ret = SSL_connect(c->ssl);
		client_sigpipe_release(&old);
		if (ret == 1)
			return CLIENT_OK;
		switch (SSL_get_error(c->ssl, ret)) {
		case SSL_ERROR_WANT_READ:
			events = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			events = POLLOUT;
			break;
		default:
			c->ssl_broken = 1;
			client_tls_error(c->ssl, ret, why, sizeof(why));
			return client_fail(c, CLIENT_NETWORK, "%s: TLS "
			    "handshake failed: %s", c->name, why);
		}
		if ((error = client_poll(c->fd, events, deadline)) != 0) {
			c->ssl_broken = 1;
			if (error == ETIMEDOUT)
				return client_fail(c, CLIENT_NETWORK, "%s: TLS "
				    "handshake timed out after %.3g s (is it a "
				    "TLS port?)", c->name,
				    c->timeout_ms / 1000.0);
			return client_fail(c, CLIENT_NETWORK, "%s: poll: %s",
			    c->name, strerror(error));
		}
	}
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
	if (st == CLIENT_OK && c->tls != NULL)
		st = client_handshake(c, deadline);
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
	char jid[24];
	int rc, n = 0;

	r = client_req_push(c);
	buf_reset(&r->frame);
	r->id = id;
	if (id >= 0)
		n = snprintf(jid, sizeof(jid), "%lld", (long long)id);
	rc = frame_encode_header(&r->frame, content_type, content_encoding,
	    len, id >= 0 ? jid : NULL, (size_t)n);
	if (rc == -1) {
		c->reqs_len--;
		return -1;
	}
	buf_add(&r->frame, content, len);
	if (c->fd != -1)
		buf_add(&c->out, r->frame.data, r->frame.len);
	return 0;
}

/* send() or SSL_write(); -1 with errno EAGAIN when it would block. */
static ssize_t
client_send(struct client *c, const void *p, size_t len)
{
	sigset_t old;
	int n;

	if (c->ssl == NULL)
		return send(c->fd, p, len, MSG_NOSIGNAL);
	ERR_clear_error();
	client_sigpipe_hold(&old);
	n = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
	client_sigpipe_release(&old);
	if (n > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_WRITE:
	case SSL_ERROR_WANT_READ:
		/* client_wait polls for both while output is pending. */
		errno = EAGAIN;
		break;
	default:
		/* Whatever the server said is still there to read. */
		c->ssl_broken = 1;
		if (errno == 0 || errno == EAGAIN)
			errno = EPIPE;
		ERR_clear_error();
		break;
	}
	return -1;
}

/* Writes what the socket takes now; a failed write only stops writing. */
static void
client_write(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out.len && !c->write_failed) {
		n = client_send(c, c->out.data + c->out_off,
		    c->out.len - c->out_off);
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

/*
 * recv() or SSL_read(): bytes read, 0 at end of file, or -1 with errno
 * set: EAGAIN when TLS records carried no data (session tickets), EPROTO
 * for a TLS failure, with c->err already saying why.
 */
static ssize_t
client_recv(struct client *c, void *p, size_t len)
{
	char why[256];
	sigset_t old;
	ssize_t n;
	int ret;

	if (c->ssl == NULL) {
		do
			n = recv(c->fd, p, len, 0);
		while (n == -1 && errno == EINTR);
		return n;
	}
	ERR_clear_error();
	c->ssl_want_write = 0;
	client_sigpipe_hold(&old);
	ret = SSL_read(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
	client_sigpipe_release(&old);
	if (ret > 0)
		return ret;
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->ssl_want_write = 1;
		/* FALLTHROUGH */
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		c->ssl_broken = 1;
		ERR_clear_error();
		return errno == 0 ? 0 : -1;
	default:
		c->ssl_broken = 1;
		client_tls_error(c->ssl, ret, why, sizeof(why));
		client_fail(c, CLIENT_NETWORK, "%s: TLS: %s", c->name, why);
		errno = EPROTO;
		return -1;
	}
}

/* A plaintext client answered with a TLS record (alert or handshake). */
static const char *
client_hint(const struct client *c)
{
	if (c->ssl == NULL && c->nfirst == sizeof(c->first) &&
	    (c->first[0] == 0x15 || c->first[0] == 0x16) && c->first[1] == 3)
		return " (the server speaks TLS: use --tls)";
	return "";
}

/* Reads once; returns bytes read, 0 at end of file, -1 with errno set. */
static ssize_t
client_fill(struct client *c)
{
	size_t avail = c->in.len - c->in_off;
	ssize_t n, i;

	if (c->in_off > 0) {
		memmove(c->in.data, c->in.data + c->in_off, avail);
		c->in.len = avail;
		c->in_off = 0;
	}
	buf_reserve(&c->in, CLIENT_READ_CHUNK);
	n = client_recv(c, c->in.data + c->in.len, c->in.cap - c->in.len);
	for (i = 0; i < n && c->nfirst < sizeof(c->first); i++)
		c->first[c->nfirst++] = (uint8_t)c->in.data[c->in.len + i];
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
		/* Decrypted bytes OpenSSL holds make the socket look idle. */
		if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
			pfd.revents = POLLIN;
		else {
			pfd.events = POLLIN;
			if ((c->out.len > 0 && !c->write_failed) ||
			    c->ssl_want_write)
				pfd.events |= POLLOUT;
			if ((left = (int)(deadline - client_now_ms())) <= 0)
				return client_fail(c, CLIENT_NETWORK, "%s: no "
				    "reply within %.3g s%s", c->name,
				    c->timeout_ms / 1000.0, client_hint(c));
			pfd.revents = 0;
			if (poll(&pfd, 1, left) == -1 && errno != EINTR)
				return client_fail(c, CLIENT_NETWORK, "%s: "
				    "poll: %s", c->name, strerror(errno));
		}
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0 &&
		    !(c->ssl_want_write && (pfd.revents & POLLOUT)))
			continue;
		if ((n = client_fill(c)) != -1 || errno != EAGAIN)
			break;
	}
	if (n > 0)
		return CLIENT_OK;
	if (n == -1 && errno == EPROTO && c->ssl != NULL)
		return CLIENT_NETWORK;	/* client_recv said why */
	if (c->in.len > c->in_off)
		return client_fail(c, CLIENT_NETWORK, "%s: connection %s in "
		    "the middle of a reply%s", c->name, n == 0 ? "closed" :
		    "reset", client_hint(c));
	if (n == 0 || errno == ECONNRESET || errno == EPIPE)
		return client_fail(c, CLIENT_CLOSED, "%s: server closed the "
		    "connection without replying%s", c->name, client_hint(c));
	return client_fail(c, CLIENT_NETWORK, "%s: %s", c->name,
	    strerror(errno));
}

/* Matches a decoded reply to the oldest unanswered request. */
/* The id a reply echoed: an integer, or -2 for anything else. */
static int64_t
client_reply_id(const struct frame_msg *msg)
{
	char tmp[24], *end;
	long long v;

	if (msg->id_len == 0 || msg->id_len >= sizeof(tmp) ||
	    msg->id[0] == '"')
		return -2;
	memcpy(tmp, msg->id, msg->id_len);
	tmp[msg->id_len] = '\0';
	v = strtoll(tmp, &end, 10);
	return *end == '\0' ? (int64_t)v : -2;
}

static const char *
client_string(struct buf *b, const struct frame_str *s)
{
	buf_reset(b);
	frame_str_copy(s, b);
	buf_addc(b, '\0');
	return b->data;
}

static enum client_status
client_answer(struct client *c, struct frame_msg *msg,
    struct client_reply *reply)
{
	struct client_req *r;

	if (c->reqs_len == 0)
		return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: a reply "
		    "to no request", c->name);
	r = &c->reqs[c->reqs_head];
	if (msg->id != NULL && client_reply_id(msg) != r->id)
		return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: id %.*s "
		    "answers request %lld out of order", c->name,
		    (int)(msg->id_len > 64 ? 64 : msg->id_len), msg->id,
		    (long long)r->id);
	c->reqs_head = (c->reqs_head + 1) % c->reqs_cap;
	c->reqs_len--;
	c->replies++;
	reply->content_type = client_string(&c->ctype, &msg->content_type);
	reply->content_encoding = client_string(&c->cenc,
	    &msg->content_encoding);
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
	struct frame_msg msg;
	enum frame_status fst;
	enum client_status st;

	if (c->fd == -1)
		return client_fail(c, CLIENT_CLOSED, "%s: not connected",
		    c->name);
	for (;;) {
		fst = frame_parse(&c->parser, buf_bytes(&c->in, c->in_off),
		    c->in.len - c->in_off, &msg, &ferr);
		if (fst == FRAME_FATAL)
			return client_fail(c, CLIENT_PROTOCOL, "%s: bad reply: "
			    "%s%s", c->name, ferr.message, client_hint(c));
		if (fst == FRAME_READY) {
			c->in_off += msg.size;
			return client_answer(c, &msg, reply);
		}
		if ((st = client_wait(c, deadline)) != CLIENT_OK)
			return st;
	}
}
