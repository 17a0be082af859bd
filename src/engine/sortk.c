/* sortk.c: see sortk.h. */

#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "snapshot.h"
#include "sortk.h"
#include "xmalloc.h"

void
sortk_init(struct sortk *sk, const struct schema *sc,
    const struct sort_key *keys, size_t nkeys, size_t k)
{
	size_t i;

	memset(sk, 0, sizeof(*sk));
	sk->sc = sc;
	sk->keys = keys;
	sk->nkeys = nkeys;
	for (i = 0; i < nkeys; i++)
		sk->has_score |= keys[i].attr == SORT_SCORE;
	sk->hits = xreallocarray(NULL, k ? k : 1, sizeof(*sk->hits));
	sk->k = k;
}

void
sortk_free(struct sortk *sk)
{
	free(sk->hits);
	memset(sk, 0, sizeof(*sk));
}

/* The value a hit sorts by: its smallest ascending, largest descending. */
static void
sortk_value(const struct sortk *sk, const struct sort_key *key,
    const struct snapshot_seg *seg, uint32_t local, struct sort_value *v)
{
	const struct attr_col *c = &seg->ix->cols[key->attr];
	enum attr_type type = sk->sc->attrs[key->attr].type;
	uint32_t j, lo = c->offs[local], hi = c->offs[local + 1], best;
	int better;

	memset(v, 0, sizeof(*v));
	if (lo == hi) {
		v->missing = 1;
		return;
	}
	for (best = lo, j = lo + 1; j < hi; j++) {
		if (type == ATTR_INT)
			better = c->vals.i[j] < c->vals.i[best];
		else if (type == ATTR_FLOAT)
			better = c->vals.f[j] < c->vals.f[best];
		else
			better = c->vals.ord[j] < c->vals.ord[best];
		if (better != key->desc)
			best = j;
	}
	if (type == ATTR_INT)
		v->val.i = c->vals.i[best];
	else if (type == ATTR_FLOAT)
		v->val.f = c->vals.f[best];
	else
		v->val.s = attr_string(c, c->vals.ord[best], &v->val.len);
}

/* <0 when a comes first. */
static int
sortk_cmp(const struct sortk *sk, const struct sort_hit *a,
    const struct sort_hit *b)
{
	const struct sort_key *key;
	struct index_doc da, db;
	size_t i;
	int r;

	for (i = 0; i < sk->nkeys; i++) {
		key = &sk->keys[i];
		if (key->attr == SORT_SCORE) {
			r = (a->score > b->score) - (a->score < b->score);
		} else {
			if (a->v[i].missing || b->v[i].missing) {
				r = a->v[i].missing - b->v[i].missing;
				if (r != 0)
					return r;
				continue;
			}
			r = attr_value_cmp(sk->sc->attrs[key->attr].type,
			    &a->v[i].val, &b->v[i].val);
		}
		if (r != 0)
			return key->desc ? -r : r;
	}
	if (!sk->has_score && a->score != b->score)
		return a->score > b->score ? -1 : 1;
	index_doc(a->seg->ix, a->local, &da);
	index_doc(b->seg->ix, b->local, &db);
	r = attr_bytes_cmp(da.id, da.id_len, db.id, db.id_len);
	return r != 0 ? r : (a->doc > b->doc) - (a->doc < b->doc);
}

static void
sortk_up(struct sortk *sk, size_t i)
{
	struct sort_hit h = sk->hits[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (sortk_cmp(sk, &sk->hits[parent], &h) >= 0)
			break;
		sk->hits[i] = sk->hits[parent];
		i = parent;
	}
	sk->hits[i] = h;
}

static void
sortk_down(struct sortk *sk, size_t i)
{
	struct sort_hit h = sk->hits[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= sk->n)
			break;
		if (c + 1 < sk->n && sortk_cmp(sk, &sk->hits[c],
		    &sk->hits[c + 1]) < 0)
			c++;
		if (sortk_cmp(sk, &h, &sk->hits[c]) >= 0)
			break;
		sk->hits[i] = sk->hits[c];
		i = c;
	}
	sk->hits[i] = h;
}

/*
 * Whether a full heap's worst hit beats h on the first key alone, which
 * settles most hits of a long list after reading one value.
 */
static int
sortk_loses(const struct sortk *sk, const struct sort_hit *h)
{
	const struct sort_key *key = &sk->keys[0];
	const struct sort_value *a = &h->v[0], *b = &sk->hits[0].v[0];
	int r;

	if (key->attr == SORT_SCORE)
		r = (h->score > sk->hits[0].score) - (h->score <
		    sk->hits[0].score);
	else if (a->missing || b->missing)
		return a->missing && !b->missing;
	else
		r = attr_value_cmp(sk->sc->attrs[key->attr].type, &a->val,
		    &b->val);
	return key->desc ? r < 0 : r > 0;
}

void
sortk_push(struct sortk *sk, const struct snapshot_seg *seg, uint32_t local,
    double score)
{
	struct sort_hit h;
	size_t i;

	if (sk->k == 0)
		return;
	h.doc = seg->base + local;
	h.score = score;
	h.seg = seg;
	h.local = local;
	if (sk->keys[0].attr != SORT_SCORE)
		sortk_value(sk, &sk->keys[0], seg, local, &h.v[0]);
	else
		memset(&h.v[0], 0, sizeof(h.v[0]));
	if (sk->n == sk->k && sortk_loses(sk, &h))
		return;
	for (i = 1; i < sk->nkeys; i++) {
		if (sk->keys[i].attr == SORT_SCORE)
			memset(&h.v[i], 0, sizeof(h.v[i]));
		else
			sortk_value(sk, &sk->keys[i], seg, local, &h.v[i]);
	}
	if (sk->n < sk->k) {
		sk->hits[sk->n++] = h;
		sortk_up(sk, sk->n - 1);
	} else if (sortk_cmp(sk, &h, &sk->hits[0]) < 0) {
		sk->hits[0] = h;
		sortk_down(sk, 0);
	}
}

static int
sortk_qsort_cmp(const void *a, const void *b, void *arg)
{
	return sortk_cmp(arg, a, b);
}

size_t
sortk_sort(struct sortk *sk)
{
	qsort_r(sk->hits, sk->n, sizeof(*sk->hits), sortk_qsort_cmp, sk);
	return sk->n;
}
