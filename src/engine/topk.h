/*
 * topk.h: keeping the best k hits of a stream without sorting it all: a
 * bounded min-heap whose root is the worst hit kept.  Better means a
 * higher score, then (ties) a lower document number, i.e. corpus order.
 */
#ifndef SEARCHD_TOPK_H
#define SEARCHD_TOPK_H

#include <stddef.h>

#include "index.h"

/* Owns its array; free with topk_free. */
struct topk {
	struct index_hit	*hits;
	size_t			 n;
	size_t			 k;
};

void	topk_init(struct topk *, size_t k);
void	topk_push(struct topk *, uint32_t doc, double score);
/* Sorts the kept hits best first, in place; returns how many. */
size_t	topk_sort(struct topk *);
void	topk_free(struct topk *);

#endif
