/* check_engine.h: what the engine's unit tests share. */
#ifndef SEARCHD_CHECK_ENGINE_H
#define SEARCHD_CHECK_ENGINE_H

#include "engine.h"

/* search_run on one index, as the only segment of a snapshot. */
static inline size_t
check_search(struct index *ix, const char *value, size_t len,
    const struct query *q, size_t offset, size_t limit,
    struct index_hit *hits, uint64_t *total)
{
	struct snapshot *s = snapshot_of(ix);
	size_t n;

	n = search_run(s, value, len, q, offset, limit, hits, total);
	snapshot_release(s);
	return n;
}

#endif
