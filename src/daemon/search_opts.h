/*
 * search_opts.h: what a search asks for besides its words: "fields",
 * "filter", "sort", "facets" and "facet_limit", read from the request and
 * checked against the index's schema; and the facets of the reply.
 */
#ifndef SEARCHD_SEARCH_OPTS_H
#define SEARCHD_SEARCH_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "facets.h"
#include "sortk.h"

struct buf;
struct filter;
struct reply;
struct request_args;
struct request_ctx;
struct schema;

/* Owned by one answer; search_opts_free frees the filter. */
struct search_opts {
	struct filter	*filter;
	struct sort_key	 sort[SORT_KEYS_MAX];
	size_t		 nsort;
	int		 facets[FACETS_MAX];
	size_t		 nfacets;
	int64_t		 facet_limit;
	uint32_t	 fields;	/* the words' fields; 0: any */
};

/* 0, or -1 with the error reply in r (bad_filter, bad_request). */
int	search_opts_parse(struct request_ctx *, const struct request_args *,
	    struct search_opts *, struct reply *);
void	search_opts_free(struct search_opts *);
/* ", \"facets\": {...}" when facets were asked for. */
void	search_opts_write_facets(struct buf *, const struct schema *,
	    const struct search_opts *, const struct facet_result *);

#endif
