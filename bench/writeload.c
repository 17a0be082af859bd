/*
 * writeload.c: the write-path load generator of bench/run.  It adds
 * documents, taken from a JSON Lines corpus, to searchd or a peer over the
 * peer's own network interface, with the same connection, pacing and
 * timing code for all:
 *
 *   searchd  2-byte length, JSON header, JSON content (searchd(8),
 *            PROTOCOL); {"action": "add", "docs": [{id, title, text}...]},
 *            answered {"result": "ok", ...}
 *   sphinx   the MySQL protocol (SphinxQL, Sphinx's mysql41 listener):
 *            the 4.1 handshake with an empty user, then COM_QUERY
 *            "INSERT INTO TABLE (id, title, text) VALUES (...), ...",
 *            answered by an OK packet
 *   groonga  HTTP/1.1 with keep-alive: "POST /d/load?table=TABLE" with a
 *            JSON array of {"_key", "title", "text"} records, answered
 *            [[0, ...], N]
 *
 * Each of -c connections has one request in flight (no pipelining): a
 * client that waits for each write to be answered.  A request carries -b
 * documents.  Closed loop by default; with -r RATE the requests are sent
 * on a fixed schedule of RATE requests per second over all connections (a
 * request waits for a free connection if none is), for a background
 * writer.  Latency is from the write(2) that handed a request to the
 * kernel to the read that completed its reply.  The first -w replies warm
 * up and are not counted; the window then runs until -n documents in all
 * were sent and answered, or for -D seconds after the warm-up, or until -t
 * seconds from the start, or (with -S) until standard input closes.  With
 * -K a connection closed by the server (a server killed on purpose) ends
 * the run instead of being an error.  With -s PID the server's
 * utime+stime over the window is divided by the requests in it.
 *
 * Document ids: with -x PREFIX, PREFIX followed by -i START plus the
 * document's number in this run (0, 1, ...); without, the corpus line's
 * own id.  Sphinx ids are numbers: START plus the document's number.  The
 * corpus file is read from the top, and again from the top if -n asks for
 * more documents than it has (give -x then, so the ids stay new).
 *
 * Prints one line of key=value pairs: requests, docs, errors, seconds,
 * rps (requests/s), docs_per_s, p50_us, p99_us, p999_us, max_us, mean_us,
 * server_cpu_us (per request), client_cpu_us (per request), closed.
 * Built by bench/run, not by make:
 *   cc -O2 -Isrc/common bench/writeload.c src/common/histogram.c \
 *	-levent_core -ljson-c -lm
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "histogram.h"

#define WL_READ_CHUNK	65536

enum proto { P_SEARCHD, P_SPHINX, P_GROONGA };

/* A connection's state; only Sphinx has a handshake. */
enum cstate { C_GREETING, C_AUTH, C_READY, C_BUSY, C_DEAD };

struct wl_opts {
	enum proto	 proto;
	const char	*host;
	int		 port;
	int		 conns;
	int		 batch;
	uint64_t	 docs;		/* -n: documents in all */
	uint64_t	 warmup;	/* requests */
	double		 seconds;
	double		 window;
	double		 rate;		/* requests per second, 0: closed loop */
	uint64_t	 id_start;
	const char	*id_prefix;
	const char	*table;
	pid_t		 server;
	const char	*docfile;
	int		 kill_ok;
	int		 stdin_stop;
};

struct wl;

struct wl_conn {
	struct wl	*wl;
	int		 fd;
	enum cstate	 state;
	struct event	*ev_read;
	struct event	*ev_write;
	char		*out;
	size_t		 out_len, out_off, out_cap;
	char		*in;
	size_t		 in_len, in_cap;
	uint64_t	 sent;		/* send time of the request in flight */
	unsigned	 ndocs;		/* its documents */
};

struct wl {
	struct wl_opts		 o;
	struct event_base	*base;
	struct sockaddr_in	 sin;
	FILE			*docs;
	uint64_t		 doc_no;	/* documents taken so far */
	struct wl_conn		*conns;
	struct histogram	 hist;
	struct event		*window;
	struct event		*pace;
	struct event		*ev_stdin;
	uint64_t		 total_reqs;
	uint64_t		 issued, done, errors, counted_docs;
	uint64_t		 tstart, t0, t1;
	long			 cpu0, cpu1;
	struct rusage		 ru0;
	double			 client_cpu;
	int			 finished, closed, warm;
	char			*line;
	size_t			 line_cap;
	char			*body;
	size_t			 body_len, body_cap;
};

static void	wl_pump(struct wl *);
static void	wl_conn_start(struct wl_conn *);

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* utime + stime of every thread of pid, in clock ticks; -1 if unknown. */
static long
proc_cpu(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;
	int i;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

static void
grow(char **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 4096;

	while (ncap < need)
		ncap *= 2;
	if (ncap != *cap) {
		if ((*p = realloc(*p, ncap)) == NULL)
			err(1, "realloc");
		*cap = ncap;
	}
}

static void
put(struct wl *wl, const char *s, size_t len)
{
	grow(&wl->body, &wl->body_cap, wl->body_len + len + 1);
	memcpy(wl->body + wl->body_len, s, len);
	wl->body_len += len;
}

static void
puts_(struct wl *wl, const char *s)
{
	put(wl, s, strlen(s));
}

/* A JSON string, quotes included. */
static void
put_json(struct wl *wl, const char *s)
{
	char esc[8];

	put(wl, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			put(wl, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
			put(wl, esc, 6);
		} else
			put(wl, s, 1);
	}
	put(wl, "\"", 1);
}

/* An SQL string literal as Sphinx reads it: backslash escapes. */
static void
put_sql(struct wl *wl, const char *s)
{
	put(wl, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			put(wl, "\\", 1);
		put(wl, s, 1);
	}
	put(wl, "'", 1);
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

/* The next corpus document, parsed; from the top again at the end. */
static json_object *
next_doc(struct wl *wl)
{
	json_object *o;
	ssize_t len;
	int again = 0;

	for (;;) {
		len = getline(&wl->line, &wl->line_cap, wl->docs);
		if (len == -1) {
			if (again++ || wl->doc_no == 0)
				errx(1, "%s: no documents", wl->o.docfile);
			rewind(wl->docs);
			continue;
		}
		if (len > 1)
			break;
	}
	if ((o = json_tokener_parse(wl->line)) == NULL)
		errx(1, "%s: a line that is no JSON", wl->o.docfile);
	return o;
}

/* Appends one document to the body being built. */
static void
put_doc(struct wl *wl, json_object *o, int first)
{
	uint64_t num = wl->o.id_start + wl->doc_no;
	char id[256];

	if (wl->o.id_prefix != NULL)
		snprintf(id, sizeof(id), "%s%llu", wl->o.id_prefix,
		    (unsigned long long)num);
	else
		snprintf(id, sizeof(id), "%s", jstr(o, "id"));
	switch (wl->o.proto) {
	case P_SEARCHD:
	case P_GROONGA:
		/* The same record; Groonga's key column is _key. */
		puts_(wl, first ? "{" : ", {");
		puts_(wl, wl->o.proto == P_GROONGA ? "\"_key\": " :
		    "\"id\": ");
		put_json(wl, id);
		puts_(wl, ", \"title\": ");
		put_json(wl, jstr(o, "title"));
		puts_(wl, ", \"text\": ");
		put_json(wl, jstr(o, "text"));
		puts_(wl, "}");
		break;
	case P_SPHINX:
		snprintf(id, sizeof(id), "%s(%llu,", first ? "" : ",",
		    (unsigned long long)num);
		puts_(wl, id);
		put_sql(wl, jstr(o, "title"));
		puts_(wl, ",");
		put_sql(wl, jstr(o, "text"));
		puts_(wl, ")");
		break;
	}
	wl->doc_no++;
}

/* Builds the next request into c->out; returns its documents. */
static unsigned
build_request(struct wl_conn *c)
{
	struct wl *wl = c->wl;
	json_object *o;
	char head[512];
	unsigned n, i;
	int hlen;

	n = (unsigned)wl->o.batch;
	if (wl->o.docs - wl->doc_no < n)
		n = (unsigned)(wl->o.docs - wl->doc_no);
	wl->body_len = 0;
	switch (wl->o.proto) {
	case P_SEARCHD:
		puts_(wl, "{\"action\": \"add\", \"docs\": [");
		break;
	case P_SPHINX:
		puts_(wl, "INSERT INTO ");
		puts_(wl, wl->o.table);
		puts_(wl, " (id, title, text) VALUES ");
		break;
	case P_GROONGA:
		puts_(wl, "[");
		break;
	}
	for (i = 0; i < n; i++) {
		o = next_doc(wl);
		put_doc(wl, o, i == 0);
		json_object_put(o);
	}
	switch (wl->o.proto) {
	case P_SEARCHD:
		puts_(wl, "]}");
		hlen = snprintf(head + 2, sizeof(head) - 2, "{\"byteorder\": "
		    "\"little\", \"content-type\": \"text/json\", "
		    "\"content-encoding\": \"utf-8\", \"content-length\": %zu}",
		    wl->body_len);
		head[0] = (char)(hlen >> 8);
		head[1] = (char)(hlen & 0xff);
		hlen += 2;
		break;
	case P_SPHINX:
		/* Packet: 3-byte length, sequence 0, COM_QUERY, the query. */
		if (wl->body_len + 1 >= 0xffffff)
			errx(1, "a request over 16 MiB");
		head[0] = (char)((wl->body_len + 1) & 0xff);
		head[1] = (char)(((wl->body_len + 1) >> 8) & 0xff);
		head[2] = (char)(((wl->body_len + 1) >> 16) & 0xff);
		head[3] = 0;
		head[4] = 0x03;
		hlen = 5;
		break;
	case P_GROONGA:
	default:
		puts_(wl, "]");
		hlen = snprintf(head, sizeof(head), "POST /d/load?table=%s "
		    "HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\n\r\n",
		    wl->o.table, wl->o.host, wl->o.port, wl->body_len);
		break;
	}
	grow(&c->out, &c->out_cap, c->out_len + (size_t)hlen + wl->body_len);
	memcpy(c->out + c->out_len, head, (size_t)hlen);
	memcpy(c->out + c->out_len + hlen, wl->body, wl->body_len);
	c->out_len += (size_t)hlen + wl->body_len;
	return n;
}

/* ---------------------------------------------------------- replies */

/*
 * Length of the first complete reply in b, 0 if incomplete, -1 if the
 * bytes are no reply; *bad is set for an error reply.
 */
static ssize_t
reply_searchd(const char *b, size_t n, int *bad)
{
	const char *p;
	size_t hlen, clen;

	if (n < 2)
		return 0;
	hlen = (size_t)(uint8_t)b[0] << 8 | (uint8_t)b[1];
	if (n < 2 + hlen)
		return 0;
	if ((p = memmem(b + 2, hlen, "\"content-length\":", 17)) == NULL)
		return -1;
	clen = strtoul(p + 17, NULL, 10);
	if (n < 2 + hlen + clen)
		return 0;
	*bad = memmem(b + 2 + hlen, clen < 40 ? clen : 40, "\"ok\"", 4) ==
	    NULL;
	return (ssize_t)(2 + hlen + clen);
}

static ssize_t
reply_mysql(const char *b, size_t n, int *bad)
{
	size_t len;

	if (n < 4)
		return 0;
	len = (size_t)(uint8_t)b[0] | (size_t)(uint8_t)b[1] << 8 |
	    (size_t)(uint8_t)b[2] << 16;
	if (n < 4 + len)
		return 0;
	*bad = len == 0 || (uint8_t)b[4] != 0x00;
	return (ssize_t)(4 + len);
}

static ssize_t
reply_http(const char *b, size_t n, int *bad)
{
	const char *end, *p, *body;
	size_t clen = 0, hlen;
	int status, have = 0;

	if ((end = memmem(b, n, "\r\n\r\n", 4)) == NULL)
		return 0;
	hlen = (size_t)(end - b) + 4;
	if (sscanf(b, "HTTP/%*d.%*d %d", &status) != 1)
		return -1;
	for (p = memchr(b, '\n', hlen); p != NULL && p < end;
	    p = memchr(p + 1, '\n', (size_t)(end - p))) {
		if (strncasecmp(p + 1, "Content-Length:", 15) == 0) {
			clen = strtoul(p + 16, NULL, 10);
			have = 1;
		}
	}
	if (!have)
		return -1;
	if (n < hlen + clen)
		return 0;
	body = b + hlen;
	*bad = status != 200 || clen < 4 || memcmp(body, "[[0,", 4) != 0;
	return (ssize_t)(hlen + clen);
}

static ssize_t
reply_len(enum proto p, const char *b, size_t n, int *bad)
{
	switch (p) {
	case P_SEARCHD:
		return reply_searchd(b, n, bad);
	case P_SPHINX:
		return reply_mysql(b, n, bad);
	case P_GROONGA:
		return reply_http(b, n, bad);
	}
	return -1;
}

/* ------------------------------------------------------------- run */

static void
wl_finish(struct wl *wl)
{
	struct rusage ru;

	if (wl->finished)
		return;
	wl->finished = 1;
	wl->t1 = now_ns();
	if (!wl->warm)
		wl->t0 = wl->t1;
	wl->cpu1 = proc_cpu(wl->o.server);
	getrusage(RUSAGE_SELF, &ru);
	wl->client_cpu = (double)(ru.ru_utime.tv_sec - wl->ru0.ru_utime.tv_sec +
	    ru.ru_stime.tv_sec - wl->ru0.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec - wl->ru0.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec - wl->ru0.ru_stime.tv_usec) / 1e6;
	event_base_loopbreak(wl->base);
}

static void
wl_tv(struct timeval *tv, double secs)
{
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

static void
wl_window_cb(evutil_socket_t fd, short what, void *arg)
{
	wl_finish(arg);
}

/* The warm-up is over: the window starts. */
static void
wl_warm(struct wl *wl)
{
	struct timeval tv;

	wl->warm = 1;
	wl->t0 = now_ns();
	wl->cpu0 = proc_cpu(wl->o.server);
	getrusage(RUSAGE_SELF, &wl->ru0);
	if (wl->o.window > 0) {
		wl_tv(&tv, wl->o.window);
		wl->window = evtimer_new(wl->base, wl_window_cb, wl);
		evtimer_add(wl->window, &tv);
	}
}

static void
wl_reply(struct wl_conn *c, uint64_t now, int bad, const char *b,
    size_t len)
{
	struct wl *wl = c->wl;

	wl->done++;
	if (bad) {
		if (wl->errors++ < 3)
			warnx("error reply: %.*s", (int)(len < 300 ? len : 300),
			    b);
	}
	if (wl->done <= wl->o.warmup) {
		if (wl->done == wl->o.warmup)
			wl_warm(wl);
	} else {
		histogram_record(&wl->hist, (now - c->sent) / 1000);
		wl->counted_docs += c->ndocs;
	}
	if (wl->done >= wl->total_reqs)
		wl_finish(wl);
}

static void
wl_conn_close(struct wl_conn *c)
{
	if (c->fd == -1)
		return;
	event_free(c->ev_read);
	event_free(c->ev_write);
	close(c->fd);
	c->fd = -1;
	c->in_len = c->out_len = c->out_off = 0;
	c->state = C_DEAD;
}

static void
wl_fail(struct wl_conn *c, const char *what)
{
	struct wl *wl = c->wl;

	if (wl->o.kill_ok) {
		wl->closed = 1;
		wl_conn_close(c);
		wl_finish(wl);
		return;
	}
	errx(1, "connection failed: %s: %s", what, strerror(errno));
}

static void
wl_flush(struct wl_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n == -1) {
			if (errno == EAGAIN) {
				event_add(c->ev_write, NULL);
				return;
			}
			wl_fail(c, "write");
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
}

static void
wl_send(struct wl_conn *c)
{
	struct wl *wl = c->wl;

	c->ndocs = build_request(c);
	c->state = C_BUSY;
	wl->issued++;
	c->sent = now_ns();
	/* Groonga's HTTP server closes each connection after its reply. */
	if (c->fd == -1)
		wl_conn_start(c);
	c->state = C_BUSY;
	wl_flush(c);
}

static void
wl_pace_cb(evutil_socket_t fd, short what, void *arg)
{
	wl_pump(arg);
}

/*
 * Sends what may be sent: on every free connection, closed loop; on the
 * schedule, with -r.
 */
static void
wl_pump(struct wl *wl)
{
	struct timeval tv;
	uint64_t now, due;
	int i;

	for (i = 0; i < wl->o.conns && !wl->finished; i++) {
		if (wl->issued >= wl->total_reqs)
			return;
		if (wl->conns[i].state != C_READY)
			continue;
		if (wl->o.rate > 0) {
			now = now_ns();
			due = wl->tstart + (uint64_t)((double)wl->issued /
			    wl->o.rate * 1e9);
			if (due > now) {
				wl_tv(&tv, (double)(due - now) / 1e9);
				evtimer_add(wl->pace, &tv);
				return;
			}
		}
		wl_send(&wl->conns[i]);
	}
}

/* Sphinx's greeting: answer with a 4.1 handshake response, no user. */
static void
mysql_greeting(struct wl_conn *c, const char *b, size_t len)
{
	unsigned char pkt[4 + 32 + 2];
	uint32_t caps = 0x0001 | 0x0200 | 0x8000;	/* long password, 4.1,
							   secure connection */
	size_t n = 0;

	if (len < 1 || (uint8_t)b[0] != 10)
		errx(1, "not a MySQL protocol 10 greeting");
	memset(pkt, 0, sizeof(pkt));
	pkt[4 + n++] = caps & 0xff;
	pkt[4 + n++] = (caps >> 8) & 0xff;
	pkt[4 + n++] = (caps >> 16) & 0xff;
	pkt[4 + n++] = (caps >> 24) & 0xff;
	pkt[4 + n++] = 0;			/* max packet: 16 MiB */
	pkt[4 + n++] = 0;
	pkt[4 + n++] = 0;
	pkt[4 + n++] = 1;
	pkt[4 + n++] = 33;			/* utf8_general_ci */
	n += 23;				/* reserved */
	pkt[4 + n++] = 0;			/* user "" */
	pkt[4 + n++] = 0;			/* no auth data */
	pkt[0] = (unsigned char)n;
	pkt[1] = pkt[2] = 0;
	pkt[3] = 1;				/* sequence */
	grow(&c->out, &c->out_cap, c->out_len + 4 + n);
	memcpy(c->out + c->out_len, pkt, 4 + n);
	c->out_len += 4 + n;
	c->state = C_AUTH;
	wl_flush(c);
}

static void
wl_conn_parse(struct wl_conn *c, uint64_t now)
{
	struct wl *wl = c->wl;
	size_t off = 0;
	ssize_t r;
	int bad = 0;

	while (off < c->in_len && !wl->finished) {
		if (c->state == C_GREETING || c->state == C_AUTH)
			r = reply_mysql(c->in + off, c->in_len - off, &bad);
		else
			r = reply_len(wl->o.proto, c->in + off,
			    c->in_len - off, &bad);
		if (r == 0)
			break;
		if (r < 0)
			errx(1, "unparseable reply: %.60s", c->in + off);
		if (c->state == C_GREETING)
			mysql_greeting(c, c->in + off + 4, (size_t)r - 4);
		else if (c->state == C_AUTH) {
			if (bad)
				errx(1, "MySQL handshake refused: %.*s",
				    (int)r, c->in + off);
			c->state = C_READY;
		} else if (c->state == C_BUSY) {
			c->state = C_READY;
			wl_reply(c, now, bad, c->in + off, (size_t)r);
			if (wl->o.proto == P_GROONGA) {
				/* Connection: close, always. */
				wl_conn_close(c);
				c->state = C_READY;
				return;
			}
		} else
			errx(1, "a reply nobody asked for");
		off += (size_t)r;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void
wl_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wl_conn *c = arg;
	struct wl *wl = c->wl;
	ssize_t n;

	grow(&c->in, &c->in_cap, c->in_len + WL_READ_CHUNK);
	n = read(fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n == 0) {
		errno = ECONNRESET;
		wl_fail(c, "closed by the server");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN)
			wl_fail(c, "read");
		return;
	}
	c->in_len += (size_t)n;
	wl_conn_parse(c, now_ns());
	/* The connection may be closed now (Groonga). */
	if (!wl->finished)
		wl_pump(wl);
}

static void
wl_write_cb(evutil_socket_t fd, short what, void *arg)
{
	wl_flush(arg);
}

static void
wl_conn_start(struct wl_conn *c)
{
	struct wl *wl = c->wl;
	int one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Connect blocking: the run starts once every connection is up. */
	if (connect(c->fd, (struct sockaddr *)&wl->sin, sizeof(wl->sin)) == -1)
		err(1, "connect to port %d", wl->o.port);
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	c->ev_read = event_new(wl->base, c->fd, EV_READ | EV_PERSIST,
	    wl_read_cb, c);
	c->ev_write = event_new(wl->base, c->fd, EV_WRITE, wl_write_cb, c);
	event_add(c->ev_read, NULL);
	c->state = wl->o.proto == P_SPHINX ? C_GREETING : C_READY;
}

static void
wl_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wl *wl = arg;

	if (!wl->warm && wl->o.warmup > 0)
		errx(1, "time limit reached during warm-up (%llu replies)",
		    (unsigned long long)wl->done);
	wl_finish(wl);
}

static void
wl_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wl *wl = arg;
	char buf[256];

	if (read(fd, buf, sizeof(buf)) <= 0)
		wl_finish(wl);
}

static void
wl_report(struct wl *wl)
{
	const struct histogram *h = &wl->hist;
	double secs = (double)(wl->t1 - wl->t0) / 1e9;
	uint64_t n = h->total;
	long hz = sysconf(_SC_CLK_TCK);
	double cpu = -1;

	if (wl->cpu0 >= 0 && wl->cpu1 > wl->cpu0 && n > 0)
		cpu = (double)(wl->cpu1 - wl->cpu0) / (double)hz * 1e6 /
		    (double)n;
	printf("requests=%llu docs=%llu errors=%llu seconds=%.3f rps=%.1f "
	    "docs_per_s=%.1f p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu "
	    "mean_us=%.1f server_cpu_us=%.3f client_cpu_us=%.3f closed=%d\n",
	    (unsigned long long)n, (unsigned long long)wl->counted_docs,
	    (unsigned long long)wl->errors, secs, secs > 0 ? n / secs : 0,
	    secs > 0 ? wl->counted_docs / secs : 0,
	    (unsigned long long)histogram_percentile(h, 50),
	    (unsigned long long)histogram_percentile(h, 99),
	    (unsigned long long)histogram_percentile(h, 99.9),
	    (unsigned long long)h->max, histogram_mean(h), cpu,
	    n ? wl->client_cpu * 1e6 / (double)n : -1, wl->closed);
	fflush(stdout);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: writeload -P searchd|sphinx|groonga -p port "
	    "-f docs.jsonl [-h host]\n\t[-c conns] [-b docs-per-request] "
	    "[-n docs] [-w warmup-requests]\n\t[-t seconds] [-D window-seconds] "
	    "[-r requests-per-second]\n\t[-x id-prefix] [-i id-start] "
	    "[-T table] [-s server-pid] [-K] [-S]\n");
	exit(2);
}

static void
parse_args(struct wl_opts *o, int argc, char **argv)
{
	int ch;

	o->host = "127.0.0.1";
	o->conns = 1;
	o->batch = 1;
	o->docs = 10000;
	o->seconds = 60;
	o->id_start = 1;
	o->table = NULL;
	while ((ch = getopt(argc, argv, "P:p:f:h:c:b:n:w:t:D:r:x:i:T:s:KS"))
	    != -1) {
		switch (ch) {
		case 'P':
			if (strcmp(optarg, "searchd") == 0)
				o->proto = P_SEARCHD;
			else if (strcmp(optarg, "sphinx") == 0)
				o->proto = P_SPHINX;
			else if (strcmp(optarg, "groonga") == 0)
				o->proto = P_GROONGA;
			else
				usage();
			break;
		case 'p': o->port = atoi(optarg); break;
		case 'f': o->docfile = optarg; break;
		case 'h': o->host = optarg; break;
		case 'c': o->conns = atoi(optarg); break;
		case 'b': o->batch = atoi(optarg); break;
		case 'n': o->docs = strtoull(optarg, NULL, 10); break;
		case 'w': o->warmup = strtoull(optarg, NULL, 10); break;
		case 't': o->seconds = atof(optarg); break;
		case 'D': o->window = atof(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 'x': o->id_prefix = optarg; break;
		case 'i': o->id_start = strtoull(optarg, NULL, 10); break;
		case 'T': o->table = optarg; break;
		case 's': o->server = (pid_t)atoi(optarg); break;
		case 'K': o->kill_ok = 1; break;
		case 'S': o->stdin_stop = 1; break;
		default: usage();
		}
	}
	if (o->port <= 0 || o->conns < 1 || o->conns > 10000 ||
	    o->batch < 1 || o->docs < 1 || o->seconds <= 0 ||
	    o->docfile == NULL || o->rate < 0)
		usage();
	if (o->table == NULL)
		o->table = o->proto == P_SPHINX ? "rt" : "Docs";
}

int
main(int argc, char **argv)
{
	struct wl wl;
	struct event *timer;
	struct timeval tv;
	int i;

	memset(&wl, 0, sizeof(wl));
	parse_args(&wl.o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	wl.total_reqs = (wl.o.docs + (uint64_t)wl.o.batch - 1) /
	    (uint64_t)wl.o.batch;
	if (wl.o.warmup >= wl.total_reqs)
		errx(2, "-n leaves nothing after the warm-up");
	wl.sin.sin_family = AF_INET;
	wl.sin.sin_port = htons((uint16_t)wl.o.port);
	if (inet_pton(AF_INET, wl.o.host, &wl.sin.sin_addr) != 1)
		errx(2, "bad IPv4 address %s", wl.o.host);
	if ((wl.docs = fopen(wl.o.docfile, "r")) == NULL)
		err(1, "%s", wl.o.docfile);
	histogram_init(&wl.hist);
	wl.cpu0 = wl.cpu1 = -1;
	if ((wl.base = event_base_new()) == NULL)
		errx(1, "event_base_new");
	wl.pace = evtimer_new(wl.base, wl_pace_cb, &wl);
	if (wl.o.stdin_stop) {
		wl.ev_stdin = event_new(wl.base, STDIN_FILENO, EV_READ |
		    EV_PERSIST, wl_stdin_cb, &wl);
		event_add(wl.ev_stdin, NULL);
	}
	if ((wl.conns = calloc((size_t)wl.o.conns, sizeof(*wl.conns))) == NULL)
		err(1, "calloc");
	for (i = 0; i < wl.o.conns; i++) {
		wl.conns[i].wl = &wl;
		wl_conn_start(&wl.conns[i]);
	}
	wl_tv(&tv, wl.o.seconds);
	timer = evtimer_new(wl.base, wl_timeout_cb, &wl);
	evtimer_add(timer, &tv);
	wl.tstart = now_ns();
	if (wl.o.warmup == 0)
		wl_warm(&wl);
	wl_pump(&wl);
	event_base_dispatch(wl.base);
	wl_report(&wl);
	return wl.errors > 0 ? 1 : 0;
}
