/* search.c: see search.h. */

#include "index.h"
#include "match.h"
#include "search.h"
#include "topk.h"

/* Runs the full-text part, leaving out the document matched by id. */
static uint64_t
search_matches(const struct index *ix, const struct query *q, uint32_t id_doc,
    struct topk *tk, double *id_score)
{
	struct match_run *r;
	uint64_t n = 0;
	uint32_t doc;

	r = match_run_new(ix, q);
	for (doc = match_run_next(r, 0); doc != POSTINGS_END;
	    doc = match_run_next(r, doc + 1)) {
		if (doc == id_doc) {
			*id_score = match_run_score(r);
			continue;
		}
		n++;
		topk_push(tk, doc, match_run_score(r));
	}
	match_run_free(r);
	return n;
}

size_t
search_run(const struct index *ix, const char *value, size_t value_len,
    const struct query *q, size_t offset, size_t limit,
    struct index_hit *hits, uint64_t *total)
{
	struct topk tk;
	struct index_hit id_hit;
	size_t k, i, n = 0;

	id_hit.doc = value != NULL ?
	    index_doc_by_id(ix, value, value_len) : INDEX_NO_DOC;
	id_hit.score = 0;
	k = offset > ix->ndocs ? ix->ndocs : offset;
	k += limit > ix->ndocs ? ix->ndocs : limit;
	topk_init(&tk, k < ix->ndocs ? k : ix->ndocs);
	*total = search_matches(ix, q, id_hit.doc, &tk, &id_hit.score);
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
