/* build.c: see build.h. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "attrs.h"
#include "build.h"
#include "buf.h"
#include "corpus.h"
#include "hash.h"
#include "index.h"
#include "log.h"
#include "streams.h"
#include "tokenize.h"
#include "words.h"
#include "xmalloc.h"

#define BUILD_TABLE_MIN		1024	/* first size of the hash tables */
#define BUILD_SPARE_SLOTS	(1 << 18)	/* tables kept: 16 MiB at most */
#define BUILD_NO_TERM		UINT32_MAX
#define BUILD_INLINE		16	/* names this short stay in the term */

_Static_assert(TOKENIZE_TERM_MAX <= UINT8_MAX, "a name's length is a byte");

/*
 * Terms are found and written all over memory, but a document's words are
 * known ahead: asking for the memory of the ones a few words on hides most
 * of the wait.
 */
#define BUILD_AHEAD		8
#if defined(__GNUC__) || defined(__clang__)
#define build_prefetch(p)	__builtin_prefetch((p), 1)
#else
#define build_prefetch(p)	((void)(p))
#endif

/*
 * A term while the index is built.  The terms are the slots of the hash
 * table themselves, 64 bytes each, so that finding a word's term and
 * adding its posting touch one cache line.  Short names live here,
 * zero-padded to be compared eight bytes at a time.
 */
struct build_term {
	struct streams_term	 st;	/* st.term, BUILD_NO_TERM: empty */
	uint32_t		 hash;
	uint8_t			 len;
	union {
		char		inl[BUILD_INLINE];
		uint64_t	off;	/* in names, when longer */
	} name;
};
_Static_assert(sizeof(struct build_term) <= 64, "a term fits a cache line");

/* Owned by its creator until build_finish or build_free. */
struct build {
	struct index		*ix;
	size_t			 docs_cap;
	uint32_t		*dl;		/* index_fl's, nfl per document */
	uint64_t		 total_dl;
	struct buf		 text;

	struct build_term	*table;		/* mapped */
	size_t			 table_mask;
	int			 spare;		/* keep the table for the next */
	struct buf		 names;
	struct streams		 streams;

	/* Scratch for the current document, reused. */
	size_t			 scratch_cap;
	uint32_t		*toks;		/* per word: its term's place */
	uint32_t		*touched;	/* per term: its slot */
	uint32_t		*count;		/* its tf */
	uint32_t		*first;		/* where its positions go */
	uint32_t		*sorted;	/* the positions by term */
	uint64_t		*seen;		/* term + 1 << 32 | place */
	size_t			 seen_mask;
	size_t			*spot;		/* per term: where in seen */
	struct words		 words;		/* build_add's */

	struct timespec		 start;
};

/* An open-addressing table of n slots, every byte 0xff: all empty. */
static void *
build_table_new(size_t n, size_t width)
{
	void *t;

	t = xreallocarray(NULL, n, width);
	memset(t, 0xff, n * width);
	return t;
}

/*
 * The term table a thread's last build left, kept for its next one: a
 * store builds a small segment per write, and fresh pages for each would
 * cost more in faults than the build itself.
 */
static _Thread_local struct build_term	*build_spare;
static _Thread_local size_t		 build_spare_slots;

static struct build_term *
build_terms_take(size_t slots)
{
	struct build_term *t;

	if (build_spare != NULL && build_spare_slots == slots) {
		t = build_spare;
		build_spare = NULL;
		build_spare_slots = 0;
	} else
		t = xmmap(slots * sizeof(*t));
	memset(t, 0xff, slots * sizeof(*t));
	return t;
}

/* A table outgrown while building is unmapped: this is no small build. */
static void
build_terms_give(const struct build *b, struct build_term *t, size_t slots)
{
	if (!b->spare || slots > BUILD_SPARE_SLOTS) {
		xmunmap(t, slots * sizeof(*t));
		return;
	}
	build_cache_free();
	build_spare = t;
	build_spare_slots = slots;
}

void
build_cache_free(void)
{
	xmunmap(build_spare, build_spare_slots * sizeof(*build_spare));
	build_spare = NULL;
	build_spare_slots = 0;
}

struct build *
build_new(struct schema *sc)
{
	return build_new_sized(0, sc);
}

struct build *
build_new_sized(size_t words, struct schema *sc)
{
	struct build *b;
	size_t slots = BUILD_TABLE_MIN;

	/* One slot a word: no doubling until half the words are new terms. */
	while (slots < words && slots < BUILD_SPARE_SLOTS)
		slots *= 2;
	b = xcalloc(1, sizeof(*b));
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	b->ix = xcalloc(1, sizeof(*b->ix));
	atomic_init(&b->ix->refs, 1);
	b->ix->schema = schema_retain(sc);
	b->ix->nfl = schema_nfl(sc);
	b->ix->ids = build_table_new(BUILD_TABLE_MIN, sizeof(uint64_t));
	b->ix->ids_mask = BUILD_TABLE_MIN - 1;
	b->spare = words > 0;
	b->table = build_terms_take(slots);
	b->table_mask = slots - 1;
	buf_init(&b->text);
	buf_init(&b->names);
	streams_init(&b->streams);
	words_init(&b->words, schema_lang(sc));
	return b;
}

static const char *
build_doc_id(const struct build *b, uint32_t doc)
{
	return b->text.data + b->ix->docs[doc].off;
}

static void
build_ids_insert(uint64_t *ids, size_t mask, uint32_t hash, uint32_t doc)
{
	size_t i;

	for (i = hash & mask; ids[i] != INDEX_NO_SLOT; i = (i + 1) & mask)
		;
	ids[i] = index_id_slot(hash, doc);
}

static void
build_ids_grow(struct build *b)
{
	struct index *ix = b->ix;
	const struct index_docrec *d;
	uint64_t *ids;
	uint32_t doc;
	size_t mask = ix->ids_mask * 2 + 1;

	/* In document order, as merge_ids makes the table. */
	ids = build_table_new(mask + 1, sizeof(*ids));
	for (doc = 0; doc < ix->ndocs; doc++) {
		d = &ix->docs[doc];
		build_ids_insert(ids, mask,
		    hash_bytes(build_doc_id(b, doc), d->id_len), doc);
	}
	free(ix->ids);
	ix->ids = ids;
	ix->ids_mask = mask;
}

static uint32_t
build_ids_find(const struct build *b, const char *id, size_t len)
{
	const struct index *ix = b->ix;
	uint32_t hash = hash_bytes(id, len), doc;
	uint64_t slot;
	size_t i;

	for (i = hash & ix->ids_mask; (slot = ix->ids[i]) != INDEX_NO_SLOT;
	    i = (i + 1) & ix->ids_mask) {
		doc = (uint32_t)slot;
		if (slot >> 32 == hash && ix->docs[doc].id_len == len &&
		    memcmp(build_doc_id(b, doc), id, len) == 0)
			return doc;
	}
	return INDEX_NO_DOC;
}

static void
build_add_field(struct build *b, const char *s, size_t len)
{
	buf_reserve(&b->text, len + 1);
	if (len > 0)
		memcpy(b->text.data + b->text.len, s, len);
	b->text.data[b->text.len + len] = '\0';
	b->text.len += len + 1;
}

static uint32_t
build_add_record(struct build *b, const struct build_doc *bd)
{
	struct index *ix = b->ix;
	struct index_docrec *d;

	if (ix->ndocs == b->docs_cap) {
		b->docs_cap = b->docs_cap ? b->docs_cap * 2 : 1024;
		ix->docs = xreallocarray(ix->docs, b->docs_cap,
		    sizeof(*ix->docs));
		b->dl = xreallocarray(b->dl, b->docs_cap * ix->nfl,
		    sizeof(*b->dl));
	}
	d = &ix->docs[ix->ndocs];
	d->off = b->text.len;
	d->id_len = (uint32_t)bd->id_len;
	d->title_len = bd->title != NULL ? (uint32_t)bd->title_len :
	    INDEX_NO_TITLE;
	d->text_len = (uint32_t)bd->text_len;
	d->extra_len = (uint32_t)bd->extra_len;
	build_add_field(b, bd->id, bd->id_len);
	if (bd->title != NULL)
		build_add_field(b, bd->title, bd->title_len);
	build_add_field(b, bd->text, bd->text_len);
	build_add_field(b, bd->extra, bd->extra_len);
	return ix->ndocs++;
}

static const char *
build_term_name(const struct build *b, const struct build_term *bt)
{
	if (bt->len <= BUILD_INLINE)
		return bt->name.inl;
	return b->names.data + bt->name.off;
}

/*
 * Doubles the table.  Terms move to new slots: the current document's
 * list of them follows.
 */
static void
build_terms_grow(struct build *b, size_t ntouched)
{
	struct build_term *table, *bt;
	uint32_t *moved;
	size_t mask = b->table_mask * 2 + 1, i, j;

	if (mask >= UINT32_MAX)
		fatalx("%s: too many terms", __func__);
	table = build_terms_take(mask + 1);
	moved = xreallocarray(NULL, b->table_mask + 1, sizeof(*moved));
	for (j = 0; j <= b->table_mask; j++) {
		bt = &b->table[j];
		if (bt->st.term == BUILD_NO_TERM)
			continue;
		for (i = bt->hash & mask; table[i].st.term != BUILD_NO_TERM;
		    i = (i + 1) & mask)
			;
		table[i] = *bt;
		moved[j] = (uint32_t)i;
	}
	for (i = 0; i < ntouched; i++)
		b->touched[i] = moved[b->touched[i]];
	free(moved);
	xmunmap(b->table, (b->table_mask + 1) * sizeof(*b->table));
	b->table = table;
	b->table_mask = mask;
}

/* Whether bt is the term s, which is zero-padded like a short name. */
static int
build_term_is(const struct build *b, const struct build_term *bt,
    const char *s, uint32_t len)
{
	uint64_t x[2], y[2];

	if (bt->len != len)
		return 0;
	if (len > BUILD_INLINE)
		return memcmp(b->names.data + bt->name.off, s, len) == 0;
	memcpy(x, bt->name.inl, sizeof(x[0]));
	memcpy(y, s, sizeof(y[0]));
	if (len <= sizeof(x[0]))
		return x[0] == y[0];
	memcpy(x, bt->name.inl, sizeof(x));
	memcpy(y, s, sizeof(y));
	return x[0] == y[0] && x[1] == y[1];
}

static void
build_term_new(struct build *b, struct build_term *bt, const char *s,
    uint32_t len, uint32_t hash)
{
	memset(bt, 0, sizeof(*bt));
	streams_term_new(&b->streams, &bt->st, b->ix->nterms,
	    (unsigned char)s[0]);
	bt->hash = hash;
	bt->len = (uint8_t)len;
	if (len <= BUILD_INLINE)
		memcpy(bt->name.inl, s, len);
	else {
		bt->name.off = b->names.len;
		buf_add(&b->names, s, len);
	}
	b->ix->nterms++;
}

/* Finds or adds the term s, whose hash_bytes is hash; returns its slot. */
static uint32_t
build_intern(struct build *b, const char *s, uint32_t len, uint32_t hash,
    size_t ntouched)
{
	struct build_term *bt;
	size_t i;

	if (((size_t)b->ix->nterms + 1) * 2 > b->table_mask + 1)
		build_terms_grow(b, ntouched);
	for (i = hash & b->table_mask;; i = (i + 1) & b->table_mask) {
		bt = &b->table[i];
		if (bt->st.term == BUILD_NO_TERM) {
			build_term_new(b, bt, s, len, hash);
			return (uint32_t)i;
		}
		if (bt->hash == hash && build_term_is(b, bt, s, len))
			return (uint32_t)i;
	}
}

static void
build_scratch_reserve(struct build *b, size_t n)
{
	size_t cap = b->scratch_cap ? b->scratch_cap : 256;

	if (n <= b->scratch_cap)
		return;
	while (cap < n)
		cap *= 2;
	b->toks = xreallocarray(b->toks, cap, sizeof(*b->toks));
	b->touched = xreallocarray(b->touched, cap, sizeof(*b->touched));
	b->count = xreallocarray(b->count, cap, sizeof(*b->count));
	b->first = xreallocarray(b->first, cap, sizeof(*b->first));
	b->sorted = xreallocarray(b->sorted, cap, sizeof(*b->sorted));
	b->spot = xreallocarray(b->spot, cap, sizeof(*b->spot));
	free(b->seen);
	b->seen = xcalloc(cap * 2, sizeof(*b->seen));
	b->seen_mask = cap * 2 - 1;
	b->scratch_cap = cap;
}

/*
 * The place of term t among the current document's distinct terms, or
 * n when it is new there.  A small table of its own stays in the cache.
 */
static uint32_t
build_seen(struct build *b, uint32_t t, uint32_t n)
{
	size_t i;
	uint64_t e;

	for (i = t & b->seen_mask; (e = b->seen[i]) != 0;
	    i = (i + 1) & b->seen_mask) {
		if (e >> 32 == (uint64_t)t + 1)
			return (uint32_t)e;
	}
	b->seen[i] = ((uint64_t)t + 1) << 32 | n;
	b->spot[n] = i;
	return n;
}

/* Interns the document's words and counts each distinct term's. */
static size_t
build_count(struct build *b, const struct build_doc *bd)
{
	const struct word *w;
	size_t i, n = 0;
	uint32_t slot, at;

	for (i = 0; i < bd->nwords; i++) {
		if (i + BUILD_AHEAD < bd->nwords) {
			w = &bd->words[i + BUILD_AHEAD];
			build_prefetch(&b->table[w->hash & b->table_mask]);
		}
		w = &bd->words[i];
		slot = build_intern(b, bd->terms + w->off, w->len, w->hash, n);
		at = build_seen(b, b->table[slot].st.term, (uint32_t)n);
		if (at == n) {
			b->touched[n] = slot;
			b->count[n++] = 0;
		}
		b->count[at]++;
		b->toks[i] = at;
	}
	return n;
}

/*
 * Groups the document's positions by term (a counting sort over its
 * distinct terms) and appends one posting per term.
 */
static void
build_index_doc(struct build *b, const struct build_doc *bd, uint32_t doc)
{
	struct build_term *bt;
	size_t i, n, slot = 0;
	uint32_t f, nfl = b->ix->nfl;

	build_scratch_reserve(b, bd->nwords);
	n = build_count(b, bd);
	for (i = 0; i < n; i++) {
		b->first[i] = (uint32_t)slot;
		slot += b->count[i];
	}
	for (i = 0; i < bd->nwords; i++)
		b->sorted[b->first[b->toks[i]]++] = bd->words[i].pos;
	for (i = 0; i < n; i++) {
		if (i + BUILD_AHEAD / 2 < n) {
			bt = &b->table[b->touched[i + BUILD_AHEAD / 2]];
			streams_prefetch(&bt->st);
		}
		bt = &b->table[b->touched[i]];
		streams_posting(&b->streams, &bt->st, doc,
		    b->sorted + b->first[i] - b->count[i], b->count[i]);
		b->seen[b->spot[i]] = 0;
	}
	b->ix->npostings += n;
	for (f = 0; f < nfl; f++) {
		b->dl[(size_t)doc * nfl + f] = bd->fl[f];
		b->ix->total_fl[f] += bd->fl[f];
		b->total_dl += bd->fl[f];
	}
}

int
build_add_doc(struct build *b, const struct build_doc *bd, uint32_t *dup)
{
	uint32_t doc;

	*dup = INDEX_NO_DOC;
	if (b->ix->ndocs == INDEX_DOCS_MAX)
		return -1;
	if ((*dup = build_ids_find(b, bd->id, bd->id_len)) != INDEX_NO_DOC)
		return -1;
	if (((size_t)b->ix->ndocs + 1) * 2 > b->ix->ids_mask + 1)
		build_ids_grow(b);
	doc = build_add_record(b, bd);
	build_ids_insert(b->ix->ids, b->ix->ids_mask,
	    hash_bytes(bd->id, bd->id_len), doc);
	build_index_doc(b, bd, doc);
	return 0;
}

int
build_add(struct build *b, const struct corpus_doc *cd, uint32_t *dup)
{
	struct build_doc bd;

	words_reset(&b->words);
	memset(&bd, 0, sizeof(bd));
	bd.id = cd->id;
	bd.id_len = cd->id_len;
	bd.title = cd->title;
	bd.title_len = cd->title_len;
	bd.text = cd->text;
	bd.text_len = cd->text_len;
	bd.extra = cd->extra.data;
	bd.extra_len = cd->extra.len;
	bd.nwords = words_add_doc(&b->words, b->ix->schema, cd->title,
	    cd->title_len, cd->text, cd->text_len, cd->extra.data,
	    cd->extra.len, bd.fl);
	bd.words = b->words.v;
	bd.terms = b->words.terms.data;
	return build_add_doc(b, &bd, dup);
}

/* A term name to sort by, with its key and the term's slot. */
struct build_name {
	uint64_t	 key;
	const char	*name;
	uint32_t	 len;
	uint32_t	 slot;
};

static int
build_name_cmp(const void *a, const void *b)
{
	const struct build_name *x = a, *y = b;
	int r;

	r = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * Sorts by key, a byte at a time from the lowest (LSD radix sort: no
 * calls to compare, which cost small builds more than the build itself),
 * skipping bytes every key shares; then sorts runs of equal keys, names
 * of 8 bytes or more, by memcmp.
 */
static void
build_sort_names(struct build_name *v, size_t n)
{
	struct build_name *tmp = xreallocarray(NULL, n ? n : 1, sizeof(*tmp));
	struct build_name *from = v, *to = tmp, *swap;
	size_t count[256], i, run;
	unsigned shift;
	uint8_t d;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(uint8_t)(from[i].key >> shift)]++;
		if (n == 0 || count[(uint8_t)(from[0].key >> shift)] == n)
			continue;
		for (i = 1; i < 256; i++)
			count[i] += count[i - 1];
		for (i = n; i-- > 0;) {
			d = (uint8_t)(from[i].key >> shift);
			to[--count[d]] = from[i];
		}
		swap = from;
		from = to;
		to = swap;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
	free(tmp);
	for (i = 0; i < n; i = run) {
		for (run = i + 1; run < n && v[run].key == v[i].key; run++)
			;
		if (run - i > 1)
			qsort(v + i, run - i, sizeof(*v), build_name_cmp);
	}
}

static struct build_name *
build_sorted_names(const struct build *b)
{
	const struct build_term *bt;
	struct build_name *v;
	size_t i, n = 0;

	v = xreallocarray(NULL, b->ix->nterms ? b->ix->nterms : 1,
	    sizeof(*v));
	for (i = 0; i <= b->table_mask; i++) {
		bt = &b->table[i];
		if (bt->st.term == BUILD_NO_TERM)
			continue;
		v[n].name = build_term_name(b, bt);
		v[n].len = bt->len;
		v[n].key = index_name_key(v[n].name, v[n].len);
		v[n++].slot = (uint32_t)i;
	}
	build_sort_names(v, n);
	return v;
}

/* Gives each term, in name order, its name and its place in the arena. */
static void
build_layout(struct build *b, const struct build_name *v)
{
	struct index *ix = b->ix;
	const struct build_term *bt;
	struct buf names;
	size_t names_len = 0;
	uint32_t t;

	for (t = 0; t < ix->nterms; t++)
		names_len += v[t].len;
	buf_init(&names);
	buf_reserve(&names, names_len + 1);
	for (t = 0; t < ix->nterms; t++) {
		bt = &b->table[v[t].slot];
		ix->terms[t].name_off = names.len;
		ix->terms[t].name_len = v[t].len;
		ix->terms[t].reserved = 0;
		buf_add(&names, v[t].name, v[t].len);
		streams_place(&b->streams, &bt->st, &ix->terms[t].postings);
	}
	ix->names = names.data;
	ix->names_len = names.len;
}

/*
 * Hands freed memory back to the kernel: glibc keeps what is freed in the
 * middle of its heaps, like the skip lists, the old id tables or what the
 * reader thread parsed.  Only after a large build: malloc_trim walks every
 * heap, which costs a small one (a write's) more than its build.
 */
#define BUILD_TRIM_BYTES	(64 * 1024 * 1024)

static void
build_trim(const struct build *b)
{
#ifdef HAVE_MALLOC_TRIM
	if (b->text.len >= BUILD_TRIM_BYTES)
		malloc_trim(0);
#else
	(void)b;
#endif
}

/* Lays the dictionary and postings out in term order. */
static void
build_dictionary(struct build *b)
{
	struct index *ix = b->ix;
	struct build_name *v;

	v = build_sorted_names(b);
	ix->terms = xreallocarray(NULL, ix->nterms ? ix->nterms : 1,
	    sizeof(*ix->terms));
	build_layout(b, v);
	streams_copy(&b->streams, &ix->postings);
	free(v);
}

static double
build_elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The documents' attributes were checked as they came in (attrs_check). */
static void
build_attrs(struct index *ix)
{
	char err[512];

	if (attrs_attach(ix, err, sizeof(err)) == -1)
		fatalx("a document whose attributes were checked: %s", err);
}

struct index *
build_finish(struct build *b)
{
	struct index *ix = b->ix;
	int large = b->text.len >= BUILD_TRIM_BYTES;

	build_trim(b);
	ix->dl = xreallocarray(b->dl, ix->ndocs ? (size_t)ix->ndocs * ix->nfl :
	    1, sizeof(*ix->dl));
	b->dl = NULL;
	ix->total_dl = b->total_dl;
	build_dictionary(b);
	ix->docs = xreallocarray(ix->docs, ix->ndocs ? ix->ndocs : 1,
	    sizeof(*ix->docs));
	ix->text_len = b->text.len;
	ix->text = xreallocarray(b->text.data, ix->text_len ? ix->text_len : 1,
	    1);
	b->text.data = NULL;
	index_account(ix);
	build_attrs(ix);
	ix->build_seconds = build_elapsed(&b->start);
	b->ix = NULL;
	build_free(b);
#ifdef HAVE_MALLOC_TRIM
	if (large)
		malloc_trim(0);
#else
	(void)large;
#endif
	return ix;
}

void
build_free(struct build *b)
{
	streams_free(&b->streams);
	index_free(b->ix);
	free(b->dl);
	buf_free(&b->text);
	build_terms_give(b, b->table, b->table_mask + 1);
	buf_free(&b->names);
	free(b->toks);
	free(b->touched);
	free(b->count);
	free(b->first);
	free(b->sorted);
	free(b->seen);
	free(b->spot);
	words_free(&b->words);
	free(b);
}
