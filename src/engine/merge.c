/* merge.c: see merge.h. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrs.h"
#include "buf.h"
#include "deletes.h"
#include "elapsed.h"
#include "hash.h"
#include "index.h"
#include "log.h"
#include "merge.h"
#include "snapshot.h"
#include "xmalloc.h"

#define MERGE_IDS_MIN		1024	/* as the builder's first id table */

/* One input term on the merge's heap, ordered by name, then input. */
struct merge_head {
	uint64_t	key;		/* index_name_key of its name */
	uint32_t	in;
	uint32_t	t;
};

/* A merge in progress; on merge_run's stack. */
struct merge {
	const struct snapshot_seg *segs;
	size_t			 n;
	uint32_t		**maps;
	struct index		*ix;
	struct merge_head	*heap;
	size_t			 nheap;
	struct buf		 text;
	struct buf		 names;
	struct buf		 arena;
	struct buf		 dstream;	/* one term's, then copied */
	struct buf		 pstream;
	struct postings_skip	*skips;		/* every term's */
	size_t			 nskips;
	size_t			 skips_cap;
	struct postings_skip	*tskips;	/* one term's */
	size_t			 ntskips;
	size_t			 tskips_cap;
	size_t			 terms_cap;
};

static void
merge_add_bytes(struct buf *b, const void *p, size_t len)
{
	if (len > 0)
		buf_add(b, p, len);
}

/* Copies the live documents, in order, and numbers them. */
static void
merge_docs(struct merge *m)
{
	const struct snapshot_seg *seg;
	const struct index_docrec *d;
	struct index *ix = m->ix;
	size_t i, cap = 0, len;
	uint32_t doc, *map, f;

	for (i = 0; i < m->n; i++)
		cap += m->segs[i].ix->ndocs;
	ix->docs = xreallocarray(NULL, cap ? cap : 1, sizeof(*ix->docs));
	ix->dl = xreallocarray(NULL, cap ? cap * ix->nfl : 1, sizeof(*ix->dl));
	for (i = 0; i < m->n; i++) {
		seg = &m->segs[i];
		map = m->maps[i] = xreallocarray(NULL,
		    seg->ix->ndocs ? seg->ix->ndocs : 1, sizeof(*map));
		for (doc = 0; doc < seg->ix->ndocs; doc++) {
			if (deletes_has(seg->del, doc)) {
				map[doc] = INDEX_NO_DOC;
				continue;
			}
			d = &seg->ix->docs[doc];
			len = d->id_len + 1 + d->text_len + 1 + d->extra_len + 1 +
			    (d->title_len != INDEX_NO_TITLE ? d->title_len + 1 :
			    0);
			map[doc] = ix->ndocs;
			ix->docs[ix->ndocs] = *d;
			ix->docs[ix->ndocs].off = m->text.len;
			merge_add_bytes(&m->text, seg->ix->text + d->off, len);
			for (f = 0; f < ix->nfl; f++) {
				ix->dl[(size_t)ix->ndocs * ix->nfl + f] =
				    index_fl(seg->ix, doc)[f];
				ix->total_fl[f] += index_fl(seg->ix, doc)[f];
				ix->total_dl += index_fl(seg->ix, doc)[f];
			}
			ix->ndocs++;
		}
	}
	ix->text_len = m->text.len;
	ix->text = m->text.data != NULL ? m->text.data : xmalloc(1);
	m->text.data = NULL;
}

/* The id table, as the builder leaves it for the same documents. */
static void
merge_ids(struct index *ix)
{
	size_t size = MERGE_IDS_MIN, i;
	uint32_t doc, hash;

	while (((size_t)ix->ndocs + 1) * 2 > size)
		size *= 2;
	ix->ids = xreallocarray(NULL, size, sizeof(*ix->ids));
	memset(ix->ids, 0xff, size * sizeof(*ix->ids));
	ix->ids_mask = size - 1;
	for (doc = 0; doc < ix->ndocs; doc++) {
		hash = hash_bytes(ix->text + ix->docs[doc].off,
		    ix->docs[doc].id_len);
		for (i = hash & ix->ids_mask; ix->ids[i] != INDEX_NO_SLOT;
		    i = (i + 1) & ix->ids_mask)
			;
		ix->ids[i] = index_id_slot(hash, doc);
	}
}

static void
merge_key(struct merge *m, struct merge_head *h)
{
	const char *name;
	size_t len;

	name = index_term_name(m->segs[h->in].ix, h->t, &len);
	h->key = index_name_key(name, len);
}

static int
merge_name_cmp(const struct merge *m, const struct merge_head *a,
    const struct merge_head *b)
{
	const char *x, *y;
	size_t xl, yl;
	int r;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	x = index_term_name(m->segs[a->in].ix, a->t, &xl);
	y = index_term_name(m->segs[b->in].ix, b->t, &yl);
	r = memcmp(x, y, xl < yl ? xl : yl);
	return r != 0 ? r : (xl > yl) - (xl < yl);
}

/* Equal names leave the heap in input order, oldest first. */
static int
merge_head_cmp(const struct merge *m, const struct merge_head *a,
    const struct merge_head *b)
{
	int r = merge_name_cmp(m, a, b);

	return r != 0 ? r : (a->in > b->in) - (a->in < b->in);
}

static void
merge_sift(struct merge *m, size_t i)
{
	struct merge_head h = m->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->nheap)
			break;
		if (c + 1 < m->nheap &&
		    merge_head_cmp(m, &m->heap[c + 1], &m->heap[c]) < 0)
			c++;
		if (merge_head_cmp(m, &m->heap[c], &h) >= 0)
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	m->heap[i] = h;
}

/* Takes the heap's first term; the input's next one takes its place. */
static struct merge_head
merge_pop(struct merge *m)
{
	struct merge_head h = m->heap[0];

	if (h.t + 1 < m->segs[h.in].ix->nterms) {
		m->heap[0].t++;
		merge_key(m, &m->heap[0]);
	} else
		m->heap[0] = m->heap[--m->nheap];
	if (m->nheap > 0)
		merge_sift(m, 0);
	return h;
}

static void
merge_put_varint(struct buf *b, uint64_t v)
{
	buf_reserve(b, POSTINGS_VARINT_MAX);
	b->len += postings_put_varint((uint8_t *)b->data + b->len, v);
}

/* The output term's posting count so far and the next free doc + 1. */
struct merge_out {
	uint32_t	df;
	uint32_t	next;
};

static void
merge_skip(struct merge *m, struct merge_out *o)
{
	if (m->ntskips + 2 > m->tskips_cap) {
		m->tskips_cap = m->tskips_cap ? m->tskips_cap * 2 : 16;
		m->tskips = xreallocarray(m->tskips, m->tskips_cap,
		    sizeof(*m->tskips));
	}
	if (m->ntskips == 0) {
		m->tskips[0].doc_off = m->tskips[0].pos_off = 0;
		m->tskips[0].reserved = 0;
		m->ntskips = 1;
	}
	m->tskips[m->ntskips - 1].last_doc = o->next - 1;
	m->tskips[m->ntskips].doc_off = m->dstream.len;
	m->tskips[m->ntskips].pos_off = m->pstream.len;
	m->tskips[m->ntskips].last_doc = 0;
	m->tskips[m->ntskips].reserved = 0;
	m->ntskips++;
}

/* Appends one input term's live postings, renumbered, to the output's. */
static void
merge_postings(struct merge *m, const struct merge_head *h,
    struct merge_out *o)
{
	const struct snapshot_seg *seg = &m->segs[h->in];
	const struct postings *p = &seg->ix->terms[h->t].postings;
	const uint8_t *arena = seg->ix->postings.data, *dp, *pp, *start;
	const uint32_t *map = m->maps[h->in];
	uint32_t i, j, tf, doc, next = 0, nd;
	uint64_t v;

	dp = arena + p->doc_off;
	pp = arena + p->pos_off;
	for (i = 0; i < p->df; i++) {
		v = postings_get_varint(&dp);
		tf = (v & 1) ? 1 : (uint32_t)postings_get_varint(&dp);
		doc = next + (uint32_t)(v >> 1);
		next = doc + 1;
		start = pp;
		for (j = 0; j < tf; j++)
			while (*pp++ & 0x80)
				;
		if ((nd = map[doc]) == INDEX_NO_DOC)
			continue;
		if (o->df > 0 && o->df % POSTINGS_BLOCK == 0)
			merge_skip(m, o);
		merge_put_varint(&m->dstream, (uint64_t)(nd - o->next) << 1 |
		    (tf == 1));
		if (tf != 1)
			merge_put_varint(&m->dstream, tf);
		merge_add_bytes(&m->pstream, start, (size_t)(pp - start));
		o->next = nd + 1;
		o->df++;
	}
}

/* Lays a finished output term out in the arena and the dictionary. */
static void
merge_place(struct merge *m, const char *name, size_t len,
    const struct merge_out *o)
{
	struct index *ix = m->ix;
	struct index_term *t;
	size_t i;

	if (ix->nterms == m->terms_cap) {
		m->terms_cap = m->terms_cap ? m->terms_cap * 2 : 1024;
		ix->terms = xreallocarray(ix->terms, m->terms_cap,
		    sizeof(*ix->terms));
	}
	t = &ix->terms[ix->nterms++];
	t->name_off = m->names.len;
	t->name_len = (uint32_t)len;
	t->reserved = 0;
	merge_add_bytes(&m->names, name, len);
	t->postings.df = o->df;
	t->postings.doc_off = m->arena.len;
	merge_add_bytes(&m->arena, m->dstream.data, m->dstream.len);
	t->postings.pos_off = m->arena.len;
	merge_add_bytes(&m->arena, m->pstream.data, m->pstream.len);
	t->postings.skip = 0;
	ix->npostings += o->df;
	if (m->ntskips == 0)
		return;
	m->tskips[m->ntskips - 1].last_doc = o->next - 1;
	if (m->nskips + m->ntskips > m->skips_cap) {
		m->skips_cap = m->skips_cap * 2 > m->nskips + m->ntskips ?
		    m->skips_cap * 2 : m->nskips + m->ntskips;
		m->skips = xreallocarray(m->skips, m->skips_cap,
		    sizeof(*m->skips));
	}
	t->postings.skip = (uint32_t)m->nskips;
	for (i = 0; i < m->ntskips; i++) {
		m->skips[m->nskips] = m->tskips[i];
		m->skips[m->nskips].doc_off += t->postings.doc_off;
		m->skips[m->nskips++].pos_off += t->postings.pos_off;
	}
}

/* Every distinct name of the inputs, in order: one output term each. */
static void
merge_terms(struct merge *m)
{
	struct merge_head h, first;
	struct merge_out o;
	const char *name;
	size_t i, len;

	m->heap = xreallocarray(NULL, m->n ? m->n : 1, sizeof(*m->heap));
	for (i = 0; i < m->n; i++) {
		if (m->segs[i].ix->nterms > 0) {
			m->heap[m->nheap].in = (uint32_t)i;
			m->heap[m->nheap].t = 0;
			merge_key(m, &m->heap[m->nheap++]);
		}
	}
	for (i = m->nheap / 2; i-- > 0;)
		merge_sift(m, i);
	while (m->nheap > 0) {
		first = merge_pop(m);
		memset(&o, 0, sizeof(o));
		buf_reset(&m->dstream);
		buf_reset(&m->pstream);
		m->ntskips = 0;
		merge_postings(m, &first, &o);
		name = index_term_name(m->segs[first.in].ix, first.t, &len);
		while (m->nheap > 0 &&
		    merge_name_cmp(m, &m->heap[0], &first) == 0) {
			h = merge_pop(m);
			merge_postings(m, &h, &o);
		}
		if (o.df > 0)
			merge_place(m, name, len, &o);
	}
}

static void
merge_finish(struct merge *m)
{
	struct index *ix = m->ix;

	ix->terms = xreallocarray(ix->terms, ix->nterms ? ix->nterms : 1,
	    sizeof(*ix->terms));
	ix->names_len = m->names.len;
	ix->names = m->names.data != NULL ? m->names.data : xmalloc(1);
	m->names.data = NULL;
	ix->postings.len = ix->postings.cap = m->arena.len;
	ix->postings.data = m->arena.data != NULL ? (uint8_t *)m->arena.data :
	    xmalloc(1);
	m->arena.data = NULL;
	ix->postings.skips = m->skips != NULL ? m->skips :
	    xmalloc(sizeof(*m->skips));
	ix->postings.nskips = ix->postings.skips_cap = m->nskips;
	m->skips = NULL;
	index_account(ix);
}

struct index *
merge_run(const struct snapshot_seg *segs, size_t n, uint32_t **maps)
{
	struct timespec t0, t1;
	struct merge m;
	struct index *ix;
	char err[512];
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&m, 0, sizeof(m));
	m.segs = segs;
	m.n = n;
	m.maps = xcalloc(n ? n : 1, sizeof(*m.maps));
	m.ix = ix = xcalloc(1, sizeof(*ix));
	atomic_init(&ix->refs, 1);
	ix->schema = n > 0 ? schema_retain(segs[0].ix->schema) : NULL;
	ix->nfl = n > 0 ? segs[0].ix->nfl : 1;
	buf_init(&m.text);
	buf_init(&m.names);
	buf_init(&m.arena);
	buf_init(&m.dstream);
	buf_init(&m.pstream);
	merge_docs(&m);
	merge_ids(ix);
	merge_terms(&m);
	merge_finish(&m);
	for (i = 0; i < n; i++) {
		if (maps != NULL)
			maps[i] = m.maps[i];
		else
			free(m.maps[i]);
	}
	free(m.maps);
	free(m.heap);
	free(m.tskips);
	buf_free(&m.dstream);
	buf_free(&m.pstream);
	/* Its documents were in indexes of its schema already. */
	if (attrs_attach(ix, err, sizeof(err)) == -1)
		fatalx("merging documents whose attributes were checked: %s",
		    err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ix->build_seconds = (double)elapsed_us(&t0, &t1) / 1e6;
	return ix;
}
