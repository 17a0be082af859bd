/* deletes.c: see deletes.h. */

#include <stdlib.h>
#include <string.h>

#include "deletes.h"
#include "index.h"
#include "xmalloc.h"

#define DELETES_BITS_WORDS	((1u << DELETES_BITS_SHIFT) / 64)
#define DELETES_DF_WORDS	((1u << DELETES_DF_SHIFT) / 2)

static size_t
deletes_npages(uint32_t n, unsigned shift)
{
	return ((size_t)n + (1u << shift) - 1) >> shift;
}

struct deletes *
deletes_new(const struct index *ix)
{
	struct deletes *d = xcalloc(1, sizeof(*d));

	atomic_init(&d->refs, 1);
	d->ndocs = ix->ndocs;
	d->nterms = ix->nterms;
	d->bits = xcalloc(deletes_npages(d->ndocs, DELETES_BITS_SHIFT) + 1,
	    sizeof(*d->bits));
	d->df = xcalloc(deletes_npages(d->nterms, DELETES_DF_SHIFT) + 1,
	    sizeof(*d->df));
	return d;
}

static struct deletes_page **
deletes_pages_copy(struct deletes_page *const *v, size_t n)
{
	struct deletes_page **c = xcalloc(n + 1, sizeof(*c));
	size_t i;

	for (i = 0; i < n; i++) {
		if ((c[i] = v[i]) != NULL)
			atomic_fetch_add_explicit(&c[i]->refs, 1,
			    memory_order_relaxed);
	}
	return c;
}

struct deletes *
deletes_copy(const struct deletes *old)
{
	struct deletes *d = xmalloc(sizeof(*d));

	*d = *old;
	atomic_init(&d->refs, 1);
	d->bits = deletes_pages_copy(old->bits,
	    deletes_npages(old->ndocs, DELETES_BITS_SHIFT));
	d->df = deletes_pages_copy(old->df,
	    deletes_npages(old->nterms, DELETES_DF_SHIFT));
	return d;
}

struct deletes *
deletes_retain(struct deletes *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
	return d;
}

int
deletes_shared(const struct deletes *d)
{
	return atomic_load_explicit(&d->refs, memory_order_acquire) > 1;
}

static void
deletes_page_free(struct deletes_page *p)
{
	if (p != NULL &&
	    atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
		free(p);
}

void
deletes_free(struct deletes *d)
{
	size_t i, n;

	if (d == NULL ||
	    atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
		return;
	n = deletes_npages(d->ndocs, DELETES_BITS_SHIFT);
	for (i = 0; i < n; i++)
		deletes_page_free(d->bits[i]);
	n = deletes_npages(d->nterms, DELETES_DF_SHIFT);
	for (i = 0; i < n; i++)
		deletes_page_free(d->df[i]);
	free(d->bits);
	free(d->df);
	free(d);
}

/* The page at *slot, made this struct's own to write: copied if shared. */
static struct deletes_page *
deletes_page_own(struct deletes_page **slot, size_t words)
{
	struct deletes_page *p = *slot, *c;

	if (p != NULL && atomic_load_explicit(&p->refs,
	    memory_order_acquire) == 1)
		return p;
	c = xcalloc(1, sizeof(*c) + words * sizeof(c->v[0]));
	atomic_init(&c->refs, 1);
	if (p != NULL) {
		memcpy(c->v, p->v, words * sizeof(c->v[0]));
		deletes_page_free(p);
	}
	return *slot = c;
}

uint32_t
deletes_df(const struct deletes *d, uint32_t t)
{
	const struct deletes_page *p;

	if (d == NULL || d->count == 0)
		return 0;
	p = d->df[t >> DELETES_DF_SHIFT];
	if (p == NULL)
		return 0;
	return ((const uint32_t *)p->v)[t & ((1u << DELETES_DF_SHIFT) - 1)];
}

void
deletes_scratch_init(struct deletes_scratch *s)
{
	memset(s, 0, sizeof(*s));
	words_init(&s->words, NULL);
}

void
deletes_scratch_free(struct deletes_scratch *s)
{
	words_free(&s->words);
	free(s->terms);
	deletes_scratch_init(s);
}

static int
deletes_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The distinct terms of a document, found again from its stored text: the
 * tokenizer gives the words it was indexed with, so each is in the
 * dictionary.  Sorted, in s->terms; returns how many.
 */
static size_t
deletes_doc_terms(const struct index *ix, uint32_t doc,
    struct deletes_scratch *s)
{
	struct index_doc d;
	const struct word *w;
	uint32_t lo, hi, fl[SCHEMA_FIELDS_MAX];
	size_t i, n = 0, out;

	index_doc(ix, doc, &d);
	words_reset(&s->words);
	s->words.lang = index_lang(ix);
	words_add_doc(&s->words, ix->schema, d.title, d.title_len, d.text,
	    d.text_len, d.extra, d.extra_len, fl);
	if (s->words.n > s->cap) {
		s->cap = s->words.n;
		s->terms = xreallocarray(s->terms, s->cap, sizeof(*s->terms));
	}
	for (i = 0; i < s->words.n; i++) {
		w = &s->words.v[i];
		index_term_range(ix, s->words.terms.data + w->off, w->len, 0,
		    &lo, &hi);
		if (lo < hi)
			s->terms[n++] = lo;
	}
	if (n == 0)
		return 0;
	qsort(s->terms, n, sizeof(*s->terms), deletes_u32_cmp);
	for (i = 1, out = 1; i < n; i++) {
		if (s->terms[i] != s->terms[out - 1])
			s->terms[out++] = s->terms[i];
	}
	return out;
}

void
deletes_set(struct deletes *d, const struct index *ix, uint32_t doc)
{
	struct deletes_page *p;
	uint32_t bit = doc & ((1u << DELETES_BITS_SHIFT) - 1), f;

	if (deletes_has(d, doc))
		return;
	p = deletes_page_own(&d->bits[doc >> DELETES_BITS_SHIFT],
	    DELETES_BITS_WORDS);
	p->v[bit >> 6] |= (uint64_t)1 << (bit & 63);
	d->count++;
	for (f = 0; f < ix->nfl; f++) {
		d->dl += index_fl(ix, doc)[f];
		d->fl[f] += index_fl(ix, doc)[f];
	}
}

void
deletes_set_df(struct deletes *d, uint32_t t, uint32_t n)
{
	struct deletes_page *p;

	p = deletes_page_own(&d->df[t >> DELETES_DF_SHIFT], DELETES_DF_WORDS);
	((uint32_t *)p->v)[t & ((1u << DELETES_DF_SHIFT) - 1)] = n;
}

int
deletes_mark(struct deletes *d, const struct index *ix, uint32_t doc,
    struct deletes_scratch *s)
{
	struct deletes_page *p;
	uint32_t t;
	size_t i, n;

	if (deletes_has(d, doc))
		return -1;
	deletes_set(d, ix, doc);
	n = deletes_doc_terms(ix, doc, s);
	for (i = 0; i < n; i++) {
		t = s->terms[i];
		p = deletes_page_own(&d->df[t >> DELETES_DF_SHIFT],
		    DELETES_DF_WORDS);
		((uint32_t *)p->v)[t & ((1u << DELETES_DF_SHIFT) - 1)]++;
	}
	return 0;
}
