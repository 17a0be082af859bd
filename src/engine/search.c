/* search.c: see search.h. */

#include <math.h>
#include <string.h>

#include "arena.h"
#include "deletes.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "search.h"
#include "snapshot.h"
#include "topk.h"

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

static void
search_terms_init(const struct snapshot *s, const struct query *q,
    struct search_terms *st, struct arena *a)
{
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
	}
	at = arena_alloc(a, (s->nsegs ? s->nsegs : 1) * sizeof(*at));
	for (leaf = 0; leaf < q->nleaves; leaf++) {
		if (q->leaves[leaf]->prefix)
			search_leaf_prefix(s, st, leaf, at);
		else
			search_leaf_word(s, st, leaf);
	}
}

/* Runs the full-text part on one segment, leaving out the id's document. */
static uint64_t
search_segment(const struct snapshot_seg *seg, const struct query *q,
    const struct match_terms *mt, uint32_t id_doc, struct topk *tk,
    double *id_score)
{
	struct match_run *r;
	uint64_t n = 0;
	uint32_t doc;

	r = match_run_new(seg->ix, q, mt);
	for (doc = match_run_next(r, 0); doc != POSTINGS_END;
	    doc = match_run_next(r, doc + 1)) {
		if (deletes_has(seg->del, doc))
			continue;
		if (seg->base + doc == id_doc) {
			*id_score = match_run_score(r);
			continue;
		}
		n++;
		topk_push(tk, seg->base + doc, match_run_score(r));
	}
	match_run_free(r);
	return n;
}

static uint64_t
search_matches(const struct snapshot *s, const struct query *q,
    uint32_t id_doc, struct topk *tk, double *id_score)
{
	struct search_terms st;
	struct arena a;
	char first[SEARCH_FIRST_BLOCK];
	uint64_t n = 0;
	size_t i;

	if (q == NULL || q->root == NULL)
		return 0;
	arena_init(&a, first, sizeof(first));
	search_terms_init(s, q, &st, &a);
	for (i = 0; i < s->nsegs; i++)
		n += search_segment(&s->segs[i], q, &st.seg[i], id_doc, tk,
		    id_score);
	arena_free(&a);
	return n;
}

size_t
search_run(const struct snapshot *s, const char *value, size_t value_len,
    const struct query *q, size_t offset, size_t limit,
    struct index_hit *hits, uint64_t *total)
{
	struct topk tk;
	struct index_hit id_hit;
	size_t k, i, n = 0, ndocs = (size_t)s->ndocs;

	id_hit.doc = value != NULL ?
	    snapshot_doc_by_id(s, value, value_len) : INDEX_NO_DOC;
	id_hit.score = 0;
	k = offset > ndocs ? ndocs : offset;
	k += limit > ndocs ? ndocs : limit;
	topk_init(&tk, k < ndocs ? k : ndocs);
	*total = search_matches(s, q, id_hit.doc, &tk, &id_hit.score);
	topk_sort(&tk);
	if (id_hit.doc != INDEX_NO_DOC) {
		(*total)++;
		if (offset == 0 && limit > 0)
			hits[n++] = id_hit;
		else if (offset > 0)
			offset--;
	}
	for (i = offset; i < tk.n && n < limit; i++)
		hits[n++] = tk.hits[i];
	topk_free(&tk);
	return n;
}
