/*
 * match.h: evaluating a parsed query on an index, one document at a time
 * in document order.  A run owns all its cursors and scratch memory, so
 * any number of runs may share one index across threads.
 *
 * A document's score is the sum, over the query's positive terms that it
 * contains, of their BM25 weights; a prefix counts every expanded term the
 * document contains, and a phrase counts each of its words with the word's
 * full frequency in the document (not just the phrase's occurrences).
 *
 * With fields declared the weight is BM25F's: a term's frequency in each
 * field, times the field's weight, over the field's length normalisation
 * 1 - b + b * len / avglen, summed over the fields the term may match in
 * (all, or those its query names), then saturated once as BM25 does:
 * idf * tf (k1 + 1) / (k1 + tf).  The frequencies per field are read off
 * the term's positions, which lie in the fields' ranges (fields.h).
 */
#ifndef SEARCHD_MATCH_H
#define SEARCHD_MATCH_H

#include <stdint.h>

#include "schema.h"

struct index;
struct query;
struct match_run;

/*
 * What a run on one segment needs of the whole snapshot: for each leaf of
 * the query, the segment's range of its terms and each one's idf over
 * every segment's live documents; and BM25's norm of a document length,
 * norm_a + norm_b * dl, from the live average.  The caller owns it, for
 * as long as the run lives.
 */
struct match_terms {
	const uint32_t		*lo;		/* by leaf */
	const uint32_t		*hi;
	const double *const	*idf;		/* by leaf, hi - lo of them */
	double			 norm_a;
	double			 norm_b;
	const struct match_fields *mf;		/* NULL: no fields declared */
};

/* BM25F's constants, by field: norm_a + norm_b * len normalises. */
struct match_fields {
	unsigned	nfl;
	uint32_t	all;		/* the mask of every field */
	double		weight[SCHEMA_FIELDS_MAX];
	double		norm_a[SCHEMA_FIELDS_MAX];
	double		norm_b[SCHEMA_FIELDS_MAX];
};

struct match_run *match_run_new(const struct index *, const struct query *,
		    const struct match_terms *);
/* The next matching document >= target, or POSTINGS_END. */
uint32_t	 match_run_next(struct match_run *, uint32_t target);
/* The score of the document match_run_next last returned. */
double		 match_run_score(struct match_run *);
void		 match_run_free(struct match_run *);

#endif
