/*
 * facets.h: counting a search's matches by the values of attributes, as
 * Meilisearch's facetDistribution and Xapian's ValueCountMatchSpy do:
 * every match counts, not only the page shown, and a document counts once
 * for each distinct value it has.
 */
#ifndef SEARCHD_FACETS_H
#define SEARCHD_FACETS_H

#include <stddef.h>
#include <stdint.h>

#include "attrs.h"

#define FACETS_MAX		16	/* attributes counted by one search */
#define FACETS_LIMIT_MAX	1000	/* values shown per attribute */
#define FACETS_LIMIT_DEFAULT	10

struct snapshot;

/* A value and its count; a string points into the snapshot. */
struct facet_count {
	struct attr_value	v;
	uint64_t		count;
};

/* The most frequent values of one attribute, most frequent first. */
struct facet_result {
	int			 attr;
	struct facet_count	*top;
	size_t			 ntop;
	uint64_t		 distinct;	/* values counted in all */
};

struct facets;

struct facets	*facets_new(const struct snapshot *, const int *attrs,
		    size_t n);
/*
 * Counts documents of segment seg, each once.  In batches, so that each
 * attribute's column is read in one tight loop; a change of segment
 * costs a pass over its counts, so batches come segment by segment.
 */
void		 facets_add(struct facets *, size_t seg, const uint32_t *docs,
		    size_t n);
/*
 * The top limit values of each attribute, ties in value order, into out
 * (n of them, as facets_new had); free each with facets_result_free.
 */
void		 facets_finish(struct facets *, size_t limit,
		    struct facet_result *out);
void		 facets_free(struct facets *);
void		 facets_result_free(struct facet_result *, size_t n);

#endif
