/* facets.c: see facets.h. */

#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "facets.h"
#include "hash.h"
#include "index.h"
#include "snapshot.h"
#include "xmalloc.h"

/* Integers count in an array when a segment's span is below this. */
#define FACETS_DENSE_MAX	65536

/*
 * Counts by value, over the whole snapshot: open addressing, numbers by
 * their bits, strings by their bytes.
 */
struct facet_map {
	struct facet_count	*v;
	uint32_t		*hash;
	size_t			 n;
	size_t			 mask;		/* size - 1; 0: not made */
};

/*
 * One attribute being counted.  Strings count by number in the segment
 * being read (a plain array) and go into the map when it changes, since
 * each segment numbers its strings its own way; so do integers whose
 * segment spans few values (a year), by their distance from its least.
 */
struct facet_attr {
	int			 attr;
	enum attr_type		 type;
	struct facet_map	 map;
	uint32_t		*counts;	/* by string number, in seg */
	size_t			 ncounts;	/* 0: not in use */
	size_t			 seg;
	/* The document last counted, so a multi value counts once. */
	uint32_t		*last;
};

struct facets {
	const struct snapshot	*snap;
	struct facet_attr	*a;
	size_t			 n;
};

static uint32_t
facet_hash(enum attr_type type, const struct facet_count *c)
{
	if (type == ATTR_STRING)
		return hash_bytes(c->v.s, c->v.len);
	return hash_bytes((const char *)(type == ATTR_INT ?
	    (const void *)&c->v.i : (const void *)&c->v.f), 8);
}

static int
facet_same(enum attr_type type, const struct facet_count *a,
    const struct facet_count *b)
{
	if (type == ATTR_STRING)
		return attr_bytes_cmp(a->v.s, a->v.len, b->v.s, b->v.len) == 0;
	if (type == ATTR_INT)
		return a->v.i == b->v.i;
	return memcmp(&a->v.f, &b->v.f, sizeof(a->v.f)) == 0;
}

static void facet_map_add(struct facet_map *, enum attr_type,
    const struct facet_count *);

static void
facet_map_grow(struct facet_map *m, enum attr_type type)
{
	struct facet_map old = *m;
	size_t size = old.mask ? (old.mask + 1) * 2 : 64, i;

	m->v = xcalloc(size, sizeof(*m->v));
	m->hash = xcalloc(size, sizeof(*m->hash));
	m->mask = size - 1;
	m->n = 0;
	for (i = 0; old.mask && i <= old.mask; i++)
		if (old.v[i].count > 0)
			facet_map_add(m, type, &old.v[i]);
	free(old.v);
	free(old.hash);
}

static void
facet_map_add(struct facet_map *m, enum attr_type type,
    const struct facet_count *c)
{
	uint32_t h;
	size_t i;

	if (m->mask == 0 || (m->n + 1) * 2 > m->mask + 1)
		facet_map_grow(m, type);
	h = facet_hash(type, c);
	for (i = h & m->mask; m->v[i].count > 0; i = (i + 1) & m->mask) {
		if (m->hash[i] == h && facet_same(type, &m->v[i], c)) {
			m->v[i].count += c->count;
			return;
		}
	}
	m->v[i] = *c;
	m->hash[i] = h;
	m->n++;
}

struct facets *
facets_new(const struct snapshot *snap, const int *attrs, size_t n)
{
	struct facets *f = xcalloc(1, sizeof(*f));
	size_t i;

	f->snap = snap;
	f->a = xcalloc(n ? n : 1, sizeof(*f->a));
	f->n = n;
	for (i = 0; i < n; i++) {
		f->a[i].attr = attrs[i];
		f->a[i].type = snap->schema->attrs[attrs[i]].type;
		f->a[i].seg = SIZE_MAX;
	}
	return f;
}

/* Moves a string attribute's counts of its segment into the map. */
static void
facet_flush(struct facets *f, struct facet_attr *fa)
{
	const struct attr_col *c;
	struct facet_count fc;
	size_t k;

	if (fa->seg == SIZE_MAX)
		return;
	c = &f->snap->segs[fa->seg].ix->cols[fa->attr];
	for (k = 0; k < fa->ncounts; k++) {
		if (fa->counts[k] == 0)
			continue;
		memset(&fc, 0, sizeof(fc));
		if (fa->type == ATTR_STRING)
			fc.v.s = attr_string(c, (uint32_t)k, &fc.v.len);
		else
			fc.v.i = (int64_t)((uint64_t)c->min + k);
		fc.count = fa->counts[k];
		facet_map_add(&fa->map, fa->type, &fc);
	}
	fa->ncounts = 0;
	free(fa->counts);
	free(fa->last);
	fa->counts = NULL;
	fa->last = NULL;
	fa->seg = SIZE_MAX;
}

static void
facet_enter(struct facets *f, struct facet_attr *fa, size_t seg)
{
	const struct attr_col *c = &f->snap->segs[seg].ix->cols[fa->attr];
	size_t n;

	facet_flush(f, fa);
	fa->seg = seg;
	if (fa->type == ATTR_STRING)
		n = (size_t)c->nstr + 1;
	else if (fa->type == ATTR_INT && c->nvals > 0 &&
	    (uint64_t)c->max - (uint64_t)c->min < FACETS_DENSE_MAX)
		n = (size_t)((uint64_t)c->max - (uint64_t)c->min) + 1;
	else
		return;
	fa->ncounts = n;
	fa->counts = xcalloc(n, sizeof(*fa->counts));
	fa->last = xreallocarray(NULL, n, sizeof(*fa->last));
	memset(fa->last, 0xff, n * sizeof(*fa->last));
}

static int
facet_seen_before(const struct attr_col *c, enum attr_type type, uint32_t lo,
    uint32_t j)
{
	uint32_t k;

	for (k = lo; k < j; k++)
		if (type == ATTR_INT ? c->vals.i[k] == c->vals.i[j] :
		    memcmp(&c->vals.f[k], &c->vals.f[j], sizeof(double)) == 0)
			return 1;
	return 0;
}

/* A value's place in the counts of the segment being read. */
static inline uint32_t
facet_slot(const struct facet_attr *fa, const struct attr_col *c, uint32_t j)
{
	return fa->type == ATTR_STRING ? c->vals.ord[j] :
	    (uint32_t)((uint64_t)c->vals.i[j] - (uint64_t)c->min);
}

/* One attribute's counts of some documents of the segment being read. */
static void
facet_add_docs(struct facet_attr *fa, const struct attr_col *c,
    const uint32_t *docs, size_t n)
{
	struct facet_count fc;
	uint32_t j, lo, hi, slot, local;
	size_t k;

	for (k = 0; k < n; k++) {
		local = docs[k];
		lo = c->offs[local];
		hi = c->offs[local + 1];
		if (fa->ncounts > 0 && hi - lo == 1) {
			fa->counts[facet_slot(fa, c, lo)]++;
			continue;
		}
		for (j = lo; j < hi; j++) {
			if (fa->ncounts > 0) {
				/* A value a document has twice counts once. */
				slot = facet_slot(fa, c, j);
				if (fa->last[slot] != local) {
					fa->last[slot] = local;
					fa->counts[slot]++;
				}
				continue;
			}
			if (facet_seen_before(c, fa->type, lo, j))
				continue;
			memset(&fc, 0, sizeof(fc));
			fc.v.i = fa->type == ATTR_INT ? c->vals.i[j] : 0;
			fc.v.f = fa->type == ATTR_FLOAT ? c->vals.f[j] : 0;
			fc.count = 1;
			facet_map_add(&fa->map, fa->type, &fc);
		}
	}
}

void
facets_add(struct facets *f, size_t seg, const uint32_t *docs, size_t n)
{
	struct facet_attr *fa;
	size_t i;

	for (i = 0; i < f->n; i++) {
		fa = &f->a[i];
		if (fa->seg != seg)
			facet_enter(f, fa, seg);
		facet_add_docs(fa, &f->snap->segs[seg].ix->cols[fa->attr], docs,
		    n);
	}
}

static int
facet_cmp(const void *pa, const void *pb, void *arg)
{
	const struct facet_count *a = pa, *b = pb;
	enum attr_type type = *(const enum attr_type *)arg;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return attr_value_cmp(type, &a->v, &b->v);
}

void
facets_finish(struct facets *f, size_t limit, struct facet_result *out)
{
	struct facet_attr *fa;
	struct facet_count *all;
	size_t i, k, n;

	for (i = 0; i < f->n; i++) {
		fa = &f->a[i];
		facet_flush(f, fa);
		all = xreallocarray(NULL, fa->map.n ? fa->map.n : 1,
		    sizeof(*all));
		for (n = 0, k = 0; fa->map.mask && k <= fa->map.mask; k++)
			if (fa->map.v[k].count > 0)
				all[n++] = fa->map.v[k];
		qsort_r(all, n, sizeof(*all), facet_cmp, &fa->type);
		out[i].attr = fa->attr;
		out[i].distinct = n;
		out[i].ntop = n < limit ? n : limit;
		out[i].top = all;
	}
}

void
facets_free(struct facets *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->a[i].map.v);
		free(f->a[i].map.hash);
		free(f->a[i].counts);
		free(f->a[i].last);
	}
	free(f->a);
	free(f);
}

void
facets_result_free(struct facet_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].top);
}
