/*
 * sortk.h: keeping the first k hits of a stream in a search's sort order:
 * by attributes (sort.attr) and the score, each ascending or descending,
 * then by score, then by document id, so the order is total and the same
 * across pages, segments and merges.  A document without an attribute
 * sorts after those with it either way; a multi attribute sorts by its
 * smallest value ascending and by its largest descending.  Like topk.h, a
 * bounded heap whose root is the worst hit kept.
 */
#ifndef SEARCHD_SORTK_H
#define SEARCHD_SORTK_H

#include <stddef.h>
#include <stdint.h>

#include "attrs.h"
#include "index.h"

#define SORT_KEYS_MAX		4
#define SORT_SCORE		(-1)	/* sort.attr of "_score" */

struct snapshot_seg;

struct sort_key {
	int	attr;		/* the schema's, or SORT_SCORE */
	int	desc;
};

/* A hit's value of one key; missing when it has none. */
struct sort_value {
	int			 missing;
	struct attr_value	 val;
};

struct sort_hit {
	uint32_t			 doc;	/* the snapshot's number */
	double				 score;
	const struct snapshot_seg	*seg;
	uint32_t			 local;
	struct sort_value		 v[SORT_KEYS_MAX];
};

/* Owns its array; free with sortk_free. */
struct sortk {
	const struct schema	*sc;
	const struct sort_key	*keys;
	size_t			 nkeys;
	int			 has_score;	/* _score is a key */
	struct sort_hit		*hits;
	size_t			 n;
	size_t			 k;
};

void	sortk_init(struct sortk *, const struct schema *,
	    const struct sort_key *, size_t nkeys, size_t k);
void	sortk_push(struct sortk *, const struct snapshot_seg *,
	    uint32_t local, double score);
/* Sorts the kept hits first to last, in place; returns how many. */
size_t	sortk_sort(struct sortk *);
void	sortk_free(struct sortk *);

#endif
