/* snapshot.c: see snapshot.h. */

#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "deletes.h"
#include "index.h"
#include "hash.h"
#include "snapshot.h"
#include "xmalloc.h"

struct snapshot *
snapshot_new(const struct snapshot_seg *segs, size_t n, uint64_t seq,
    struct schema *sc)
{
	struct snapshot *s;
	uint64_t base = 0;
	size_t i;
	uint32_t f;

	for (i = 0; i < n; i++)
		base += segs[i].ix->ndocs;
	if (base > INDEX_DOCS_MAX)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	atomic_init(&s->refs, 1);
	s->seq = seq;
	s->schema = schema_retain(sc);
	s->nsegs = n;
	s->segs = xreallocarray(NULL, n ? n : 1, sizeof(*s->segs));
	for (base = 0, i = 0; i < n; i++) {
		s->segs[i].ix = index_retain(segs[i].ix);
		s->segs[i].del = segs[i].del ? deletes_retain(segs[i].del) :
		    NULL;
		s->segs[i].base = (uint32_t)base;
		base += segs[i].ix->ndocs;
		s->ndocs += segs[i].ix->ndocs;
		s->total_dl += segs[i].ix->total_dl;
		for (f = 0; f < segs[i].ix->nfl; f++)
			s->total_fl[f] += segs[i].ix->total_fl[f];
		if (segs[i].del != NULL) {
			s->ndocs -= segs[i].del->count;
			s->total_dl -= segs[i].del->dl;
			for (f = 0; f < segs[i].ix->nfl; f++)
				s->total_fl[f] -= segs[i].del->fl[f];
		}
	}
	s->nall = (uint32_t)base;
	return s;
}

struct snapshot *
snapshot_of(struct index *ix)
{
	struct snapshot_seg seg = { ix, NULL, 0 };

	return snapshot_new(&seg, 1, 0, ix->schema);
}

struct snapshot *
snapshot_retain(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
snapshot_release(struct snapshot *s)
{
	size_t i;

	if (s == NULL ||
	    atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < s->nsegs; i++) {
		index_free(s->segs[i].ix);
		deletes_free(s->segs[i].del);
	}
	free(s->segs);
	schema_free(s->schema);
	free(s);
}

void
snapshot_info(const struct snapshot *s, struct snapshot_info *info)
{
	const struct index *ix;
	size_t i, attrs;

	memset(info, 0, sizeof(*info));
	info->ndocs = s->ndocs;
	info->nsegs = s->nsegs;
	info->seq = s->seq;
	for (i = 0; i < s->nsegs; i++) {
		ix = s->segs[i].ix;
		info->nterms += ix->nterms;
		info->npostings += ix->npostings;
		attrs = attrs_memory(ix->cols, ix->schema ?
		    ix->schema->nattrs : 0, ix->ndocs);
		/* A mapped segment's columns are on the heap all the same. */
		info->memory += ix->map != NULL ? ix->map_len + attrs :
		    ix->memory;
		info->attr_memory += attrs;
		if (s->segs[i].del != NULL)
			info->deleted += s->segs[i].del->count;
	}
}

const struct snapshot_seg *
snapshot_locate(const struct snapshot *s, uint32_t doc, uint32_t *local)
{
	size_t lo = 0, hi = s->nsegs, mid;

	/* The last segment whose base is at most doc. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (s->segs[mid].base <= doc)
			lo = mid;
		else
			hi = mid;
	}
	*local = doc - s->segs[lo].base;
	return &s->segs[lo];
}

void
snapshot_doc(const struct snapshot *s, uint32_t doc, struct index_doc *out)
{
	const struct snapshot_seg *seg;
	uint32_t local;

	seg = snapshot_locate(s, doc, &local);
	index_doc(seg->ix, local, out);
}

uint32_t
snapshot_doc_by_id(const struct snapshot *s, const char *id, size_t len)
{
	const struct snapshot_seg *seg;
	uint32_t doc, hash = hash_bytes(id, len);
	size_t i;

	/* Newest first: an id lives in one segment, older ones are deleted. */
	for (i = s->nsegs; i-- > 0;) {
		seg = &s->segs[i];
		doc = index_doc_by_hash(seg->ix, id, len, hash);
		if (doc != INDEX_NO_DOC && !deletes_has(seg->del, doc))
			return seg->base + doc;
	}
	return INDEX_NO_DOC;
}

void
snapshot_cell_init(struct snapshot_cell *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->cur = NULL;
	atomic_init(&c->version, 0);
}

void
snapshot_cell_free(struct snapshot_cell *c)
{
	snapshot_release(c->cur);
	c->cur = NULL;
	pthread_mutex_destroy(&c->lock);
}

void
snapshot_publish(struct snapshot_cell *c, struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&c->lock);
	old = c->cur;
	c->cur = s;
	atomic_fetch_add_explicit(&c->version, 1, memory_order_release);
	pthread_mutex_unlock(&c->lock);
	snapshot_release(old);
}

struct snapshot *
snapshot_acquire(struct snapshot_cell *c)
{
	struct snapshot *s;

	pthread_mutex_lock(&c->lock);
	s = c->cur != NULL ? snapshot_retain(c->cur) : NULL;
	pthread_mutex_unlock(&c->lock);
	return s;
}
