/* topk.c: see topk.h. */

#include <stdlib.h>

#include "topk.h"
#include "xmalloc.h"

static int
topk_better(const struct index_hit *a, const struct index_hit *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	return a->doc < b->doc;
}

void
topk_init(struct topk *tk, size_t k)
{
	tk->hits = xreallocarray(NULL, k ? k : 1, sizeof(*tk->hits));
	tk->n = 0;
	tk->k = k;
}

void
topk_free(struct topk *tk)
{
	free(tk->hits);
	tk->hits = NULL;
	tk->n = tk->k = 0;
}

static void
topk_up(struct topk *tk, size_t i)
{
	struct index_hit h = tk->hits[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!topk_better(&tk->hits[parent], &h))
			break;
		tk->hits[i] = tk->hits[parent];
		i = parent;
	}
	tk->hits[i] = h;
}

static void
topk_down(struct topk *tk, size_t i)
{
	struct index_hit h = tk->hits[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= tk->n)
			break;
		if (c + 1 < tk->n && topk_better(&tk->hits[c], &tk->hits[c + 1]))
			c++;
		if (!topk_better(&h, &tk->hits[c]))
			break;
		tk->hits[i] = tk->hits[c];
		i = c;
	}
	tk->hits[i] = h;
}

void
topk_push(struct topk *tk, uint32_t doc, double score)
{
	struct index_hit h = { doc, score };

	if (tk->n < tk->k) {
		tk->hits[tk->n++] = h;
		topk_up(tk, tk->n - 1);
	} else if (tk->k > 0 && topk_better(&h, &tk->hits[0])) {
		tk->hits[0] = h;
		topk_down(tk, 0);
	}
}

static int
topk_cmp(const void *a, const void *b)
{
	if (topk_better(a, b))
		return -1;
	return topk_better(b, a);
}

size_t
topk_sort(struct topk *tk)
{
	qsort(tk->hits, tk->n, sizeof(*tk->hits), topk_cmp);
	return tk->n;
}
