/* add.c: see add.h. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "add.h"
#include "buf.h"
#include "client.h"
#include "jscan.h"
#include "xmalloc.h"

/* Where a document of a batch came from, to name its line. */
struct add_batch {
	uint64_t	*lines;
	size_t		 n;
	size_t		 cap;
	int		 done;
	uint64_t	 added;
};

/* One import; on add_run's stack. */
struct add {
	const struct add_opts	*o;
	const char		*name;		/* the file, for messages */
	FILE			*in;
	uint64_t		 size;		/* of the file, 0: unknown */
	uint64_t		 read;		/* bytes so far */
	uint64_t		 line;
	int			 eof;
	int			 stop;		/* a bad line or a refusal */
	char			*buf;
	size_t			 bufcap;
	int			 held;		/* buf is a line for later */
	size_t			 heldlen;
	struct client		 c;
	struct buf		 content;
	struct add_batch	*batches;	/* by request id */
	size_t			 nbatches;
	uint64_t		 committed;	/* before a refused batch */
	uint64_t		 after;		/* sent after it, committed */
	int64_t			 refused;	/* its id, or -1 */
	uint64_t		 seq;
	int			 progress;	/* standard error is a terminal */
	struct timespec		 start;
	struct timespec		 shown;
	int			 rc;
};

static double
add_seconds(const struct timespec *from)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - from->tv_sec) +
	    (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

static uint64_t
add_total(const struct add *a)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < a->nbatches; i++)
		n += a->batches[i].added;
	return n;
}

/* "1,234 documents, 56,000/s, 42% ETA 3 s", redrawn in place. */
static void
add_show_progress(struct add *a, int last)
{
	double t = add_seconds(&a->start);
	uint64_t n = add_total(a);

	if (!a->progress || (!last && add_seconds(&a->shown) < 0.1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &a->shown);
	fprintf(stderr, "\r%s: %" PRIu64 " documents, %.0f/s", a->name, n,
	    t > 0 ? (double)n / t : 0);
	if (a->size > 0 && a->read > 0 && !last)
		fprintf(stderr, ", %.0f%%, ETA %.0f s", 100.0 *
		    (double)a->read / (double)a->size, t * (double)(a->size -
		    a->read) / (double)a->read);
	fprintf(stderr, "\033[K%s", last ? "\n" : "");
}

/*
 * The next non-blank line, without its newline; NULL at the end.  A line
 * that did not fit its batch is held and comes back first.
 */
static const char *
add_getline(struct add *a, size_t *len)
{
	ssize_t n;

	if (a->held) {
		a->held = 0;
		*len = a->heldlen;
		return a->buf;
	}
	for (;;) {
		if ((n = getline(&a->buf, &a->bufcap, a->in)) == -1) {
			if (ferror(a->in)) {
				warn("%s", a->name);
				a->rc = CLIENT_EXIT_DATAERR;
				a->stop = 1;
			}
			a->eof = 1;
			return NULL;
		}
		a->read += (uint64_t)n;
		a->line++;
		while (n > 0 && (a->buf[n - 1] == '\n' || a->buf[n - 1] == '\r'))
			n--;
		if (strspn(a->buf, " \t") < (size_t)n) {
			*len = (size_t)n;
			return a->buf;
		}
	}
}

static void
add_bad_line(struct add *a, const char *why)
{
	add_show_progress(a, 1);
	warnx("%s:%" PRIu64 ": %s", a->name, a->line, why);
	a->rc = CLIENT_EXIT_DATAERR;
	a->stop = 1;
}

/*
 * Fills one batch from the input and queues it.  A line is checked as
 * JSON here, so the file's own mistakes are named by line, and the lines
 * before it are sent and added; the server checks the rest (docs[i].key),
 * and refuses a batch with a bad document whole.
 */
static void
add_fill_batch(struct add *a)
{
	struct add_batch *b;
	const char *line;
	size_t len, start;
	enum jscan_error e;

	a->batches = xreallocarray(a->batches, a->nbatches + 1,
	    sizeof(*a->batches));
	b = &a->batches[a->nbatches];
	memset(b, 0, sizeof(*b));
	buf_reset(&a->content);
	buf_adds(&a->content, "{\"action\": \"add\", \"docs\": [");
	start = a->content.len;
	while (b->n < ADD_BATCH_DOCS && a->content.len < ADD_BATCH_BYTES &&
	    (line = add_getline(a, &len)) != NULL) {
		if ((e = jscan_object(line, len, NULL, NULL)) != JSCAN_OK) {
			add_bad_line(a, jscan_strerror(e));
			break;
		}
		if (len + 64 > ADD_REQUEST_MAX) {
			add_bad_line(a, "a document larger than a request "
			    "may be (1 MiB)");
			break;
		}
		if (a->content.len + len + 64 > ADD_REQUEST_MAX) {
			a->held = 1;
			a->heldlen = len;
			break;
		}
		if (a->content.len > start)
			buf_add(&a->content, ", ", 2);
		buf_add(&a->content, line, len);
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 256;
			b->lines = xreallocarray(b->lines, b->cap,
			    sizeof(*b->lines));
		}
		b->lines[b->n++] = a->line;
	}
	/* Before a bad line: what came before it is added all the same. */
	if (b->n == 0 || a->rc == CLIENT_EXIT_PROTOCOL) {
		free(b->lines);
		return;
	}
	buf_adds(&a->content, "]}");
	client_queue(&a->c, CLIENT_CTYPE_JSON, CLIENT_ENCODING_UTF8,
	    a->content.data, a->content.len, (int64_t)a->nbatches);
	a->nbatches++;
}

/* A refusal names docs[i]: the line it came from. */
static void
add_refused(struct add *a, struct add_batch *b, int64_t id,
    const char *code, const char *msg)
{
	unsigned long i;
	char *end;

	a->rc = CLIENT_EXIT_NOMATCH;
	if (a->refused != -1)
		return;
	a->refused = id;
	a->stop = 1;
	add_show_progress(a, 1);
	if (strncmp(msg, "docs[", 5) == 0 &&
	    (i = strtoul(msg + 5, &end, 10), *end == ']') && i < b->n) {
		end++;
		if (*end == '.')
			end++;
		else if (*end == ':')
			end += 2;
		warnx("%s:%" PRIu64 ": %s (%s)", a->name, b->lines[i], end,
		    code);
	} else
		warnx("%s: lines %" PRIu64 " to %" PRIu64 " refused: %s (%s)",
		    a->name, b->lines[0], b->lines[b->n - 1], msg, code);
}

static json_object *
add_parse(const struct client_reply *r)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *obj;

	obj = json_tokener_parse_ex(tok, (const char *)r->content,
	    (int)r->len);
	json_tokener_free(tok);
	if (obj != NULL && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

static void
add_reply(struct add *a, const struct client_reply *r)
{
	json_object *obj = NULL, *v, *e, *m = NULL, *c = NULL;
	struct add_batch *b;

	if (r->id < 0 || (size_t)r->id >= a->nbatches ||
	    (obj = add_parse(r)) == NULL)
		goto bad;
	b = &a->batches[r->id];
	if (a->o->json) {
		fwrite(r->content, 1, r->len, stdout);
		putchar('\n');
	}
	b->done = 1;
	if (json_object_object_get_ex(obj, "error", &e)) {
		json_object_object_get_ex(e, "message", &m);
		json_object_object_get_ex(e, "code", &c);
		add_refused(a, b, r->id, c ? json_object_get_string(c) : "?",
		    m ? json_object_get_string(m) : "?");
	} else if (json_object_object_get_ex(obj, "added", &v)) {
		b->added = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(obj, "seq", &v))
			a->seq = (uint64_t)json_object_get_int64(v);
		if (a->refused == -1)
			a->committed += b->added;
		else
			a->after += b->added;
	} else
		goto bad;
	json_object_put(obj);
	add_show_progress(a, 0);
	return;
bad:
	if (obj != NULL)
		json_object_put(obj);
	warnx("%s: bad reply to an add", a->c.name);
	a->rc = CLIENT_EXIT_PROTOCOL;
	a->stop = 1;
}

/* Sends and reads until the input is in, or something stopped it. */
static int
add_loop(struct add *a)
{
	struct client_reply r;
	enum client_status st;
	int idle = 0;

	st = client_connect(&a->c);
	while (st == CLIENT_OK) {
		while (!a->stop && !a->eof &&
		    client_pending(&a->c) < ADD_WINDOW)
			add_fill_batch(a);
		if (client_pending(&a->c) == 0)
			break;
		st = client_read(&a->c, &r);
		if (st == CLIENT_CLOSED) {
			/* Resent in order, so they are written in order. */
			if (a->c.replies == 0 && ++idle >= 3)
				break;
			if (a->c.replies > 0)
				idle = 0;
			st = client_connect(&a->c);
		} else if (st == CLIENT_OK)
			add_reply(a, &r);
	}
	if (st != CLIENT_OK) {
		add_show_progress(a, 1);
		warnx("%s", a->c.err);
		return st == CLIENT_PROTOCOL ? CLIENT_EXIT_PROTOCOL :
		    CLIENT_EXIT_UNAVAILABLE;
	}
	return a->rc;
}

static int
add_open(struct add *a)
{
	struct stat st;

	if (strcmp(a->o->path, "-") == 0) {
		a->in = stdin;
		a->name = "(standard input)";
	} else if ((a->in = fopen(a->o->path, "r")) == NULL) {
		warn("%s", a->o->path);
		return -1;
	} else
		a->name = a->o->path;
	if (fstat(fileno(a->in), &st) == 0 && S_ISREG(st.st_mode))
		a->size = (uint64_t)st.st_size;
	return 0;
}

int
add_run(const struct add_opts *o)
{
	struct add a;
	double t;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	a.o = o;
	a.refused = -1;
	if (add_open(&a) == -1)
		return CLIENT_EXIT_DATAERR;
	a.progress = isatty(STDERR_FILENO) && !o->json;
	clock_gettime(CLOCK_MONOTONIC, &a.start);
	client_init(&a.c, &o->addr, o->tls, o->timeout_ms);
	buf_init(&a.content);
	rc = add_loop(&a);
	t = add_seconds(&a.start);
	if (rc == CLIENT_EXIT_OK) {
		add_show_progress(&a, 1);
		if (!o->json)
			printf("added %" PRIu64 " documents from %s in %.2f s "
			    "(%.0f/s), up to write %" PRIu64 "\n", a.committed,
			    a.name, t, t > 0 ? (double)a.committed / t : 0,
			    a.seq);
	} else
		fprintf(stderr, "searchctl: %" PRIu64 " documents were "
		    "committed before it\n", a.committed);
	if (a.after > 0)
		fprintf(stderr, "searchctl: %" PRIu64 " more, already sent "
		    "after it, were committed as well\n", a.after);
	for (i = 0; i < a.nbatches; i++)
		free(a.batches[i].lines);
	free(a.batches);
	free(a.buf);
	buf_free(&a.content);
	client_free(&a.c);
	if (a.in != stdin)
		fclose(a.in);
	return rc;
}
