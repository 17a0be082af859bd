/*
 * action_write.c: the "add", "delete" and "backup" actions.  A request is
 * checked whole here, on the worker (who may write, every document's
 * shape), and only a request with nothing wrong in it goes to the store:
 * a batch is all or nothing.  The reply comes once the store has the
 * write in its log and in the snapshot searches see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "addr.h"
#include "attrs.h"
#include "corpus.h"
#include "engine.h"
#include "log.h"
#include "request.h"
#include "store.h"
#include "xmalloc.h"

/* Where a document's strings start in a job's strings, until it is whole. */
struct write_offs {
	size_t		id;
	size_t		title;
	size_t		text;
	size_t		extra;
};

/* A write on its way through the store; the deferred comes first. */
struct write_job {
	struct deferred		 d;
	struct store		*store;
	/* The index's, while the job is being filled in; NULL after. */
	const struct schema	*schema;
	struct store_write	 w;
	struct buf		 strings;	/* every string the write needs */
	struct write_offs	*offs;
	struct build_doc	*docs;
	const char		**ids;
	size_t			*lens;
	size_t			 n;
	size_t			 cap;
	struct words		 words;		/* of every document */
};

struct backup_job {
	struct deferred		 d;
	struct store		*store;
	struct store_backup	 b;
	char			*dir;
};

static void
write_job_free(struct write_job *j)
{
	buf_free(&j->strings);
	free(j->offs);
	free(j->docs);
	free(j->ids);
	free(j->lens);
	words_free(&j->words);
	free(j);
}

/* Writes are for local peers, write_allow and client certificates. */
static int
action_may_write(struct request_ctx *ctx, const char *action,
    struct reply *r)
{
	char peer[128];

	if (ctx->store == NULL) {
		request_errorf(ctx, r, "read_only", "%s needs a data_dir: this "
		    "searchd keeps its index in memory (data_dir none); set "
		    "data_dir in searchd.conf to take writes", action);
		return 0;
	}
	if (!ctx->may_write) {
		addr_peer_format(ctx->peer, peer, sizeof(peer));
		log_warnx("%s: %s refused: this peer may not write "
		    "(write_allow)", peer, action);
		request_errorf(ctx, r, "forbidden", "%s: this peer may not "
		    "write; see write_allow in searchd.conf", action);
		return 0;
	}
	return 1;
}

static void
write_job_reserve(struct write_job *j, size_t n)
{
	if (n <= j->cap)
		return;
	j->cap = n > 2 * j->cap ? n : 2 * j->cap;
	j->offs = xreallocarray(j->offs, j->cap, sizeof(*j->offs));
	j->docs = xreallocarray(j->docs, j->cap, sizeof(*j->docs));
	j->ids = xreallocarray(j->ids, j->cap, sizeof(*j->ids));
	j->lens = xreallocarray(j->lens, j->cap, sizeof(*j->lens));
}

/* Copies a string into strings; returns where it starts there. */
static size_t
write_job_keep(struct write_job *j, const char *s, size_t len)
{
	size_t off = j->strings.len;

	if (len > 0)
		buf_add(&j->strings, s, len);
	return off;
}

/* A field error ("text: not a string") reads "docs[3].text: ...". */
static void
write_job_why(char *why, size_t len, const char *err)
{
	size_t key = strcspn(err, ": ");

	snprintf(why, len, "%s%s", key > 0 && strncmp(err + key, ": ", 2) ==
	    0 && strcspn(err, " ") == key + 1 ? "." : ": ", err);
}

/* One document, as a corpus line would be; -1 with the reason in why. */
static int
write_job_doc(struct write_job *j, const struct jscan_value *v, char *why,
    size_t len)
{
	struct corpus_doc cd;
	struct build_doc *bd;
	struct write_offs *o;
	char err[256];

	if (v->type != JSCAN_OBJECT) {
		snprintf(why, len, ": not a JSON object");
		return -1;
	}
	if (corpus_parse_line(v->p, v->len, &cd, err, sizeof(err)) != 1) {
		write_job_why(why, len, err);
		return -1;
	}
	if (attrs_check(j->schema, cd.extra.data, cd.extra.len, err,
	    sizeof(err)) == -1) {
		write_job_why(why, len, err);
		corpus_doc_free(&cd);
		return -1;
	}
	write_job_reserve(j, j->n + 1);
	o = &j->offs[j->n];
	bd = &j->docs[j->n++];
	memset(bd, 0, sizeof(*bd));
	o->id = write_job_keep(j, cd.id, cd.id_len);
	bd->id_len = cd.id_len;
	o->title = cd.title ? write_job_keep(j, cd.title, cd.title_len) : 0;
	bd->title = cd.title ? "" : NULL;
	bd->title_len = cd.title_len;
	o->text = write_job_keep(j, cd.text, cd.text_len);
	bd->text_len = cd.text_len;
	o->extra = write_job_keep(j, cd.extra.data, cd.extra.len);
	bd->extra_len = cd.extra.len;
	corpus_doc_free(&cd);
	return 0;
}

/* Walks "docs"; stops at the first bad one, whose place goes in err. */
struct write_walk {
	struct write_job	*job;
	size_t			 at;
	char			 why[300];
};

static int
write_walk_doc(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct write_walk *ww = arg;

	if (write_job_doc(ww->job, v, ww->why, sizeof(ww->why)) == -1)
		return 1;
	ww->at++;
	return 0;
}

static int
write_walk_id(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct write_walk *ww = arg;
	struct write_job *j = ww->job;
	struct buf id;

	if (v->type != JSCAN_STRING) {
		snprintf(ww->why, sizeof(ww->why), ": not a string");
		return 1;
	}
	buf_init(&id);
	jscan_unescape(v, &id);
	write_job_reserve(j, j->n + 1);
	j->offs[j->n].id = write_job_keep(j, id.data, id.len);
	j->lens[j->n++] = id.len;
	buf_free(&id);
	ww->at++;
	return 0;
}

/*
 * Finds the documents' words here, in the worker's thread, as the corpus
 * reader does for a load: the store's writer, which every write waits
 * for, then only interns them.
 */
static void
write_job_words(struct write_job *j)
{
	struct build_doc *bd;
	size_t i, off = 0;

	words_init(&j->words, schema_lang(j->schema));
	for (i = 0; i < j->n; i++) {
		bd = &j->docs[i];
		bd->nwords = words_add_doc(&j->words, j->schema, bd->title,
		    bd->title_len, bd->text, bd->text_len, bd->extra,
		    bd->extra_len, bd->fl);
	}
	if (j->words.v == NULL)
		return;		/* not one word: live_build finds none either */
	for (i = 0; i < j->n; i++) {
		j->docs[i].words = j->words.v + off;
		j->docs[i].terms = j->words.terms.data;
		off += j->docs[i].nwords;
	}
}

/*
 * The strings are all in and will not move: point at them, and find an
 * add's words in the index's language.
 */
static void
write_job_fix(struct write_job *j)
{
	const char *p = (const char *)buf_bytes(&j->strings, 0);
	size_t i;

	for (i = 0; i < j->n; i++) {
		if (j->w.op == STORE_ADD) {
			j->docs[i].id = p + j->offs[i].id;
			if (j->docs[i].title != NULL)
				j->docs[i].title = p + j->offs[i].title;
			j->docs[i].text = p + j->offs[i].text;
			j->docs[i].extra = p + j->offs[i].extra;
		} else
			j->ids[i] = p + j->offs[i].id;
	}
	if (j->w.op == STORE_ADD)
		write_job_words(j);
	j->w.docs = j->docs;
	j->w.ndocs = j->w.op == STORE_ADD ? j->n : 0;
	j->w.ids = j->ids;
	j->w.lens = j->lens;
	j->w.nids = j->w.op == STORE_DELETE ? j->n : 0;
}

static void
write_done(struct store_write *w)
{
	struct write_job *j = w->arg;

	j->d.post(&j->d);
}

static void
write_start(struct deferred *d)
{
	struct write_job *j = (struct write_job *)d;

	store_submit(j->store, &j->w);
}

static void
write_render(struct deferred *d, struct request_ctx *ctx, struct reply *r)
{
	struct write_job *j = (struct write_job *)d;
	struct buf *b = &ctx->content;

	if (j->w.status != 0) {
		request_error(ctx, j->w.code, j->w.message, r);
		return;
	}
	buf_reset(b);
	buf_add(b, "{", 1);
	buf_json_key(b, "result");
	buf_json_string(b, "ok", 2);
	buf_add(b, ", ", 2);
	buf_json_key(b, "added");
	buf_json_uint(b, j->w.added);
	buf_add(b, ", ", 2);
	buf_json_key(b, "deleted");
	buf_json_uint(b, j->w.deleted);
	buf_add(b, ", ", 2);
	buf_json_key(b, "seq");
	buf_json_uint(b, j->w.seq);
	buf_add(b, "}", 1);
	request_json_reply(ctx, r);
}

static void
write_release(struct deferred *d)
{
	write_job_free((struct write_job *)d);
}

static struct write_job *
write_job_new(struct request_ctx *ctx, enum store_op op)
{
	struct write_job *j = xcalloc(1, sizeof(*j));

	j->d.start = write_start;
	j->d.render = write_render;
	j->d.release = write_release;
	j->store = ctx->store;
	j->schema = ctx->snap->schema;
	j->w.op = op;
	j->w.done = write_done;
	j->w.arg = j;
	buf_init(&j->strings);
	return j;
}

/*
 * One value (doc, id) or an array of them (docs, ids), never both; each
 * element through fn.  0, or -1 with the error answered.
 */
static int
write_job_fill(struct request_ctx *ctx, struct write_job *j,
    const struct jscan_value *one, const struct jscan_value *many,
    const char *name1, const char *name, jscan_member_fn fn, struct reply *r)
{
	struct write_walk ww;
	enum jscan_error e;

	memset(&ww, 0, sizeof(ww));
	ww.job = j;
	if ((one->len != REQUEST_ABSENT) == (many->len != REQUEST_ABSENT)) {
		request_errorf(ctx, r, "bad_request", "give \"%s\" or \"%s\", "
		    "one of them", name1, name);
		return -1;
	}
	if (one->len != REQUEST_ABSENT) {
		if (fn(&ww, NULL, one) == 0)
			return 0;
		request_errorf(ctx, r, "bad_document", "%s%s", name1, ww.why);
		return -1;
	}
	if (many->type != JSCAN_ARRAY) {
		request_errorf(ctx, r, "bad_request", "\"%s\" must be an array",
		    name);
		return -1;
	}
	if ((e = jscan_array(many->p, many->len, fn, &ww)) == JSCAN_OK)
		return 0;
	request_errorf(ctx, r, "bad_document", "%s[%zu]%s", name, ww.at,
	    e == JSCAN_STOPPED ? ww.why : ": not valid JSON");
	return -1;
}

static void
action_write(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r, enum store_op op)
{
	const char *name = op == STORE_ADD ? "add" : "delete";
	struct write_job *j;

	if (!action_may_write(ctx, name, r))
		return;
	j = write_job_new(ctx, op);
	if ((op == STORE_ADD ? write_job_fill(ctx, j, &a->doc, &a->docs, "doc",
	    "docs", write_walk_doc, r) : write_job_fill(ctx, j, &a->id,
	    &a->ids, "id", "ids", write_walk_id, r)) == -1) {
		write_job_free(j);
		return;
	}
	write_job_fix(j);
	j->schema = NULL;
	memset(r, 0, sizeof(*r));
	r->deferred = &j->d;
}

void
action_add(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	action_write(ctx, a, r, STORE_ADD);
}

void
action_delete(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	action_write(ctx, a, r, STORE_DELETE);
}

static void
backup_done(struct store_backup *b)
{
	struct backup_job *j = b->arg;

	j->d.post(&j->d);
}

static void
backup_start(struct deferred *d)
{
	struct backup_job *j = (struct backup_job *)d;

	store_backup(j->store, &j->b);
}

static void
backup_render(struct deferred *d, struct request_ctx *ctx, struct reply *r)
{
	struct backup_job *j = (struct backup_job *)d;
	struct buf *b = &ctx->content;

	if (j->b.status != 0) {
		request_error(ctx, "backup_failed", j->b.message, r);
		return;
	}
	buf_reset(b);
	buf_adds(b, "{");
	buf_json_key(b, "result");
	buf_json_string(b, "ok", 2);
	buf_add(b, ", ", 2);
	buf_json_key(b, "dir");
	buf_json_string(b, j->dir, strlen(j->dir));
	buf_add(b, ", ", 2);
	buf_json_key(b, "seq");
	buf_json_uint(b, j->b.seq);
	buf_add(b, ", ", 2);
	buf_json_key(b, "files");
	buf_json_uint(b, j->b.files);
	buf_add(b, ", ", 2);
	buf_json_key(b, "bytes");
	buf_json_uint(b, j->b.bytes);
	buf_add(b, "}", 1);
	request_json_reply(ctx, r);
}

static void
backup_release(struct deferred *d)
{
	struct backup_job *j = (struct backup_job *)d;

	free(j->dir);
	free(j);
}

void
action_backup(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	struct backup_job *j;
	struct buf dir;

	if (!action_may_write(ctx, "backup", r))
		return;
	if (a->dir.type != JSCAN_STRING) {
		request_error(ctx, "bad_request", "backup needs a string \"dir\"",
		    r);
		return;
	}
	buf_init(&dir);
	jscan_unescape(&a->dir, &dir);
	buf_addc(&dir, '\0');
	if (dir.data[0] != '/' || strlen(dir.data) + 1 != dir.len) {
		request_error(ctx, "bad_request", "\"dir\" must be an absolute "
		    "path (on the server's machine)", r);
		buf_free(&dir);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->d.start = backup_start;
	j->d.render = backup_render;
	j->d.release = backup_release;
	j->store = ctx->store;
	j->dir = dir.data;
	j->b.dir = j->dir;
	j->b.done = backup_done;
	j->b.arg = j;
	memset(r, 0, sizeof(*r));
	r->deferred = &j->d;
}
