/*
 * peerload.c: one closed-loop load generator for three protocols, so that
 * searchd, memcached and redis are driven by the same connection,
 * pipelining and timing code and differ only in how a request is encoded
 * and a reply is delimited:
 *
 *   searchd   2-byte length, JSON header, JSON content (the tutorial's
 *             framing); {"action": "search", "value": KEY[, "limit": N]
 *             [, MEMBERS]}, MEMBERS given raw with -x, such as
 *             "filter": "lang = fr", "facets": ["lang"]
 *   memcache  text protocol "get KEY\r\n"
 *   redis     RESP "*2\r\n$3\r\nGET\r\n$N\r\nKEY\r\n"
 *
 * Each of -c connections keeps -d requests in flight; a reply lets the
 * connection send the next request (closed loop).  Latency counts from the
 * moment the request was handed to write(2) to the moment its reply is
 * complete in the read buffer; with -N (one new connection per request)
 * it counts from connect(2).  The first -w replies warm up and are not
 * counted; the window then runs until -n replies in all, or for -D
 * seconds after the warm-up, or until -t seconds from the start.
 * With -s PID the server's utime+stime (/proc/PID/stat, every thread) over
 * the window is divided by the replies in it.
 *
 * With -I N it only opens N idle connections, prints "ready N", and holds
 * them until standard input closes or -t seconds pass.
 *
 * Prints one line of key=value pairs.  Built by bench/run, not by make:
 *   cc -O2 -Isrc/common bench/peerload.c src/common/histogram.c -levent_core -lm
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "histogram.h"

#define LG_READ_CHUNK	65536
#define LG_MAX_DEPTH	1024

enum proto { P_SEARCHD, P_MEMCACHE, P_REDIS };

struct lg_opts {
	enum proto	 proto;
	const char	*host;
	int		 port;
	int		 conns;
	int		 depth;
	uint64_t	 total;		/* replies, warm-up included */
	uint64_t	 warmup;
	double		 seconds;
	double		 window;	/* -D: seconds after warm-up, 0: none */
	int		 newconn;
	int		 idle;
	int		 limit;		/* searchd: -1 to leave out */
	const char	*extra;		/* searchd: -x, or "" */
	pid_t		 server;
	const char	*keyfile;
};

struct lg_key {
	char	*req;
	size_t	 len;
};

struct lg_conn {
	struct lg	*lg;
	int		 fd;
	struct event	*ev_read;
	struct event	*ev_write;
	char		*out;
	size_t		 out_len, out_off, out_cap;
	char		*in;
	size_t		 in_len, in_cap;
	uint64_t	 sent[LG_MAX_DEPTH];	/* ring of send times */
	unsigned	 head, inflight;
	size_t		 next_key;
};

struct lg {
	struct lg_opts		 o;
	struct event_base	*base;
	struct sockaddr_in	 sin;
	struct lg_key		*keys;
	size_t			 nkeys;
	struct lg_conn		*conns;
	struct histogram	 hist;
	struct event		*window;
	uint64_t		 issued, done, errors, misses;
	uint64_t		 t0, t1;
	long			 cpu0, cpu1;
	struct rusage		 ru0;
	double			 client_cpu;
	int			 finished;
};

static void	lg_conn_start(struct lg_conn *);
static void	lg_conn_fill(struct lg_conn *);

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
	/* The command may hold spaces; fields count from its ")". */
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

/* Appends KEY as the body of a JSON string. */
static size_t
json_escape(char *dst, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			dst[n++] = '\\';
		dst[n++] = s[i];
	}
	return n;
}

static void
key_encode(const struct lg_opts *o, struct lg_key *k, const char *s,
    size_t len)
{
	char body[8192 + 64], esc[8192];
	size_t elen;
	int blen, hlen;

	switch (o->proto) {
	case P_MEMCACHE:
		k->len = len + 6;
		k->req = malloc(k->len + 1);
		snprintf(k->req, k->len + 1, "get %.*s\r\n", (int)len, s);
		break;
	case P_REDIS:
		k->len = (size_t)asprintf(&k->req,
		    "*2\r\n$3\r\nGET\r\n$%zu\r\n%.*s\r\n", len, (int)len, s);
		break;
	case P_SEARCHD:
		elen = json_escape(esc, s, len);
		if (o->limit >= 0)
			blen = snprintf(body, sizeof(body), "{\"action\": "
			    "\"search\", \"value\": \"%.*s\", \"limit\": %d%s%s}",
			    (int)elen, esc, o->limit, *o->extra ? ", " : "",
			    o->extra);
		else
			blen = snprintf(body, sizeof(body), "{\"action\": "
			    "\"search\", \"value\": \"%.*s\"%s%s}", (int)elen,
			    esc, *o->extra ? ", " : "", o->extra);
		if (blen < 0 || (size_t)blen >= sizeof(body))
			errx(1, "request too long: %.40s", s);
		k->req = malloc((size_t)blen + 256);
		hlen = snprintf(k->req + 2, 254, "{\"byteorder\": \"little\", "
		    "\"content-type\": \"text/json\", \"content-encoding\": "
		    "\"utf-8\", \"content-length\": %d}", blen);
		k->req[0] = (char)(hlen >> 8);
		k->req[1] = (char)(hlen & 0xff);
		memcpy(k->req + 2 + hlen, body, (size_t)blen);
		k->len = 2 + (size_t)hlen + (size_t)blen;
		break;
	}
}

static void
keys_load(struct lg *lg)
{
	FILE *f;
	char line[4096];
	size_t len, cap = 0;

	if ((f = fopen(lg->o.keyfile, "r")) == NULL)
		err(1, "%s", lg->o.keyfile);
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if (lg->nkeys == cap) {
			cap = cap ? cap * 2 : 1024;
			lg->keys = reallocarray(lg->keys, cap, sizeof(*lg->keys));
			if (lg->keys == NULL)
				err(1, "reallocarray");
		}
		key_encode(&lg->o, &lg->keys[lg->nkeys++], line, len);
	}
	fclose(f);
	if (lg->nkeys == 0)
		errx(1, "%s: no keys", lg->o.keyfile);
}

/*
 * Length of the first complete reply in buf, 0 if incomplete, or -1 if the
 * bytes are no reply.  *miss is set for a not-found or error reply.
 */
static ssize_t
reply_searchd(const char *b, size_t n, int *miss)
{
	const char *p, *end;
	size_t hlen, clen;

	if (n < 2)
		return 0;
	hlen = (size_t)(uint8_t)b[0] << 8 | (uint8_t)b[1];
	if (n < 2 + hlen)
		return 0;
	end = b + 2 + hlen;
	if ((p = memmem(b + 2, hlen, "\"content-length\":", 17)) == NULL)
		return -1;
	clen = strtoul(p + 17, NULL, 10);
	if (n < 2 + hlen + clen)
		return 0;
	/* A hit starts the content with {"result": "<text>" and no error. */
	*miss = memmem(end, clen < 64 ? clen : 64, "\"error\"", 7) != NULL ||
	    memmem(end, clen < 32 ? clen : 32, "No match", 8) != NULL;
	return (ssize_t)(2 + hlen + clen);
}

static ssize_t
reply_memcache(const char *b, size_t n, int *miss)
{
	const char *nl, *sp;
	size_t bytes, head;

	if ((nl = memmem(b, n, "\r\n", 2)) == NULL)
		return 0;
	head = (size_t)(nl - b) + 2;
	if (head == 5 && memcmp(b, "END", 3) == 0) {
		*miss = 1;
		return 5;
	}
	if (n < 6 || memcmp(b, "VALUE ", 6) != 0)
		return -1;
	for (sp = nl; sp > b && sp[-1] != ' '; sp--)
		;
	bytes = strtoul(sp, NULL, 10);
	if (n < head + bytes + 7)
		return 0;
	*miss = 0;
	return (ssize_t)(head + bytes + 7);	/* data \r\nEND\r\n */
}

static ssize_t
reply_redis(const char *b, size_t n, int *miss)
{
	const char *nl;
	size_t head;
	long len;

	if ((nl = memmem(b, n, "\r\n", 2)) == NULL)
		return 0;
	head = (size_t)(nl - b) + 2;
	if (b[0] == '-' || b[0] == '+' || b[0] == ':') {
		*miss = b[0] == '-';
		return (ssize_t)head;
	}
	if (b[0] != '$')
		return -1;
	len = strtol(b + 1, NULL, 10);
	if (len < 0) {
		*miss = 1;
		return (ssize_t)head;
	}
	if (n < head + (size_t)len + 2)
		return 0;
	*miss = 0;
	return (ssize_t)(head + (size_t)len + 2);
}

static ssize_t
reply_len(enum proto p, const char *b, size_t n, int *miss)
{
	switch (p) {
	case P_SEARCHD:
		return reply_searchd(b, n, miss);
	case P_MEMCACHE:
		return reply_memcache(b, n, miss);
	case P_REDIS:
		return reply_redis(b, n, miss);
	}
	return -1;
}

static void
lg_finish(struct lg *lg)
{
	struct rusage ru;

	if (lg->finished)
		return;
	lg->finished = 1;
	lg->t1 = now_ns();
	lg->cpu1 = proc_cpu(lg->o.server);
	getrusage(RUSAGE_SELF, &ru);
	lg->client_cpu = (double)(ru.ru_utime.tv_sec - lg->ru0.ru_utime.tv_sec +
	    ru.ru_stime.tv_sec - lg->ru0.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec - lg->ru0.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec - lg->ru0.ru_stime.tv_usec) / 1e6;
	event_base_loopbreak(lg->base);
}

static void
lg_tv(struct timeval *tv, double secs)
{
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

static void
lg_window_cb(evutil_socket_t fd, short what, void *arg)
{
	lg_finish(arg);
}

static void
lg_window_start(struct lg *lg)
{
	struct timeval tv;

	if (lg->o.window <= 0)
		return;
	lg_tv(&tv, lg->o.window);
	lg->window = evtimer_new(lg->base, lg_window_cb, lg);
	evtimer_add(lg->window, &tv);
}

/* One reply arrived: count it, and open or close the window. */
static void
lg_reply(struct lg *lg, uint64_t sent, uint64_t now, int miss)
{
	lg->done++;
	if (lg->done <= lg->o.warmup) {
		if (lg->done == lg->o.warmup) {
			lg->t0 = now_ns();
			lg->cpu0 = proc_cpu(lg->o.server);
			getrusage(RUSAGE_SELF, &lg->ru0);
			lg_window_start(lg);
		}
		return;
	}
	histogram_record(&lg->hist, (now - sent) / 1000);
	if (miss)
		lg->misses++;
	if (lg->done >= lg->o.total)
		lg_finish(lg);
}

static void
lg_conn_close(struct lg_conn *c)
{
	if (c->fd == -1)
		return;
	event_free(c->ev_read);
	event_free(c->ev_write);
	close(c->fd);
	c->fd = -1;
	c->in_len = c->out_len = c->out_off = 0;
	c->inflight = c->head = 0;
}

static void
lg_fail(struct lg_conn *c, const char *what)
{
	struct lg *lg = c->lg;

	lg->errors++;
	warnx("connection failed: %s: %s", what, strerror(errno));
	lg_conn_close(c);
	if (lg->errors > 100)
		errx(1, "too many errors");
	if (!lg->finished)
		lg_conn_start(c);
}

static void
lg_flush(struct lg_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n == -1) {
			if (errno == EAGAIN) {
				event_add(c->ev_write, NULL);
				return;
			}
			lg_fail(c, "write");
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
}

/* Tops the connection up to depth requests, while any are left to send. */
static void
lg_conn_fill(struct lg_conn *c)
{
	struct lg *lg = c->lg;
	struct lg_key *k;
	uint64_t t;
	int added = 0;

	t = now_ns();
	while (c->inflight < (unsigned)lg->o.depth && lg->issued < lg->o.total) {
		if (lg->o.newconn && c->inflight > 0)
			break;
		k = &lg->keys[c->next_key];
		c->next_key = (c->next_key + 1) % lg->nkeys;
		grow(&c->out, &c->out_cap, c->out_len + k->len);
		memcpy(c->out + c->out_len, k->req, k->len);
		c->out_len += k->len;
		if (!lg->o.newconn)
			c->sent[(c->head + c->inflight) % LG_MAX_DEPTH] = t;
		c->inflight++;
		lg->issued++;
		added = 1;
	}
	if (added)
		lg_flush(c);
}

static void
lg_conn_parse(struct lg_conn *c, uint64_t now)
{
	struct lg *lg = c->lg;
	size_t off = 0;
	ssize_t r;
	int miss = 0;

	while (off < c->in_len && c->inflight > 0) {
		r = reply_len(lg->o.proto, c->in + off, c->in_len - off, &miss);
		if (r == 0)
			break;
		if (r < 0)
			errx(1, "unparseable reply: %.40s", c->in + off);
		off += (size_t)r;
		lg_reply(lg, c->sent[c->head], now, miss);
		c->head = (c->head + 1) % LG_MAX_DEPTH;
		c->inflight--;
		if (lg->finished)
			return;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void
lg_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lg_conn *c = arg;
	struct lg *lg = c->lg;
	ssize_t n;

	grow(&c->in, &c->in_cap, c->in_len + LG_READ_CHUNK);
	n = read(fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n == 0) {
		errno = ECONNRESET;
		lg_fail(c, "closed by server");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN)
			lg_fail(c, "read");
		return;
	}
	c->in_len += (size_t)n;
	lg_conn_parse(c, now_ns());
	if (lg->finished)
		return;
	if (lg->o.newconn && c->inflight == 0) {
		lg_conn_close(c);
		if (lg->issued < lg->o.total)
			lg_conn_start(c);
		return;
	}
	lg_conn_fill(c);
}

static void
lg_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lg_conn *c = arg;

	lg_flush(c);
	if (c->fd != -1 && c->lg->o.newconn && c->out_len == 0 &&
	    c->inflight == 0)
		lg_conn_fill(c);
}

static int
lg_socket(struct lg *lg, int nonblock)
{
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nonblock && fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return fd;
}

/*
 * Connects; in -N mode the connect time is the request's send time, so the
 * latency includes the handshake, as a tutorial client sees it.
 */
static void
lg_conn_start(struct lg_conn *c)
{
	struct lg *lg = c->lg;

	c->fd = lg_socket(lg, 1);
	c->ev_read = event_new(lg->base, c->fd, EV_READ | EV_PERSIST,
	    lg_read_cb, c);
	c->ev_write = event_new(lg->base, c->fd, EV_WRITE, lg_write_cb, c);
	event_add(c->ev_read, NULL);
	c->sent[c->head] = now_ns();
	if (connect(c->fd, (struct sockaddr *)&lg->sin, sizeof(lg->sin)) ==
	    -1 && errno != EINPROGRESS) {
		lg_fail(c, "connect");
		return;
	}
	if (lg->o.newconn) {
		event_add(c->ev_write, NULL);	/* send once connected */
		return;
	}
	lg_conn_fill(c);
}

static void
lg_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lg *lg = arg;

	if (lg->done < lg->o.warmup)
		errx(1, "time limit reached during warm-up (%llu replies)",
		    (unsigned long long)lg->done);
	lg_finish(lg);
}

static void
lg_report(struct lg *lg)
{
	const struct histogram *h = &lg->hist;
	double secs = (double)(lg->t1 - lg->t0) / 1e9;
	uint64_t n = h->total;
	long hz = sysconf(_SC_CLK_TCK);
	double cpu = -1;

	/* A window shorter than a clock tick has no figure. */
	if (lg->cpu0 >= 0 && lg->cpu1 > lg->cpu0 && n > 0)
		cpu = (double)(lg->cpu1 - lg->cpu0) / (double)hz * 1e6 /
		    (double)n;
	printf("replies=%llu misses=%llu errors=%llu seconds=%.3f rps=%.0f "
	    "p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu mean_us=%.1f "
	    "server_cpu_us=%.3f client_cpu_us=%.3f\n",
	    (unsigned long long)n, (unsigned long long)lg->misses,
	    (unsigned long long)lg->errors, secs, secs > 0 ? n / secs : 0,
	    (unsigned long long)histogram_percentile(h, 50),
	    (unsigned long long)histogram_percentile(h, 99),
	    (unsigned long long)histogram_percentile(h, 99.9),
	    (unsigned long long)h->max, histogram_mean(h), cpu,
	    n ? lg->client_cpu * 1e6 / (double)n : -1);
}

/* -I: opens n idle connections and holds them until stdin closes. */
static void
lg_idle(struct lg *lg)
{
	int *fds, i;
	char buf[64];

	if ((fds = calloc((size_t)lg->o.idle, sizeof(*fds))) == NULL)
		err(1, "calloc");
	for (i = 0; i < lg->o.idle; i++) {
		fds[i] = lg_socket(lg, 0);
		if (connect(fds[i], (struct sockaddr *)&lg->sin,
		    sizeof(lg->sin)) == -1)
			err(1, "connect %d", i);
	}
	printf("ready %d\n", lg->o.idle);
	fflush(stdout);
	alarm((unsigned)lg->o.seconds);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < lg->o.idle; i++)
		close(fds[i]);
	free(fds);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: peerload -P searchd|memcache|redis -p port "
	    "-k keyfile [-h host]\n\t[-c conns] [-d depth] [-n replies] "
	    "[-w warmup] [-t seconds] [-D window-seconds]\n\t[-l limit] "
	    "[-x members] [-s server-pid] [-N] [-I idle-connections]\n");
	exit(2);
}

static enum proto
parse_proto(const char *s)
{
	if (strcmp(s, "searchd") == 0)
		return P_SEARCHD;
	if (strcmp(s, "memcache") == 0)
		return P_MEMCACHE;
	if (strcmp(s, "redis") == 0)
		return P_REDIS;
	usage();
}

static void
parse_args(struct lg_opts *o, int argc, char **argv)
{
	int ch;

	o->host = "127.0.0.1";
	o->conns = 1;
	o->depth = 1;
	o->total = 10000;
	o->warmup = (uint64_t)-1;
	o->seconds = 30;
	o->limit = -1;
	o->extra = "";
	while ((ch = getopt(argc, argv, "P:p:k:h:c:d:n:w:t:D:l:s:NI:x:")) != -1) {
		switch (ch) {
		case 'P': o->proto = parse_proto(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 'k': o->keyfile = optarg; break;
		case 'h': o->host = optarg; break;
		case 'c': o->conns = atoi(optarg); break;
		case 'd': o->depth = atoi(optarg); break;
		case 'n': o->total = strtoull(optarg, NULL, 10); break;
		case 'w': o->warmup = strtoull(optarg, NULL, 10); break;
		case 't': o->seconds = atof(optarg); break;
		case 'D': o->window = atof(optarg); break;
		case 'l': o->limit = atoi(optarg); break;
		case 'x': o->extra = optarg; break;
		case 's': o->server = (pid_t)atoi(optarg); break;
		case 'N': o->newconn = 1; break;
		case 'I': o->idle = atoi(optarg); break;
		default: usage();
		}
	}
	if (o->port <= 0 || o->conns < 1 || o->depth < 1 ||
	    o->depth > LG_MAX_DEPTH || o->seconds <= 0 ||
	    (o->keyfile == NULL && o->idle == 0))
		usage();
	if (o->newconn)
		o->depth = 1;
	if (o->warmup == (uint64_t)-1)
		o->warmup = o->total / 10;
	if (o->warmup < 1)
		o->warmup = 1;
	if (o->total <= o->warmup)
		errx(2, "-n must exceed the warm-up");
}

/* Room for every connection: raise the soft descriptor limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct lg lg;
	struct event *timer;
	struct timeval tv;
	int i;

	memset(&lg, 0, sizeof(lg));
	parse_args(&lg.o, argc, argv);
	raise_nofile();
	lg.sin.sin_family = AF_INET;
	lg.sin.sin_port = htons((uint16_t)lg.o.port);
	if (inet_pton(AF_INET, lg.o.host, &lg.sin.sin_addr) != 1)
		errx(2, "bad IPv4 address %s", lg.o.host);
	if (lg.o.idle > 0) {
		lg_idle(&lg);
		return 0;
	}
	keys_load(&lg);
	histogram_init(&lg.hist);
	lg.cpu0 = lg.cpu1 = -1;
	if ((lg.base = event_base_new()) == NULL)
		errx(1, "event_base_new");
	lg_tv(&tv, lg.o.seconds);
	timer = evtimer_new(lg.base, lg_timeout_cb, &lg);
	evtimer_add(timer, &tv);
	if ((lg.conns = calloc((size_t)lg.o.conns, sizeof(*lg.conns))) == NULL)
		err(1, "calloc");
	for (i = 0; i < lg.o.conns; i++) {
		lg.conns[i].lg = &lg;
		lg.conns[i].next_key = (size_t)i * 7919 % lg.nkeys;
		lg_conn_start(&lg.conns[i]);
	}
	event_base_dispatch(lg.base);
	lg_report(&lg);
	return lg.errors > 0 ? 1 : 0;
}
