/* index.c: loading, looking up and searching an index; see index.h. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "corpus.h"
#include "engine.h"
#include "load.h"
#include "log.h"
#include "match.h"
#include "topk.h"
#include "xmalloc.h"

/* Where each document came from, to report duplicate ids. */
struct index_origin {
	uint32_t	*file;
	uint64_t	*line;
	size_t		 n;
	size_t		 cap;
};

static void
index_origin_add(struct index_origin *o, uint32_t file, uint64_t line)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->file = xreallocarray(o->file, o->cap, sizeof(*o->file));
		o->line = xreallocarray(o->line, o->cap, sizeof(*o->line));
	}
	o->file[o->n] = file;
	o->line[o->n++] = line;
}

static void
index_origin_free(struct index_origin *o)
{
	free(o->file);
	free(o->line);
}

static void
index_dup_error(const struct build_doc *bd, uint32_t dup,
    const struct index_origin *o, const char *const *paths, uint32_t file,
    char *reason, size_t len)
{
	struct buf id;

	if (dup == INDEX_NO_DOC) {
		snprintf(reason, len, "too many documents");
		return;
	}
	buf_init(&id);
	buf_json_string(&id, bd->id, bd->id_len);
	buf_addc(&id, '\0');
	if (o->file[dup] == file)
		snprintf(reason, len, "duplicate id %s (first on line %llu)",
		    id.data, (unsigned long long)o->line[dup]);
	else
		snprintf(reason, len, "duplicate id %s (first on %s:%llu)",
		    id.data, paths[o->file[dup]],
		    (unsigned long long)o->line[dup]);
	buf_free(&id);
}

/* Adds a batch's documents; returns -1 with the first error in it. */
static int
index_load_batch(struct build *b, struct index_origin *o,
    const char *const *paths, const struct load_batch *lb, char *err,
    size_t errlen)
{
	const struct load_doc *ld;
	char reason[512];
	uint32_t dup;
	size_t i;

	for (i = 0; i < lb->ndocs; i++) {
		ld = &lb->docs[i];
		if (build_add_doc(b, &ld->bd, &dup) == -1) {
			index_dup_error(&ld->bd, dup, o, paths, ld->file,
			    reason, sizeof(reason));
			snprintf(err, errlen, "%s:%llu: %s", paths[ld->file],
			    (unsigned long long)ld->line, reason);
			return -1;
		}
		index_origin_add(o, ld->file, ld->line);
	}
	if (lb->err != NULL) {
		snprintf(err, errlen, "%s", lb->err);
		return -1;
	}
	return 0;
}

/*
 * Another thread reads, parses and tokenizes while this one builds; the
 * first error in file order stops both, as if one thread did it all.
 */
struct index *
index_load(const char *const *paths, size_t npaths, char *err,
    size_t errlen)
{
	struct index_origin o;
	struct load *l;
	struct load_batch *lb;
	struct build *b;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	b = build_new();
	l = load_start(paths, npaths);
	while (rc == 0 && (lb = load_next(l)) != NULL) {
		rc = index_load_batch(b, &o, paths, lb, err, errlen);
		load_done(l, lb);
	}
	load_free(l);
	index_origin_free(&o);
	if (rc == -1) {
		build_free(b);
		return NULL;
	}
	return build_finish(b);
}

struct index *
index_builtin(void)
{
	static const struct {
		const char	*id;
		const char	*text;
	} docs[] = {
		{ "morpheus", "Follow the white rabbit. \xf0\x9f\x90\xb0" },
		{ "ring", "In the caves beneath the Misty Mountains. "
		    "\xf0\x9f\x92\x8d" },
		{ "\xf0\x9f\x90\xb6",
		    "\xf0\x9f\x90\xbe Playing ball! \xf0\x9f\x8f\x90" },
	};
	struct corpus_doc cd;
	struct build *b;
	size_t i;
	uint32_t dup;

	b = build_new();
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		cd.id = docs[i].id;
		cd.id_len = strlen(docs[i].id);
		cd.text = docs[i].text;
		cd.text_len = strlen(docs[i].text);
		if (build_add(b, &cd, &dup) == -1)
			fatalx("builtin corpus: duplicate id");
	}
	return build_finish(b);
}

void
index_free(struct index *ix)
{
	if (ix == NULL)
		return;
	free(ix->docs);
	free(ix->text);
	free(ix->norms);
	free(ix->ids);
	free(ix->terms);
	free(ix->names);
	postings_arena_free(&ix->postings);
	free(ix);
}

void
index_info(const struct index *ix, struct index_info *info)
{
	info->ndocs = ix->ndocs;
	info->nterms = ix->nterms;
	info->npostings = ix->npostings;
	info->memory = ix->memory;
	info->build_seconds = ix->build_seconds;
}

void
index_doc(const struct index *ix, uint32_t doc, struct index_doc *out)
{
	const struct index_docrec *d = &ix->docs[doc];
	const char *p = ix->text + d->off;

	out->id = p;
	out->id_len = d->id_len;
	p += d->id_len + 1;
	out->title = NULL;
	out->title_len = 0;
	if (d->title_len != INDEX_NO_TITLE) {
		out->title = p;
		out->title_len = d->title_len;
		p += d->title_len + 1;
	}
	out->text = p;
	out->text_len = d->text_len;
	p += d->text_len + 1;
	out->extra = d->extra_len > 0 ? p : NULL;
	out->extra_len = d->extra_len;
}

const char *
index_doc_text(const struct index *ix, uint32_t doc, size_t *len)
{
	struct index_doc d;

	index_doc(ix, doc, &d);
	*len = d.text_len;
	return d.text;
}

/* FNV-1a, folded to 32 bits: ids and terms are short. */
uint32_t
index_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

uint32_t
index_find_id(const struct index *ix, const char *id, size_t len)
{
	const struct index_docrec *d;
	size_t i;
	uint32_t doc;

	for (i = index_hash(id, len) & ix->ids_mask;
	    (doc = ix->ids[i]) != INDEX_NO_DOC; i = (i + 1) & ix->ids_mask) {
		d = &ix->docs[doc];
		if (d->id_len == len && memcmp(ix->text + d->off, id, len) == 0)
			return doc;
	}
	return INDEX_NO_DOC;
}

/* Compares term t with s, looking at no more than s's first len bytes. */
static int
index_term_cmp(const struct index *ix, uint32_t t, const char *s,
    size_t len, int prefix)
{
	const struct index_term *term = &ix->terms[t];
	size_t n = term->name_len;
	int r;

	if (prefix && n > len)
		n = len;
	r = memcmp(ix->names + term->name_off, s, n < len ? n : len);
	if (r != 0)
		return r;
	return (n > len) - (n < len);
}

/* The first term not below s (with prefix: not below s's prefix range). */
static uint32_t
index_term_bound(const struct index *ix, const char *s, size_t len,
    int prefix, int upper)
{
	uint32_t lo = 0, hi = ix->nterms, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = index_term_cmp(ix, mid, s, len, prefix);
		if (r < 0 || (upper && r == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
index_term_range(const struct index *ix, const char *s, size_t len,
    int prefix, uint32_t *lo, uint32_t *hi)
{
	*lo = index_term_bound(ix, s, len, prefix, 0);
	/* Names are unique: a plain word needs no second search. */
	if (!prefix)
		*hi = *lo + (*lo < ix->nterms &&
		    index_term_cmp(ix, *lo, s, len, 0) == 0);
	else
		*hi = index_term_bound(ix, s, len, prefix, 1);
}

double
index_idf(const struct index *ix, uint32_t df)
{
	return log(1 + (ix->ndocs - df + 0.5) / (df + 0.5));
}

/* Runs the full-text part, leaving out the document matched by id. */
static uint64_t
index_run(const struct index *ix, const struct query *q, uint32_t id_doc,
    struct topk *tk, double *id_score)
{
	struct match_run *r;
	uint64_t n = 0;
	uint32_t doc;

	r = match_run_new(ix, q);
	for (doc = match_run_next(r, 0); doc != POSTINGS_END;
	    doc = match_run_next(r, doc + 1)) {
		if (doc == id_doc) {
			*id_score = match_run_score(r);
			continue;
		}
		n++;
		topk_push(tk, doc, match_run_score(r));
	}
	match_run_free(r);
	return n;
}

size_t
index_search(const struct index *ix, const char *value, size_t value_len,
    const struct query *q, size_t offset, size_t limit,
    struct index_hit *hits, uint64_t *total)
{
	struct topk tk;
	struct index_hit id_hit;
	size_t k, i, n = 0;

	id_hit.doc = value != NULL ?
	    index_find_id(ix, value, value_len) : INDEX_NO_DOC;
	id_hit.score = 0;
	k = offset > ix->ndocs ? ix->ndocs : offset;
	k += limit > ix->ndocs ? ix->ndocs : limit;
	topk_init(&tk, k < ix->ndocs ? k : ix->ndocs);
	*total = index_run(ix, q, id_hit.doc, &tk, &id_hit.score);
	topk_sort(&tk);
	if (id_hit.doc != INDEX_NO_DOC) {
		(*total)++;
		if (offset == 0 && limit > 0)
			hits[n++] = id_hit;
		else if (offset > 0)
			offset--;
	}
	for (i = offset; i < tk.n && n < limit; i++)
		hits[n++] = tk.hits[i];
	topk_free(&tk);
	return n;
}
