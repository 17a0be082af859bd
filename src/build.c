/* build.c: see build.h. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "build.h"
#include "buf.h"
#include "corpus.h"
#include "engine.h"
#include "tokenize.h"
#include "xmalloc.h"

#define BUILD_TABLE_MIN		1024	/* first size of the hash tables */
#define BUILD_NO_TERM		UINT64_MAX
#define BUILD_INLINE		16	/* names this short stay in the term */
#define BUILD_STREAM_MIN	24	/* bytes: most terms are rare */
#define BUILD_POS_VARINT_MAX	5	/* what postings_build_add wants */
#define BUILD_TRIM_EVERY	(32 * 1024 * 1024)	/* bytes of streams */

/*
 * A term while the index is built; mark and tf describe the current doc.
 * Lookups touch only the first fields, so short names live there too.
 */
struct build_term {
	uint32_t		hash;
	uint32_t		name_len;
	uint32_t		mark;	/* current document + 1 if it has it */
	uint32_t		tf;
	union {
		char		inl[BUILD_INLINE];
		uint64_t	off;	/* in names, when longer */
	} name;
	uint32_t		slot;	/* where its positions go in sorted */
	struct postings_build	pb;
};

/* One word of the current document. */
struct build_tok {
	uint32_t	term;
	uint32_t	pos;
};

/* Owned by its creator until build_finish or build_free. */
struct build {
	struct index		*ix;
	size_t			 docs_cap;
	uint32_t		*dl;		/* words per document */
	uint64_t		 total_dl;
	struct buf		 text;
	size_t			 nids;

	struct build_term	*terms;
	size_t			 terms_cap;
	uint64_t		*table;		/* hash << 32 | term number */
	size_t			 table_mask;
	struct buf		 names;

	/* Scratch for the current document, reused. */
	struct build_tok	*toks;
	size_t			 ntoks;
	size_t			 toks_cap;
	uint32_t		*touched;	/* its distinct terms */
	size_t			 ntouched;
	uint32_t		*sorted;	/* its positions by term */
	struct build_words	 words;		/* build_add's */

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

struct build *
build_new(void)
{
	struct build *b;

	b = xcalloc(1, sizeof(*b));
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	b->ix = xcalloc(1, sizeof(*b->ix));
	b->ix->ids = build_table_new(BUILD_TABLE_MIN, sizeof(uint32_t));
	b->ix->ids_mask = BUILD_TABLE_MIN - 1;
	b->table = build_table_new(BUILD_TABLE_MIN, sizeof(uint64_t));
	b->table_mask = BUILD_TABLE_MIN - 1;
	buf_init(&b->text);
	buf_init(&b->names);
	build_words_init(&b->words);
	return b;
}

static const char *
build_doc_id(const struct build *b, uint32_t doc)
{
	return b->text.data + b->ix->docs[doc].off;
}

static void
build_ids_insert(uint32_t *ids, size_t mask, uint32_t hash, uint32_t doc)
{
	size_t i;

	for (i = hash & mask; ids[i] != INDEX_NO_DOC; i = (i + 1) & mask)
		;
	ids[i] = doc;
}

static void
build_ids_grow(struct build *b)
{
	struct index *ix = b->ix;
	const struct index_docrec *d;
	uint32_t *ids, doc;
	size_t mask = ix->ids_mask * 2 + 1;

	ids = build_table_new(mask + 1, sizeof(*ids));
	for (doc = 0; doc < ix->ndocs; doc++) {
		d = &ix->docs[doc];
		build_ids_insert(ids, mask,
		    index_hash(build_doc_id(b, doc), d->id_len), doc);
	}
	free(ix->ids);
	ix->ids = ids;
	ix->ids_mask = mask;
}

static uint32_t
build_ids_find(const struct build *b, const char *id, size_t len)
{
	const struct index *ix = b->ix;
	size_t i;
	uint32_t doc;

	for (i = index_hash(id, len) & ix->ids_mask;
	    (doc = ix->ids[i]) != INDEX_NO_DOC; i = (i + 1) & ix->ids_mask) {
		if (ix->docs[doc].id_len == len &&
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
		b->dl = xreallocarray(b->dl, b->docs_cap, sizeof(*b->dl));
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

static void
build_terms_grow(struct build *b)
{
	uint64_t *table;
	uint32_t t;
	size_t mask = b->table_mask * 2 + 1, i;

	table = build_table_new(mask + 1, sizeof(*table));
	for (t = 0; t < b->ix->nterms; t++) {
		for (i = b->terms[t].hash & mask; table[i] != BUILD_NO_TERM;
		    i = (i + 1) & mask)
			;
		table[i] = (uint64_t)b->terms[t].hash << 32 | t;
	}
	free(b->table);
	b->table = table;
	b->table_mask = mask;
}

static uint32_t
build_term_new(struct build *b, const char *s, size_t len, uint32_t hash)
{
	struct build_term *bt;

	if (b->ix->nterms == b->terms_cap) {
		b->terms_cap = b->terms_cap ? b->terms_cap * 2 : 1024;
		b->terms = xreallocarray(b->terms, b->terms_cap,
		    sizeof(*b->terms));
	}
	bt = &b->terms[b->ix->nterms];
	memset(bt, 0, sizeof(*bt));
	bt->name_len = (uint32_t)len;
	bt->hash = hash;
	if (len <= BUILD_INLINE)
		memcpy(bt->name.inl, s, len);
	else {
		bt->name.off = b->names.len;
		buf_add(&b->names, s, len);
	}
	return b->ix->nterms++;
}

static const char *
build_term_name(const struct build *b, const struct build_term *bt)
{
	if (bt->name_len <= BUILD_INLINE)
		return bt->name.inl;
	return b->names.data + bt->name.off;
}

/* Finds or adds the term s, whose index_hash is hash. */
static uint32_t
build_intern(struct build *b, const char *s, size_t len, uint32_t hash)
{
	const struct build_term *bt;
	uint64_t e;
	uint32_t t;
	size_t i;

	if (((size_t)b->ix->nterms + 1) * 2 > b->table_mask + 1)
		build_terms_grow(b);
	for (i = hash & b->table_mask; (e = b->table[i]) != BUILD_NO_TERM;
	    i = (i + 1) & b->table_mask) {
		if (e >> 32 != hash)
			continue;
		bt = &b->terms[(uint32_t)e];
		if (bt->name_len == len &&
		    memcmp(build_term_name(b, bt), s, len) == 0)
			return (uint32_t)e;
	}
	t = build_term_new(b, s, len, hash);
	b->table[i] = (uint64_t)hash << 32 | t;
	return t;
}

static void
build_tok_add(struct build *b, uint32_t term, uint32_t pos)
{
	if (b->ntoks == b->toks_cap) {
		b->toks_cap = b->toks_cap ? b->toks_cap * 2 : 256;
		b->toks = xreallocarray(b->toks, b->toks_cap,
		    sizeof(*b->toks));
		b->touched = xreallocarray(b->touched, b->toks_cap,
		    sizeof(*b->touched));
		b->sorted = xreallocarray(b->sorted, b->toks_cap,
		    sizeof(*b->sorted));
	}
	b->toks[b->ntoks].term = term;
	b->toks[b->ntoks].pos = pos;
	b->ntoks++;
}

/*
 * Makes room in one of a term's streams before postings_build_add would,
 * growing it by half instead of doubling: the streams are most of what
 * the builder holds, and doubling leaves a quarter of them unused.
 */
static void
build_stream_reserve(uint8_t **data, size_t len, size_t *cap, size_t more)
{
	size_t want;

	if (*cap - len >= more)
		return;
	want = *cap < BUILD_STREAM_MIN ? BUILD_STREAM_MIN : *cap + *cap / 2;
	if (want - len < more)
		want = len + more;
	*data = xreallocarray(*data, 1, want);
	*cap = want;
}

static void
build_postings_add(struct postings_build *pb, uint32_t doc,
    const uint32_t *positions, uint32_t tf)
{
	build_stream_reserve(&pb->docs, pb->docs_len, &pb->docs_cap,
	    2 * POSTINGS_VARINT_MAX);
	build_stream_reserve(&pb->pos, pb->pos_len, &pb->pos_cap,
	    (size_t)tf * BUILD_POS_VARINT_MAX);
	postings_build_add(pb, doc, positions, tf);
}

/*
 * Groups the document's positions by term (a counting sort over its
 * distinct terms) and appends one posting per term.
 */
static void
build_postings(struct build *b, uint32_t doc)
{
	struct build_term *bt;
	size_t i, slot = 0;

	b->ntouched = 0;
	for (i = 0; i < b->ntoks; i++) {
		bt = &b->terms[b->toks[i].term];
		if (bt->mark != doc + 1) {
			bt->mark = doc + 1;
			bt->tf = 0;
			b->touched[b->ntouched++] = b->toks[i].term;
		}
		bt->tf++;
	}
	for (i = 0; i < b->ntouched; i++) {
		bt = &b->terms[b->touched[i]];
		bt->slot = (uint32_t)slot;
		slot += bt->tf;
	}
	for (i = 0; i < b->ntoks; i++)
		b->sorted[b->terms[b->toks[i].term].slot++] = b->toks[i].pos;
	for (i = 0; i < b->ntouched; i++) {
		bt = &b->terms[b->touched[i]];
		build_postings_add(&bt->pb, doc, b->sorted + bt->slot - bt->tf,
		    bt->tf);
	}
	b->ix->npostings += b->ntouched;
}

void
build_words_init(struct build_words *bw)
{
	memset(bw, 0, sizeof(*bw));
	buf_init(&bw->terms);
}

void
build_words_reset(struct build_words *bw)
{
	bw->n = 0;
	buf_reset(&bw->terms);
}

void
build_words_free(struct build_words *bw)
{
	free(bw->v);
	buf_free(&bw->terms);
	build_words_init(bw);
}

static void
build_words_push(struct build_words *bw, const struct tokenize *t,
    uint32_t pos)
{
	struct build_word *w;
	size_t i;

	if (bw->n == bw->cap) {
		bw->cap = bw->cap ? bw->cap * 2 : 256;
		bw->v = xreallocarray(bw->v, bw->cap, sizeof(*bw->v));
	}
	w = &bw->v[bw->n++];
	w->hash = index_hash(t->term, t->term_len);
	w->len = (uint32_t)t->term_len;
	w->off = (uint32_t)bw->terms.len;
	w->pos = pos;
	buf_reserve(&bw->terms, t->term_len);
	for (i = 0; i < t->term_len; i++)
		bw->terms.data[bw->terms.len + i] = t->term[i];
	bw->terms.len += t->term_len;
}

/* Tokenizes one field from position pos; returns the next position. */
static uint32_t
build_words_field(struct build_words *bw, const char *s, size_t len,
    uint32_t pos)
{
	struct tokenize t;

	tokenize_init(&t, s, len);
	while (pos < UINT32_MAX - 1 && tokenize_next(&t) == 1)
		build_words_push(bw, &t, pos++);
	return pos;
}

/*
 * Title words come first; a gap of one position keeps phrases from
 * running from the title into the text.
 */
size_t
build_words_add(struct build_words *bw, const char *title, size_t title_len,
    const char *text, size_t text_len)
{
	size_t first = bw->n;
	uint32_t pos = 0;

	if (title != NULL) {
		pos = build_words_field(bw, title, title_len, 0);
		if (pos > 0)
			pos++;
	}
	build_words_field(bw, text, text_len, pos);
	return bw->n - first;
}

static void
build_index_doc(struct build *b, const struct build_doc *bd, uint32_t doc)
{
	const struct build_word *w;
	size_t i;

	b->ntoks = 0;
	for (i = 0; i < bd->nwords; i++) {
		w = &bd->words[i];
		build_tok_add(b, build_intern(b, bd->terms + w->off, w->len,
		    w->hash), w->pos);
	}
	b->dl[doc] = (uint32_t)b->ntoks;
	b->total_dl += b->ntoks;
	build_postings(b, doc);
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
	    index_hash(bd->id, bd->id_len), doc);
	build_index_doc(b, bd, doc);
	return 0;
}

int
build_add(struct build *b, const struct corpus_doc *cd, uint32_t *dup)
{
	struct build_doc bd;

	build_words_reset(&b->words);
	memset(&bd, 0, sizeof(bd));
	bd.id = cd->id;
	bd.id_len = cd->id_len;
	bd.title = cd->title;
	bd.title_len = cd->title_len;
	bd.text = cd->text;
	bd.text_len = cd->text_len;
	bd.extra = cd->extra.data;
	bd.extra_len = cd->extra.len;
	bd.nwords = build_words_add(&b->words, cd->title, cd->title_len,
	    cd->text, cd->text_len);
	bd.words = b->words.v;
	bd.terms = b->words.terms.data;
	return build_add_doc(b, &bd, dup);
}

static void
build_norms(struct build *b)
{
	struct index *ix = b->ix;
	double avgdl;
	uint32_t doc;

	avgdl = ix->ndocs > 0 ? (double)b->total_dl / ix->ndocs : 0;
	ix->norms = xreallocarray(NULL, ix->ndocs ? ix->ndocs : 1,
	    sizeof(*ix->norms));
	for (doc = 0; doc < ix->ndocs; doc++) {
		ix->norms[doc] = INDEX_BM25_K1 * (1 - INDEX_BM25_B +
		    (avgdl > 0 ? INDEX_BM25_B * b->dl[doc] / avgdl : 0));
	}
}

/* A term name to sort by, with the builder's term number. */
struct build_name {
	const char	*name;
	uint32_t	 len;
	uint32_t	 term;
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

static struct build_name *
build_sorted_names(const struct build *b)
{
	struct build_name *v;
	uint32_t t;

	v = xreallocarray(NULL, b->ix->nterms ? b->ix->nterms : 1,
	    sizeof(*v));
	for (t = 0; t < b->ix->nterms; t++) {
		v[t].name = build_term_name(b, &b->terms[t]);
		v[t].len = b->terms[t].name_len;
		v[t].term = t;
	}
	qsort(v, b->ix->nterms, sizeof(*v), build_name_cmp);
	return v;
}

/*
 * Hands freed memory back to the kernel.  glibc keeps it otherwise: the
 * streams are freed in term order, all over the heap, so little of it
 * ends up at the top where free alone would give it back.
 */
static void
build_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/*
 * Lays the dictionary and postings out in term order.  Each term's streams
 * are freed once copied, and given back as the arena fills, so that the
 * two do not both take their full size at the end.
 */
static void
build_dictionary(struct build *b)
{
	struct index *ix = b->ix;
	struct build_name *v;
	struct build_term *bt;
	struct buf names;
	size_t total = 0, names_total = 0, freed = 0;
	uint32_t t;

	for (t = 0; t < ix->nterms; t++) {
		total += b->terms[t].pb.docs_len + b->terms[t].pb.pos_len;
		names_total += b->terms[t].name_len;
	}
	postings_arena_reserve(&ix->postings, total);
	v = build_sorted_names(b);
	ix->terms = xreallocarray(NULL, ix->nterms ? ix->nterms : 1,
	    sizeof(*ix->terms));
	buf_init(&names);
	buf_reserve(&names, names_total + 1);
	for (t = 0; t < ix->nterms; t++) {
		bt = &b->terms[v[t].term];
		ix->terms[t].name_off = names.len;
		ix->terms[t].name_len = bt->name_len;
		buf_add(&names, v[t].name, v[t].len);
		freed += postings_build_memory(&bt->pb);
		postings_build_finish(&bt->pb, &ix->postings,
		    &ix->terms[t].postings);
		if (freed >= BUILD_TRIM_EVERY) {
			build_trim();
			freed = 0;
		}
	}
	free(v);
	postings_arena_shrink(&ix->postings);
	ix->names = names.data;
	ix->names_len = names.len;
}

static void
build_account(struct index *ix)
{
	ix->memory = sizeof(*ix) +
	    (size_t)ix->ndocs * (sizeof(*ix->docs) + sizeof(*ix->norms)) +
	    ix->text_len + (ix->ids_mask + 1) * sizeof(*ix->ids) +
	    (size_t)ix->nterms * sizeof(*ix->terms) + ix->names_len +
	    ix->postings.cap +
	    ix->postings.skips_cap * sizeof(*ix->postings.skips);
}

static double
build_elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

struct index *
build_finish(struct build *b)
{
	struct index *ix = b->ix;

	build_norms(b);
	build_dictionary(b);
	ix->docs = xreallocarray(ix->docs, ix->ndocs ? ix->ndocs : 1,
	    sizeof(*ix->docs));
	ix->text_len = b->text.len;
	ix->text = xreallocarray(b->text.data, ix->text_len ? ix->text_len : 1,
	    1);
	b->text.data = NULL;
	build_account(ix);
	ix->build_seconds = build_elapsed(&b->start);
	b->ix = NULL;
	build_free(b);
	build_trim();
	return ix;
}

void
build_free(struct build *b)
{
	uint32_t t;

	if (b->ix != NULL) {
		for (t = 0; t < b->ix->nterms; t++)
			postings_build_free(&b->terms[t].pb);
		index_free(b->ix);
	}
	free(b->dl);
	buf_free(&b->text);
	free(b->terms);
	free(b->table);
	buf_free(&b->names);
	free(b->toks);
	free(b->touched);
	free(b->sorted);
	build_words_free(&b->words);
	free(b);
}
