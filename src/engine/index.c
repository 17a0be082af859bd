/* index.c: see index.h. */

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "hash.h"
#include "index.h"

struct index *
index_retain(struct index *ix)
{
	atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
	return ix;
}

void
index_free(struct index *ix)
{
	if (ix == NULL ||
	    atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (ix->map != NULL)
		munmap(ix->map, ix->map_len);
	else {
		free(ix->docs);
		free(ix->text);
		free(ix->dl);
		free(ix->ids);
		free(ix->terms);
		free(ix->names);
		postings_arena_free(&ix->postings);
	}
	attrs_free(ix->cols, ix->schema != NULL ? ix->schema->nattrs : 0);
	schema_free(ix->schema);
	free(ix);
}

void
index_account(struct index *ix)
{
	ix->memory = attrs_memory(ix->cols, ix->schema ? ix->schema->nattrs : 0,
	    ix->ndocs) + sizeof(*ix) +
	    (size_t)ix->ndocs * (sizeof(*ix->docs) + ix->nfl * sizeof(*ix->dl)) +
	    ix->text_len + (ix->ids_mask + 1) * sizeof(*ix->ids) +
	    (size_t)ix->nterms * sizeof(*ix->terms) + ix->names_len +
	    ix->postings.cap +
	    ix->postings.skips_cap * sizeof(*ix->postings.skips);
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

uint32_t
index_doc_by_id(const struct index *ix, const char *id, size_t len)
{
	return index_doc_by_hash(ix, id, len, hash_bytes(id, len));
}

uint32_t
index_doc_by_hash(const struct index *ix, const char *id, size_t len,
    uint32_t hash)
{
	const struct index_docrec *d;
	uint64_t slot;
	size_t i;
	uint32_t doc;

	for (i = hash & ix->ids_mask; (slot = ix->ids[i]) != INDEX_NO_SLOT;
	    i = (i + 1) & ix->ids_mask) {
		if (slot >> 32 != hash)
			continue;
		doc = (uint32_t)slot;
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
