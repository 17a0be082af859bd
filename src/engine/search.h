/*
 * search.h: answering a query from a snapshot: the document whose id is
 * the value first, then the full-text matches, BM25 ranked over the live
 * documents of every segment.
 */
#ifndef SEARCHD_SEARCH_H
#define SEARCHD_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

#define SEARCH_LIMIT_MAX	1000	/* most hits one query may ask for */
#define SEARCH_LIMIT_DEFAULT	10

struct facet_result;
struct filter;
struct query;
struct snapshot;
struct sort_key;

/*
 * A search with everything it may ask for.  With a filter, only the
 * documents it admits match, and a query without words (root NULL) lists
 * them all; facets count every match; a sort orders them by its keys
 * (sortk.h).  The exact-id rule holds only without a filter and a sort.
 */
struct search_req {
	const char		*value;
	size_t			 value_len;
	const struct query	*q;
	const struct filter	*filter;
	const struct sort_key	*sort;
	size_t			 nsort;
	const int		*facets;	/* attributes */
	size_t			 nfacets;
	size_t			 facet_limit;
	size_t			 offset;
	size_t			 limit;
};

/* What it found: hits is the caller's, of at least limit entries. */
struct search_res {
	struct index_hit	*hits;
	size_t			 nhits;
	uint64_t		 total;
	struct facet_result	*facets;	/* nfacets, search_res_free */
};

void	search_exec(const struct snapshot *, const struct search_req *,
	    struct search_res *);
void	search_res_free(struct search_res *, size_t nfacets);

/*
 * Runs a search for value: a document whose id equals value exactly comes
 * first, then the full-text matches of q (which may be NULL when value did
 * not parse) best first, BM25 ranked, ties in the order documents were
 * written.  Writes at most limit hits after skipping offset into hits
 * (their doc is a snapshot number); returns how many were written and sets
 * *total to the number of matching documents.
 */
size_t	search_run(const struct snapshot *, const char *value,
	    size_t value_len, const struct query *q, size_t offset,
	    size_t limit, struct index_hit *hits, uint64_t *total);

#endif
