/*
 * hits.h: the members a search hit carries, chosen by the request's
 * "return" (as Meilisearch's attributesToRetrieve and Elasticsearch's
 * _source filtering choose them), and writing one hit.
 *
 * By default a hit carries its id, score, title, snippet and the
 * document's other keys, but not its text: a page of ten long documents
 * would otherwise cost more to send than to find.
 */
#ifndef SEARCHD_HITS_H
#define SEARCHD_HITS_H

#include <stddef.h>

#include "jscan.h"

#define HITS_RETURN_MAX		64	/* names one "return" may list */

struct index_hit;
struct query;
struct request_ctx;

/*
 * What each hit carries.  id and score always; names are the document's
 * other keys asked for, slices of the request, valid while it is.
 */
struct hits_return {
	int			title;
	int			snippet;
	int			text;
	int			all_keys;	/* every other key */
	struct jscan_value	names[HITS_RETURN_MAX];
	size_t			nnames;
};

/* The default when a request has no "return". */
void	hits_return_default(struct hits_return *);
/*
 * Reads a "return" member (absent: the default); -1 with the reason in
 * err when it is not an array of at most HITS_RETURN_MAX strings.
 */
int	hits_return_parse(struct hits_return *, const struct jscan_value *,
	    char *err, size_t errlen);
/*
 * Appends one hit to ctx->content.  text_len > 0: the hit's text is
 * already escaped in ctx->content at text_off (the best hit's "result").
 */
void	hits_write(struct request_ctx *, const struct hits_return *,
	    const struct query *, const struct index_hit *, size_t text_off,
	    size_t text_len);

#endif
