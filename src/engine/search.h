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

struct query;
struct snapshot;

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
