/* live.c: see live.h. */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "deletes.h"
#include "hash.h"
#include "index.h"
#include "live.h"
#include "merge.h"
#include "snapshot.h"
#include "xmalloc.h"

void
live_init(struct live *l, struct schema *sc)
{
	memset(l, 0, sizeof(*l));
	l->schema = schema_retain(sc);
	deletes_scratch_init(&l->scratch);
	words_init(&l->words, schema_lang(sc));
}

void
live_free(struct live *l)
{
	size_t i;

	for (i = 0; i < l->nsegs; i++) {
		index_free(l->segs[i].ix);
		deletes_free(l->segs[i].del);
	}
	free(l->segs);
	deletes_scratch_free(&l->scratch);
	words_free(&l->words);
	schema_free(l->schema);
	memset(l, 0, sizeof(*l));
}

static uint64_t
live_seg_docs(const struct live_seg *s)
{
	return s->ix->ndocs - (s->del != NULL ? s->del->count : 0);
}

static void
live_insert(struct live *l, size_t at, struct index *ix, struct deletes *d,
    uint64_t tag)
{
	if (l->nsegs == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->segs = xreallocarray(l->segs, l->cap, sizeof(*l->segs));
	}
	memmove(&l->segs[at + 1], &l->segs[at],
	    (l->nsegs - at) * sizeof(*l->segs));
	l->nsegs++;
	memset(&l->segs[at], 0, sizeof(l->segs[at]));
	l->segs[at].ix = ix;
	l->segs[at].del = d;
	l->segs[at].tag = tag;
	l->ndocs += live_seg_docs(&l->segs[at]);
}

void
live_append(struct live *l, struct index *ix, struct deletes *d,
    uint64_t tag)
{
	live_insert(l, l->nsegs, ix, d, tag);
}

/* Where the live document with this id is: its segment, or -1. */
static ssize_t
live_find(const struct live *l, const char *id, size_t len, uint32_t *doc)
{
	const struct live_seg *s;
	uint32_t hash = hash_bytes(id, len);
	size_t i;

	for (i = l->nsegs; i-- > 0;) {
		s = &l->segs[i];
		*doc = index_doc_by_hash(s->ix, id, len, hash);
		if (*doc != INDEX_NO_DOC && !deletes_has(s->del, *doc))
			return (ssize_t)i;
	}
	return -1;
}

int
live_has(const struct live *l, const char *id, size_t len)
{
	uint32_t doc;

	return live_find(l, id, len, &doc) != -1;
}

/* Marks a document deleted, copying deletions anyone else holds. */
static void
live_mark(struct live *l, size_t i, uint32_t doc)
{
	struct live_seg *s = &l->segs[i];
	struct deletes *d;

	if (s->del == NULL)
		s->del = deletes_new(s->ix);
	else if (deletes_shared(s->del)) {
		d = deletes_copy(s->del);
		deletes_free(s->del);
		s->del = d;
	}
	if (deletes_mark(s->del, s->ix, doc, &l->scratch) == 0)
		l->ndocs--;
}

static int
live_same_id(const struct build_doc *a, const struct build_doc *b)
{
	return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0;
}

/*
 * Which documents of a batch stay: the last of each id.  Returns how many,
 * with keep[i] set for each.
 */
static size_t
live_keep(const struct build_doc *docs, size_t n, char *keep)
{
	size_t size = 16, mask, i, j, kept = 0;
	size_t *slots;

	while (size < 2 * n)
		size *= 2;
	mask = size - 1;
	slots = xreallocarray(NULL, size, sizeof(*slots));
	memset(slots, 0xff, size * sizeof(*slots));
	for (i = n; i-- > 0;) {
		keep[i] = 1;
		for (j = hash_bytes(docs[i].id, docs[i].id_len) & mask;
		    slots[j] != SIZE_MAX; j = (j + 1) & mask) {
			if (live_same_id(&docs[slots[j]], &docs[i])) {
				keep[i] = 0;
				break;
			}
		}
		if (keep[i]) {
			slots[j] = i;
			kept++;
		}
	}
	free(slots);
	return kept;
}

static uint64_t
live_numbers(const struct live *l)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < l->nsegs; i++)
		n += l->segs[i].ix->ndocs;
	return n;
}

/*
 * The kept documents as one new segment, in the batch's order.  Every
 * document's words are known first, so the builder is sized for them:
 * found here for those that come without (replayed from the log).
 */
static struct index *
live_build(struct live *l, const struct build_doc *docs, size_t n,
    const char *keep)
{
	struct build *b;
	struct build_doc bd;
	size_t *first, i, given = 0, nfl = schema_nfl(l->schema);
	uint32_t dup, *fl;

	first = xreallocarray(NULL, n + 1, sizeof(*first));
	fl = xreallocarray(NULL, n * nfl + 1, sizeof(*fl));
	words_reset(&l->words);
	for (i = 0; i < n; i++) {
		first[i] = l->words.n;
		if (keep[i] && docs[i].words == NULL)
			words_add_doc(&l->words, l->schema, docs[i].title,
			    docs[i].title_len, docs[i].text, docs[i].text_len,
			    docs[i].extra, docs[i].extra_len, fl + i * nfl);
		else if (keep[i])
			given += docs[i].nwords;
	}
	first[n] = l->words.n;
	b = build_new_sized(l->words.n + given, l->schema);
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		bd = docs[i];
		if (bd.words == NULL) {
			bd.words = l->words.v + first[i];
			bd.nwords = first[i + 1] - first[i];
			bd.terms = l->words.terms.data;
			memcpy(bd.fl, fl + i * nfl, nfl * sizeof(*fl));
		}
		if (build_add_doc(b, &bd, &dup) == -1)
			abort();	/* live_keep and live_add ruled it out */
	}
	free(first);
	free(fl);
	return build_finish(b);
}

uint64_t
live_room(const struct live *l)
{
	return INDEX_DOCS_MAX - live_numbers(l);
}

int
live_add(struct live *l, const struct build_doc *docs, size_t n,
    uint64_t seq, size_t *replaced, char *err, size_t errlen)
{
	char *keep;
	size_t i, kept, nrep = 0;
	ssize_t at;
	uint32_t doc;

	if (replaced != NULL)
		*replaced = 0;
	if (n == 0) {
		l->seq = seq;
		return 0;
	}
	keep = xmalloc(n);
	kept = live_keep(docs, n, keep);
	if (live_numbers(l) + kept > INDEX_DOCS_MAX) {
		free(keep);
		snprintf(err, errlen, "too many documents (at most %u, "
		    "deleted ones included until merged)", INDEX_DOCS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (keep[i] && (at = live_find(l, docs[i].id, docs[i].id_len,
		    &doc)) != -1) {
			live_mark(l, (size_t)at, doc);
			nrep++;
		}
	}
	live_append(l, live_build(l, docs, n, keep), NULL, 0);
	free(keep);
	l->seq = seq;
	if (replaced != NULL)
		*replaced = nrep;
	return 0;
}

size_t
live_delete(struct live *l, const char *const *ids, const size_t *lens,
    size_t n, uint64_t seq)
{
	size_t i, done = 0;
	ssize_t at;
	uint32_t doc;

	for (i = 0; i < n; i++) {
		if ((at = live_find(l, ids[i], lens[i], &doc)) != -1) {
			live_mark(l, (size_t)at, doc);
			done++;
		}
	}
	l->seq = seq;
	return done;
}

struct snapshot *
live_snapshot(struct live *l)
{
	struct snapshot_seg *v;
	struct snapshot *s;
	size_t i;

	v = xreallocarray(NULL, l->nsegs ? l->nsegs : 1, sizeof(*v));
	for (i = 0; i < l->nsegs; i++) {
		v[i].ix = l->segs[i].ix;
		v[i].del = l->segs[i].del;
		v[i].base = 0;
	}
	s = snapshot_new(v, l->nsegs, l->seq, l->schema);
	free(v);
	if (s == NULL)
		abort();	/* live_add keeps the numbers within 32 bits */
	return s;
}

int
live_merge_begin(struct live *l, size_t first, size_t n,
    struct live_merge *m)
{
	struct live_seg *s;
	size_t i;

	for (i = first; i < first + n; i++) {
		if (l->segs[i].busy)
			return -1;
	}
	m->n = n;
	m->in = xreallocarray(NULL, n ? n : 1, sizeof(*m->in));
	for (i = 0; i < n; i++) {
		s = &l->segs[first + i];
		s->busy = 1;
		m->in[i].ix = index_retain(s->ix);
		m->in[i].del = s->del != NULL ? deletes_retain(s->del) : NULL;
		m->in[i].base = 0;
	}
	return 0;
}

static void
live_merge_release(struct live_merge *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		index_free(m->in[i].ix);
		deletes_free(m->in[i].del);
	}
	free(m->in);
	m->in = NULL;
	m->n = 0;
}

/* Where the merge's inputs are now: they stay adjacent, in order. */
static size_t
live_merge_find(const struct live *l, const struct live_merge *m)
{
	size_t i, k;

	for (i = 0; i + m->n <= l->nsegs; i++) {
		for (k = 0; k < m->n; k++) {
			if (l->segs[i + k].ix != m->in[k].ix)
				break;
		}
		if (k == m->n)
			return i;
	}
	abort();	/* only live_merge_end and _abort take them out */
}

void
live_merge_abort(struct live *l, struct live_merge *m)
{
	size_t at = live_merge_find(l, m), k;

	for (k = 0; k < m->n; k++)
		l->segs[at + k].busy = 0;
	live_merge_release(m);
}

/* Marks in out what was deleted from an input since the merge began. */
static void
live_carry(struct live *l, struct deletes **out, struct index *ix,
    const struct deletes *now, const struct deletes *then,
    const uint32_t *map)
{
	const struct deletes_page *p, *q;
	size_t page, npages, w;
	uint64_t bits;
	uint32_t doc;

	if (now == NULL || now == then)
		return;
	npages = ((size_t)now->ndocs + (1u << DELETES_BITS_SHIFT) - 1) >>
	    DELETES_BITS_SHIFT;
	for (page = 0; page < npages; page++) {
		p = now->bits[page];
		q = then != NULL ? then->bits[page] : NULL;
		if (p == NULL || p == q)
			continue;
		for (w = 0; w < (1u << DELETES_BITS_SHIFT) / 64; w++) {
			bits = p->v[w] & ~(q != NULL ? q->v[w] : 0);
			while (bits != 0) {
				doc = (uint32_t)(page << DELETES_BITS_SHIFT |
				    w << 6 | (size_t)__builtin_ctzll(bits));
				bits &= bits - 1;
				if (doc >= now->ndocs ||
				    map[doc] == INDEX_NO_DOC)
					continue;
				if (*out == NULL)
					*out = deletes_new(ix);
				deletes_mark(*out, ix, map[doc], &l->scratch);
			}
		}
	}
}

void
live_merge_end(struct live *l, struct live_merge *m, struct index *out,
    uint32_t **maps, uint64_t tag)
{
	struct deletes *del = NULL;
	size_t at = live_merge_find(l, m), k;

	for (k = 0; k < m->n; k++) {
		live_carry(l, &del, out, l->segs[at + k].del, m->in[k].del,
		    maps[k]);
		l->ndocs -= live_seg_docs(&l->segs[at + k]);
		index_free(l->segs[at + k].ix);
		deletes_free(l->segs[at + k].del);
		free(maps[k]);
	}
	free(maps);
	memmove(&l->segs[at], &l->segs[at + m->n],
	    (l->nsegs - at - m->n) * sizeof(*l->segs));
	l->nsegs -= m->n;
	live_insert(l, at, out, del, tag);
	live_merge_release(m);
}

/* A size class: segments of one are about as large as each other. */
static unsigned
live_level(const struct live_seg *s)
{
	uint64_t n = live_seg_docs(s);
	unsigned level = 0;

	while (n >= LIVE_MERGE_FACTOR) {
		n /= LIVE_MERGE_FACTOR;
		level++;
	}
	return level;
}

/* Drops small segments whose every document is deleted. */
static void
live_drop_empty(struct live *l)
{
	size_t i;

	for (i = l->nsegs; i-- > 0;) {
		if (l->segs[i].tag != 0 || l->segs[i].busy ||
		    live_seg_docs(&l->segs[i]) != 0)
			continue;
		index_free(l->segs[i].ix);
		deletes_free(l->segs[i].del);
		memmove(&l->segs[i], &l->segs[i + 1],
		    (l->nsegs - i - 1) * sizeof(*l->segs));
		l->nsegs--;
	}
}

size_t
live_compact(struct live *l)
{
	struct live_merge m;
	struct index *out;
	uint32_t **maps;
	size_t first, k, merges = 0;
	unsigned level;

	live_drop_empty(l);
	for (;;) {
		if (l->nsegs < LIVE_MERGE_FACTOR)
			break;
		first = l->nsegs - LIVE_MERGE_FACTOR;
		level = live_level(&l->segs[first]);
		for (k = first; k < l->nsegs; k++) {
			if (l->segs[k].tag != 0 || l->segs[k].busy ||
			    live_level(&l->segs[k]) != level)
				break;
		}
		if (k < l->nsegs)
			break;
		if (live_merge_begin(l, first, LIVE_MERGE_FACTOR, &m) == -1)
			break;
		maps = xcalloc(m.n, sizeof(*maps));
		out = merge_run(m.in, m.n, maps);
		live_merge_end(l, &m, out, maps, 0);
		merges++;
	}
	return merges;
}
