/* search.c: see search.h. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "deletes.h"
#include "facets.h"
#include "filter.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "search.h"
#include "snapshot.h"
#include "sortk.h"
#include "topk.h"
#include "xmalloc.h"

/* Room for the term statistics of a small query without a malloc. */
#define SEARCH_FIRST_BLOCK	512

/* One search's term statistics, for every segment; lives in an arena. */
struct search_terms {
	struct match_terms	*seg;		/* by segment */
	double			 ndocs;		/* live, for idf */
};

static double
search_idf(double ndocs, uint64_t df)
{
	return log(1 + (ndocs - (double)df + 0.5) / ((double)df + 0.5));
}

/* A term's live document frequency in one segment. */
static uint64_t
search_df(const struct snapshot_seg *seg, uint32_t t)
{
	return seg->ix->terms[t].postings.df - deletes_df(seg->del, t);
}

static int
search_name_cmp(const struct snapshot_seg *a, uint32_t ta,
    const struct snapshot_seg *b, uint32_t tb)
{
	const char *x, *y;
	size_t xl, yl;
	int r;

	x = index_term_name(a->ix, ta, &xl);
	y = index_term_name(b->ix, tb, &yl);
	r = memcmp(x, y, xl < yl ? xl : yl);
	return r != 0 ? r : (xl > yl) - (xl < yl);
}

/*
 * A prefix's terms differ between segments: walk every segment's range
 * in name order at once, so each distinct name gets one idf from the sum
 * of its live frequencies, written into every segment that has it.
 */
static void
search_leaf_prefix(const struct snapshot *s, struct search_terms *st,
    uint32_t leaf, uint32_t *at)
{
	const struct snapshot_seg *segs = s->segs;
	uint64_t df;
	size_t i, first;
	double idf;

	for (i = 0; i < s->nsegs; i++)
		at[i] = st->seg[i].lo[leaf];
	for (;;) {
		first = s->nsegs;
		for (i = 0; i < s->nsegs; i++) {
			if (at[i] < st->seg[i].hi[leaf] && (first == s->nsegs ||
			    search_name_cmp(&segs[i], at[i], &segs[first],
			    at[first]) < 0))
				first = i;
		}
		if (first == s->nsegs)
			return;
		df = 0;
		for (i = first; i < s->nsegs; i++) {
			if (at[i] < st->seg[i].hi[leaf] && (i == first ||
			    search_name_cmp(&segs[i], at[i], &segs[first],
			    at[first]) == 0))
				df += search_df(&segs[i], at[i]);
		}
		idf = search_idf(st->ndocs, df);
		for (i = s->nsegs; i-- > first;) {
			if (at[i] < st->seg[i].hi[leaf] && (i == first ||
			    search_name_cmp(&segs[i], at[i], &segs[first],
			    at[first]) == 0)) {
				((double *)st->seg[i].idf[leaf])[at[i] -
				    st->seg[i].lo[leaf]] = idf;
				at[i]++;
			}
		}
	}
}

/* A plain word is one term everywhere it occurs: one sum, one idf. */
static void
search_leaf_word(const struct snapshot *s, struct search_terms *st,
    uint32_t leaf)
{
	uint64_t df = 0;
	size_t i;
	double idf;

	for (i = 0; i < s->nsegs; i++) {
		if (st->seg[i].lo[leaf] < st->seg[i].hi[leaf])
			df += search_df(&s->segs[i], st->seg[i].lo[leaf]);
	}
	idf = search_idf(st->ndocs, df);
	for (i = 0; i < s->nsegs; i++) {
		if (st->seg[i].lo[leaf] < st->seg[i].hi[leaf])
			*(double *)st->seg[i].idf[leaf] = idf;
	}
}

/*
 * BM25F's constants over the live documents, when fields are declared:
 * k1 goes into the saturation, so a field's norm is 1 - b + b * len / avg.
 */
static const struct match_fields *
search_fields(const struct snapshot *s, struct arena *a)
{
	const struct schema *sc = s->schema;
	struct match_fields *mf;
	double avg;
	size_t f;

	if (sc == NULL || sc->nfields == 0)
		return NULL;
	mf = arena_alloc(a, sizeof(*mf));
	mf->nfl = (unsigned)sc->nfields;
	mf->all = (uint32_t)((1ull << sc->nfields) - 1);
	for (f = 0; f < sc->nfields; f++) {
		avg = s->ndocs > 0 ? (double)s->total_fl[f] /
		    (double)s->ndocs : 0;
		mf->weight[f] = sc->fields[f].weight;
		mf->norm_a[f] = 1 - sc->fields[f].b;
		mf->norm_b[f] = avg > 0 ? sc->fields[f].b / avg : 0;
	}
	return mf;
}

static void
search_terms_init(const struct snapshot *s, const struct query *q,
    struct search_terms *st, struct arena *a)
{
	const struct match_fields *mf = search_fields(s, a);
	const struct query_node *qn;
	struct match_terms *mt;
	uint32_t *lo, *hi, leaf, *at;
	const double **idf;
	double avgdl;
	size_t i;

	st->ndocs = (double)s->ndocs;
	avgdl = s->ndocs > 0 ? (double)s->total_dl / (double)s->ndocs : 0;
	st->seg = arena_alloc(a, (s->nsegs ? s->nsegs : 1) * sizeof(*st->seg));
	for (i = 0; i < s->nsegs; i++) {
		mt = &st->seg[i];
		lo = arena_alloc(a, (q->nleaves + 1) * sizeof(*lo));
		hi = arena_alloc(a, (q->nleaves + 1) * sizeof(*hi));
		idf = arena_alloc(a, (q->nleaves + 1) * sizeof(*idf));
		for (leaf = 0; leaf < q->nleaves; leaf++) {
			qn = q->leaves[leaf];
			index_term_range(s->segs[i].ix, qn->term, qn->term_len,
			    qn->prefix, &lo[leaf], &hi[leaf]);
			idf[leaf] = arena_alloc(a, (hi[leaf] - lo[leaf] + 1) *
			    sizeof(double));
		}
		mt->lo = lo;
		mt->hi = hi;
		mt->idf = idf;
		mt->norm_a = INDEX_BM25_K1 * (1 - INDEX_BM25_B);
		mt->norm_b = avgdl > 0 ? INDEX_BM25_K1 * INDEX_BM25_B / avgdl :
		    0;
		mt->mf = mf;
	}
	at = arena_alloc(a, (s->nsegs ? s->nsegs : 1) * sizeof(*at));
	for (leaf = 0; leaf < q->nleaves; leaf++) {
		if (q->leaves[leaf]->prefix)
			search_leaf_prefix(s, st, leaf, at);
		else
			search_leaf_word(s, st, leaf);
	}
}

/* Matches held back for facets_add, all of one segment. */
#define SEARCH_FACET_BATCH	1024

/* Where matches go: counted, counted by facet, kept by topk or sortk. */
struct search_sink {
	const struct snapshot	*s;
	const struct search_req	*rq;
	struct topk		 tk;
	struct sortk		 sk;
	struct facets		*fc;
	uint64_t		 n;
	uint32_t		 batch[SEARCH_FACET_BATCH];
	size_t			 nbatch;
	size_t			 batch_seg;
};

static void
search_facet_flush(struct search_sink *k)
{
	if (k->nbatch > 0)
		facets_add(k->fc, k->batch_seg, k->batch, k->nbatch);
	k->nbatch = 0;
}

static void
search_take(struct search_sink *k, size_t i, uint32_t local, double score)
{
	const struct snapshot_seg *seg = &k->s->segs[i];

	k->n++;
	if (k->fc != NULL) {
		if (k->nbatch == SEARCH_FACET_BATCH || (k->nbatch > 0 &&
		    k->batch_seg != i))
			search_facet_flush(k);
		k->batch_seg = i;
		k->batch[k->nbatch++] = local;
	}
	if (k->rq->nsort > 0)
		sortk_push(&k->sk, seg, local, score);
	else
		topk_push(&k->tk, seg->base + local, score);
}

/* The first of docs[at, n) that is >= doc, by galloping. */
static size_t
search_list_seek(const uint32_t *docs, size_t at, size_t n, uint32_t doc)
{
	size_t step = 1, lo = at, hi, mid;

	while (at + step < n && docs[at + step] < doc) {
		lo = at + step;
		step *= 2;
	}
	hi = at + step < n ? at + step : n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (docs[mid] < doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Matches of a selective filter: its list of documents and the query's
 * postings leapfrog each other, so the postings between two of the
 * list's documents are skipped, not read.
 */
static void
search_segment_list(struct search_sink *k, size_t i, struct match_run *r,
    const struct filter_seg *fs, uint32_t id_doc, double *id_score)
{
	const struct snapshot_seg *seg = &k->s->segs[i];
	const uint32_t *docs;
	size_t n, at = 0;
	uint32_t doc;
	int exact;

	docs = filter_seg_docs(fs, &n, &exact);
	while (at < n) {
		if ((doc = match_run_next(r, docs[at])) == POSTINGS_END)
			break;
		if (doc != docs[at]) {
			at = search_list_seek(docs, at, n, doc);
			if (at == n || docs[at] != doc)
				continue;
		}
		at++;
		if (deletes_has(seg->del, doc))
			continue;
		if (seg->base + doc == id_doc)
			*id_score = match_run_score(r);
		else if (exact || filter_match(fs, doc))
			search_take(k, i, doc, match_run_score(r));
	}
}

/* Runs the full-text part on one segment, leaving out the id's document. */
static void
search_segment(struct search_sink *k, size_t i, const struct query *q,
    const struct match_terms *mt, const struct filter_seg *fs,
    uint32_t id_doc, double *id_score)
{
	const struct snapshot_seg *seg = &k->s->segs[i];
	struct match_run *r;
	size_t n;
	uint32_t doc;
	int exact;

	r = match_run_new(seg->ix, q, mt);
	if (fs != NULL && filter_seg_docs(fs, &n, &exact) != NULL) {
		search_segment_list(k, i, r, fs, id_doc, id_score);
		match_run_free(r);
		return;
	}
	for (doc = match_run_next(r, 0); doc != POSTINGS_END;
	    doc = match_run_next(r, doc + 1)) {
		if (deletes_has(seg->del, doc))
			continue;
		if (seg->base + doc == id_doc) {
			*id_score = match_run_score(r);
			continue;
		}
		if (fs != NULL && !filter_match(fs, doc))
			continue;
		search_take(k, i, doc, match_run_score(r));
	}
	match_run_free(r);
}

/* A query without words, with a filter: every document it admits. */
static void
search_segment_all(struct search_sink *k, size_t i,
    const struct filter_seg *fs)
{
	const struct snapshot_seg *seg = &k->s->segs[i];
	const uint32_t *docs;
	size_t n, at;
	uint32_t doc;
	int exact;

	if ((docs = filter_seg_docs(fs, &n, &exact)) != NULL) {
		for (at = 0; at < n; at++)
			if (!deletes_has(seg->del, docs[at]) &&
			    (exact || filter_match(fs, docs[at])))
				search_take(k, i, docs[at], 0);
		return;
	}
	for (doc = 0; doc < seg->ix->ndocs; doc++)
		if (!deletes_has(seg->del, doc) && filter_match(fs, doc))
			search_take(k, i, doc, 0);
}

static void
search_matches(struct search_sink *k, uint32_t id_doc, double *id_score)
{
	const struct snapshot *s = k->s;
	const struct query *q = k->rq->q;
	struct filter_seg *fs = NULL;
	struct search_terms st = { NULL, 0 };
	struct arena a;
	char first[SEARCH_FIRST_BLOCK];
	int words = q != NULL && q->root != NULL;
	size_t i;

	if (!words && k->rq->filter == NULL)
		return;
	arena_init(&a, first, sizeof(first));
	if (words)
		search_terms_init(s, q, &st, &a);
	for (i = 0; i < s->nsegs; i++) {
		if (k->rq->filter != NULL)
			fs = filter_bind(k->rq->filter, s->segs[i].ix);
		if (words)
			search_segment(k, i, q, &st.seg[i], fs, id_doc,
			    id_score);
		else
			search_segment_all(k, i, fs);
		filter_seg_free(fs);
	}
	arena_free(&a);
}

/* The kept hits, after skipping offset, the id's document first. */
static void
search_page(struct search_sink *k, struct index_hit *id_hit,
    struct search_res *res)
{
	const struct search_req *rq = k->rq;
	size_t offset = rq->offset, i, kept;

	res->nhits = 0;
	if (id_hit->doc != INDEX_NO_DOC) {
		if (offset == 0 && rq->limit > 0)
			res->hits[res->nhits++] = *id_hit;
		else if (offset > 0)
			offset--;
	}
	kept = rq->nsort > 0 ? sortk_sort(&k->sk) : topk_sort(&k->tk);
	for (i = offset; i < kept && res->nhits < rq->limit; i++) {
		if (rq->nsort > 0) {
			res->hits[res->nhits].doc = k->sk.hits[i].doc;
			res->hits[res->nhits++].score = k->sk.hits[i].score;
		} else
			res->hits[res->nhits++] = k->tk.hits[i];
	}
}

void
search_exec(const struct snapshot *s, const struct search_req *rq,
    struct search_res *res)
{
	struct search_sink k;
	struct index_hit id_hit;
	const struct snapshot_seg *seg;
	size_t want, ndocs = (size_t)s->ndocs;
	uint32_t local;

	memset(&k, 0, sizeof(k));
	k.s = s;
	k.rq = rq;
	id_hit.doc = rq->value != NULL && rq->filter == NULL &&
	    rq->nsort == 0 ? snapshot_doc_by_id(s, rq->value, rq->value_len) :
	    INDEX_NO_DOC;
	id_hit.score = 0;
	want = (rq->offset > ndocs ? ndocs : rq->offset) +
	    (rq->limit > ndocs ? ndocs : rq->limit);
	if (want > ndocs)
		want = ndocs;
	if (rq->nsort > 0)
		sortk_init(&k.sk, s->schema, rq->sort, rq->nsort, want);
	else
		topk_init(&k.tk, want);
	if (rq->nfacets > 0)
		k.fc = facets_new(s, rq->facets, rq->nfacets);
	search_matches(&k, id_hit.doc, &id_hit.score);
	if (k.fc != NULL)
		search_facet_flush(&k);
	if (id_hit.doc != INDEX_NO_DOC) {
		k.n++;
		if (k.fc != NULL) {
			seg = snapshot_locate(s, id_hit.doc, &local);
			facets_add(k.fc, (size_t)(seg - s->segs), &local, 1);
		}
	}
	res->total = k.n;
	search_page(&k, &id_hit, res);
	res->facets = NULL;
	if (k.fc != NULL) {
		res->facets = xcalloc(rq->nfacets, sizeof(*res->facets));
		facets_finish(k.fc, rq->facet_limit, res->facets);
		facets_free(k.fc);
	}
	if (rq->nsort > 0)
		sortk_free(&k.sk);
	else
		topk_free(&k.tk);
}

void
search_res_free(struct search_res *res, size_t nfacets)
{
	if (res->facets != NULL)
		facets_result_free(res->facets, nfacets);
	free(res->facets);
	res->facets = NULL;
}

size_t
search_run(const struct snapshot *s, const char *value, size_t value_len,
    const struct query *q, size_t offset, size_t limit,
    struct index_hit *hits, uint64_t *total)
{
	struct search_req rq;
	struct search_res res;

	memset(&rq, 0, sizeof(rq));
	rq.value = value;
	rq.value_len = value_len;
	rq.q = q;
	rq.offset = offset;
	rq.limit = limit;
	res.hits = hits;
	search_exec(s, &rq, &res);
	*total = res.total;
	return res.nhits;
}
