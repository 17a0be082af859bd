/* match.c: see match.h. */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "xmalloc.h"

enum match_type {
	MATCH_LEAF,		/* one term, or all the terms of a prefix */
	MATCH_PHRASE,
	MATCH_AND,
	MATCH_OR,
};

/*
 * A node of a run's evaluation tree, positioned on doc (the first match
 * not before the last target, or POSTINGS_END).  The run owns it.
 */
struct match {
	enum match_type		  type;
	uint32_t		  doc;
	uint32_t		  offset;	/* a phrase word's place in it */
	uint64_t		  cost;		/* postings it may visit */
	struct postings_cursor	 *cur;		/* leaf: one per term */
	const double		 *idf;
	uint32_t		  mask;		/* leaf: its fields; 0: any */
	uint32_t		 *heap;		/* leaf: live cursors by doc */
	uint32_t		  nheap;
	struct match		**kids;
	size_t			  nkids;
	struct match		**neg;
	size_t			  nneg;
};

/* As QUERY_FIRST_BLOCK: a few leaves, and malloc's per-thread cache. */
#define MATCH_FIRST_BLOCK	872

/*
 * A query's evaluation: the tree, which lives in the arena, and scratch
 * arrays, which grow on the heap.  Owned by match_run_new's caller.
 */
struct match_run {
	const struct index	*ix;
	const struct match_terms *mt;
	struct match		*root;
	uint32_t		*at;		/* a leaf's cursors on its doc */
	size_t			 at_cap;
	uint32_t		*pos;		/* a leaf's positions there */
	size_t			 pos_cap;
	uint32_t		*cand;		/* phrase starts still possible */
	size_t			 cand_cap;
	struct arena		 arena;
	char			 first[MATCH_FIRST_BLOCK];
};

/* glibc's per-thread cache serves chunks of up to 1032 bytes. */
_Static_assert(sizeof(struct match_run) <= 1032, "a run fits the tcache");

static uint32_t	match_seek(struct match_run *, struct match *, uint32_t);
static size_t	match_leaf_at(struct match_run *, const struct match *);

/*
 * Which field positions of one document lie in, asked in ascending
 * order: field f holds len[f] positions from its start, and the next
 * starts one past its end when it has any (words_add_doc).
 */
struct match_walk {
	const uint32_t	*len;
	unsigned	 nfl;
	unsigned	 f;
	uint32_t	 start;
};

static void
match_walk_init(struct match_walk *w, const struct index *ix, uint32_t doc)
{
	w->len = index_fl(ix, doc);
	w->nfl = ix->nfl;
	w->f = 0;
	w->start = 0;
}

/* The field of pos, or -1 for a gap. */
static int
match_walk_field(struct match_walk *w, uint32_t pos)
{
	while (w->f < w->nfl && pos - w->start >= w->len[w->f] &&
	    pos >= w->start) {
		w->start += w->len[w->f] + (w->len[w->f] > 0);
		w->f++;
	}
	if (w->f == w->nfl || pos < w->start)
		return -1;
	return (int)w->f;
}

static void
match_reserve(uint32_t **v, size_t *cap, size_t want)
{
	if (*cap >= want)
		return;
	*cap = want > 2 * *cap ? want : 2 * *cap;
	*v = xreallocarray(*v, *cap, sizeof(**v));
}

static void
match_sift(struct match *m, uint32_t i)
{
	uint32_t c, x = m->heap[i], d = m->cur[x].doc;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->nheap)
			break;
		if (c + 1 < m->nheap &&
		    m->cur[m->heap[c + 1]].doc < m->cur[m->heap[c]].doc)
			c++;
		if (m->cur[m->heap[c]].doc >= d)
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	m->heap[i] = x;
}

static uint32_t
match_leaf_seek_any(struct match *m, uint32_t target)
{
	struct postings_cursor *c;

	/* A plain word has one cursor: no heap to keep. */
	if (m->nheap == 1) {
		c = &m->cur[m->heap[0]];
		if (postings_cursor_seek(c, target) == POSTINGS_END)
			m->nheap = 0;
		return m->doc = c->doc;
	}
	while (m->nheap > 0) {
		c = &m->cur[m->heap[0]];
		if (c->doc >= target)
			break;
		if (postings_cursor_seek(c, target) == POSTINGS_END) {
			m->heap[0] = m->heap[--m->nheap];
			if (m->nheap == 0)
				break;
		}
		match_sift(m, 0);
	}
	return m->doc = m->nheap > 0 ? m->cur[m->heap[0]].doc : POSTINGS_END;
}

/* Puts the positions of cursor c on its doc into r->pos. */
static void
match_cursor_positions(struct match_run *r, struct postings_cursor *c)
{
	match_reserve(&r->pos, &r->pos_cap, c->tf);
	postings_cursor_positions(c, r->pos);
}

/* Whether one of the leaf's terms is in one of its fields in its doc. */
static int
match_leaf_in_fields(struct match_run *r, const struct match *m)
{
	struct postings_cursor *c;
	struct match_walk w;
	size_t i, j, n;
	int f;

	n = match_leaf_at(r, m);
	for (i = 0; i < n; i++) {
		c = &m->cur[r->at[i]];
		match_cursor_positions(r, c);
		match_walk_init(&w, r->ix, m->doc);
		for (j = 0; j < c->tf; j++) {
			f = match_walk_field(&w, r->pos[j]);
			if (f >= 0 && (m->mask >> f & 1))
				return 1;
		}
	}
	return 0;
}

static uint32_t
match_leaf_seek(struct match_run *r, struct match *m, uint32_t target)
{
	uint32_t d = match_leaf_seek_any(m, target);

	while (m->mask != 0 && d != POSTINGS_END && !match_leaf_in_fields(r, m))
		d = match_leaf_seek_any(m, d + 1);
	return d;
}

static void
match_leaf_init(struct match_run *r, struct match *m,
    const struct query_node *qn)
{
	const struct index *ix = r->ix;
	const struct postings *p;
	uint32_t lo = r->mt->lo[qn->leaf], hi = r->mt->hi[qn->leaf], i;

	m->type = MATCH_LEAF;
	m->cur = arena_alloc(&r->arena, (hi - lo + 1) * sizeof(*m->cur));
	m->idf = r->mt->idf[qn->leaf];
	m->heap = arena_alloc(&r->arena, (hi - lo + 1) * sizeof(*m->heap));
	for (i = 0; i < hi - lo; i++) {
		p = &ix->terms[lo + i].postings;
		postings_cursor_init(&m->cur[i], ix->postings.data,
		    ix->postings.skips, p);
		m->cost += p->df;
		m->heap[i] = i;
	}
	m->nheap = hi - lo;
	for (i = m->nheap / 2; i-- > 0;)
		match_sift(m, i);
	m->doc = m->nheap > 0 ? m->cur[m->heap[0]].doc : POSTINGS_END;
	if (r->mt->mf != NULL && qn->fields != 0 &&
	    (qn->fields & r->mt->mf->all) != r->mt->mf->all) {
		m->mask = qn->fields;
		if (m->doc != POSTINGS_END && !match_leaf_in_fields(r, m))
			match_leaf_seek(r, m, m->doc + 1);
	}
}

static int
match_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Collects the leaf's cursors on its doc into r->at, in term order. */
static size_t
match_leaf_at(struct match_run *r, const struct match *m)
{
	size_t n = 0, top = 0;
	uint32_t i;

	match_reserve(&r->at, &r->at_cap, 2 * (size_t)m->nheap + 1);
	/* The heap's matching entries form a subtree at its root. */
	if (m->nheap > 0 && m->cur[m->heap[0]].doc == m->doc)
		r->at[r->at_cap - ++top] = 0;
	while (top > 0) {
		i = r->at[r->at_cap - top--];
		r->at[n++] = m->heap[i];
		if (2 * i + 1 < m->nheap && m->cur[m->heap[2 * i + 1]].doc ==
		    m->doc)
			r->at[r->at_cap - ++top] = 2 * i + 1;
		if (2 * i + 2 < m->nheap && m->cur[m->heap[2 * i + 2]].doc ==
		    m->doc)
			r->at[r->at_cap - ++top] = 2 * i + 2;
	}
	if (n > 1)
		qsort(r->at, n, sizeof(*r->at), match_u32_cmp);
	return n;
}

/* BM25F's term frequency of cursor c in the leaf's fields of its doc. */
static double
match_cursor_tf(struct match_run *r, const struct match *m,
    struct postings_cursor *c)
{
	const struct match_fields *mf = r->mt->mf;
	const uint32_t *len = index_fl(r->ix, m->doc);
	uint32_t tf[SCHEMA_FIELDS_MAX] = { 0 }, mask = m->mask ? m->mask :
	    mf->all;
	struct match_walk w;
	double x = 0;
	size_t j;
	unsigned f;
	int at;

	match_cursor_positions(r, c);
	match_walk_init(&w, r->ix, m->doc);
	for (j = 0; j < c->tf; j++)
		if ((at = match_walk_field(&w, r->pos[j])) >= 0)
			tf[at]++;
	for (f = 0; f < mf->nfl; f++)
		if (tf[f] > 0 && (mask >> f & 1))
			x += mf->weight[f] * tf[f] / (mf->norm_a[f] +
			    mf->norm_b[f] * len[f]);
	return x;
}

static double
match_leaf_score_fields(struct match_run *r, const struct match *m)
{
	double tf, s = 0;
	size_t i, n;

	n = match_leaf_at(r, m);
	for (i = 0; i < n; i++) {
		tf = match_cursor_tf(r, m, &m->cur[r->at[i]]);
		s += m->idf[r->at[i]] * tf * (INDEX_BM25_K1 + 1) /
		    (INDEX_BM25_K1 + tf);
	}
	return s;
}

static double
match_leaf_score(struct match_run *r, const struct match *m)
{
	const struct postings_cursor *c;
	double norm, s = 0;
	size_t i, n;

	if (r->mt->mf != NULL)
		return match_leaf_score_fields(r, m);
	norm = r->mt->norm_a + r->mt->norm_b * r->ix->dl[m->doc];
	n = match_leaf_at(r, m);
	for (i = 0; i < n; i++) {
		c = &m->cur[r->at[i]];
		s += m->idf[r->at[i]] * c->tf * (INDEX_BM25_K1 + 1) /
		    (c->tf + norm);
	}
	return s;
}

/* Keeps those of the n positions in r->pos in the leaf's fields. */
static size_t
match_in_fields(struct match_run *r, const struct match *m, size_t n)
{
	struct match_walk w;
	size_t i, out = 0;
	int f;

	match_walk_init(&w, r->ix, m->doc);
	for (i = 0; i < n; i++) {
		f = match_walk_field(&w, r->pos[i]);
		if (f >= 0 && (m->mask >> f & 1))
			r->pos[out++] = r->pos[i];
	}
	return out;
}

/* Puts the leaf's positions in its doc, ascending, into r->pos. */
static size_t
match_leaf_positions(struct match_run *r, struct match *m)
{
	struct postings_cursor *c;
	size_t i, n, total = 0;

	n = match_leaf_at(r, m);
	for (i = 0; i < n; i++) {
		c = &m->cur[r->at[i]];
		match_reserve(&r->pos, &r->pos_cap, total + c->tf);
		postings_cursor_positions(c, r->pos + total);
		total += c->tf;
	}
	if (n > 1)
		qsort(r->pos, total, sizeof(*r->pos), match_u32_cmp);
	return m->mask != 0 ? match_in_fields(r, m, total) : total;
}

/* Keeps the starts s for which s + off is among the n positions. */
static size_t
match_intersect(uint32_t *cand, size_t k, const uint32_t *pos, size_t n,
    uint32_t off)
{
	size_t i, j = 0, out = 0;
	uint64_t want;

	for (i = 0; i < k; i++) {
		want = (uint64_t)cand[i] + off;
		while (j < n && pos[j] < want)
			j++;
		if (j == n)
			break;
		if (pos[j] == want)
			cand[out++] = cand[i];
	}
	return out;
}

static int
match_phrase_at(struct match_run *r, struct match *m)
{
	struct match *kid = m->kids[0];
	size_t i, j, n, k = 0;

	n = match_leaf_positions(r, kid);
	match_reserve(&r->cand, &r->cand_cap, n);
	for (j = 0; j < n; j++) {
		if (r->pos[j] >= kid->offset)
			r->cand[k++] = r->pos[j] - kid->offset;
	}
	for (i = 1; i < m->nkids && k > 0; i++) {
		kid = m->kids[i];
		n = match_leaf_positions(r, kid);
		k = match_intersect(r->cand, k, r->pos, n, kid->offset);
	}
	return k > 0;
}

static int
match_excluded(struct match_run *r, struct match *m, uint32_t doc)
{
	size_t i;

	for (i = 0; i < m->nneg; i++) {
		if (match_seek(r, m->neg[i], doc) == doc)
			return 1;
	}
	return 0;
}

/* Leapfrogs the kids, rarest first, to a document they all contain. */
static uint32_t
match_align(struct match_run *r, struct match *m, uint32_t target)
{
	uint32_t d, di;
	size_t i = 1;

	d = match_seek(r, m->kids[0], target);
	while (i < m->nkids && d != POSTINGS_END) {
		di = match_seek(r, m->kids[i], d);
		if (di == d) {
			i++;
			continue;
		}
		if (di == POSTINGS_END)
			return POSTINGS_END;
		d = match_seek(r, m->kids[0], di);
		i = 1;
	}
	return d;
}

static uint32_t
match_all_advance(struct match_run *r, struct match *m, uint32_t target)
{
	uint32_t d = target;

	for (;;) {
		d = match_align(r, m, d);
		if (d == POSTINGS_END)
			break;
		if (m->type == MATCH_PHRASE ? match_phrase_at(r, m) :
		    !match_excluded(r, m, d))
			break;
		d++;
	}
	return m->doc = d;
}

static uint32_t
match_or_advance(struct match_run *r, struct match *m, uint32_t target)
{
	uint32_t d, best = POSTINGS_END;
	size_t i;

	for (i = 0; i < m->nkids; i++) {
		d = match_seek(r, m->kids[i], target);
		if (d < best)
			best = d;
	}
	return m->doc = best;
}

static uint32_t
match_seek(struct match_run *r, struct match *m, uint32_t target)
{
	if (m->doc >= target)
		return m->doc;
	switch (m->type) {
	case MATCH_LEAF:
		return match_leaf_seek(r, m, target);
	case MATCH_PHRASE:
	case MATCH_AND:
		return match_all_advance(r, m, target);
	case MATCH_OR:
		return match_or_advance(r, m, target);
	}
	return POSTINGS_END;
}

static double
match_score(struct match_run *r, const struct match *m)
{
	double s = 0;
	size_t i;

	if (m->type == MATCH_LEAF)
		return match_leaf_score(r, m);
	for (i = 0; i < m->nkids; i++) {
		if (m->kids[i]->doc == m->doc)
			s += match_score(r, m->kids[i]);
	}
	return s;
}

static int
match_cost_cmp(const void *a, const void *b)
{
	const struct match *x = *(struct match *const *)a;
	const struct match *y = *(struct match *const *)b;

	return (x->cost > y->cost) - (x->cost < y->cost);
}

static struct match *match_build(struct match_run *,
		    const struct query_node *);

static struct match **
match_build_kids(struct match_run *r, struct query_node **qn, size_t n)
{
	struct match **kids;
	size_t i;

	kids = arena_alloc(&r->arena, (n ? n : 1) * sizeof(*kids));
	for (i = 0; i < n; i++) {
		kids[i] = match_build(r, qn[i]);
		kids[i]->offset = (uint32_t)i;
	}
	return kids;
}

static void
match_build_inner(struct match_run *r, struct match *m,
    const struct query_node *qn)
{
	size_t i;

	m->kids = match_build_kids(r, qn->kids, qn->nkids);
	m->nkids = qn->nkids;
	m->neg = match_build_kids(r, qn->neg, qn->nneg);
	m->nneg = qn->nneg;
	if (m->type != MATCH_OR)
		qsort(m->kids, m->nkids, sizeof(*m->kids), match_cost_cmp);
	m->cost = m->type == MATCH_OR ? 0 : m->kids[0]->cost;
	for (i = 0; m->type == MATCH_OR && i < m->nkids; i++)
		m->cost += m->kids[i]->cost;
	m->doc = 0;
	if (m->type == MATCH_OR)
		match_or_advance(r, m, 0);
	else
		match_all_advance(r, m, 0);
}

static struct match *
match_build(struct match_run *r, const struct query_node *qn)
{
	struct match *m;

	m = arena_alloc(&r->arena, sizeof(*m));
	switch (qn->type) {
	case QUERY_TERM:
		match_leaf_init(r, m, qn);
		return m;
	case QUERY_PHRASE:
		m->type = MATCH_PHRASE;
		break;
	case QUERY_AND:
		m->type = MATCH_AND;
		break;
	case QUERY_OR:
		m->type = MATCH_OR;
		break;
	}
	match_build_inner(r, m, qn);
	return m;
}

struct match_run *
match_run_new(const struct index *ix, const struct query *q,
    const struct match_terms *mt)
{
	struct match_run *r;

	r = xmalloc(sizeof(*r));
	memset(r, 0, offsetof(struct match_run, arena));
	arena_init(&r->arena, r->first, sizeof(r->first));
	r->ix = ix;
	r->mt = mt;
	if (q != NULL && q->root != NULL)
		r->root = match_build(r, q->root);
	return r;
}

uint32_t
match_run_next(struct match_run *r, uint32_t target)
{
	if (r->root == NULL)
		return POSTINGS_END;
	return match_seek(r, r->root, target);
}

double
match_run_score(struct match_run *r)
{
	return match_score(r, r->root);
}

void
match_run_free(struct match_run *r)
{
	free(r->at);
	free(r->pos);
	free(r->cand);
	arena_free(&r->arena);
	free(r);
}
