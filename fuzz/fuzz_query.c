/*
 * fuzz_query.c: a search value as search.c handles it: parse it, then run
 * it (or, when it did not parse, the exact-id lookup alone) on the built-in
 * index and cut a snippet for every hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct index *ix;
static struct snapshot *snap;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct index_hit hits[SEARCH_LIMIT_MAX];
	struct query *q;
	struct buf snip;
	uint64_t total;
	char err[256], *value;
	size_t n, i, offset;

	if (ix == NULL) {
		if ((ix = import_builtin()) == NULL)
			abort();
		snap = snapshot_of(ix);
	}
	/* The daemon's value is a json-c string: NUL-terminated. */
	value = malloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';

	q = query_parse(value, size, err, sizeof(err));
	if (q == NULL && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	/* Vary offset from the input so paging is covered too. */
	offset = size % 4;
	n = search_run(snap, value, size, q, offset, SEARCH_LIMIT_MAX, hits,
	    &total);
	if (n > total || n > SEARCH_LIMIT_MAX)
		abort();
	buf_init(&snip);
	for (i = 0; i < n; i++) {
		buf_reset(&snip);
		snippet_write(ix, q, hits[i].doc, &snip);
	}
	/* Exactly one hit at most, and only with no offset: limit 1. */
	n = search_run(snap, value, size, q, 0, 1, hits, &total);
	if (n > 1)
		abort();
	if (q != NULL) {
		for (i = 0; i < q->nterms; i++)
			if (!query_matches_term(q, q->terms[i]->term,
			    q->terms[i]->term_len))
				abort();	/* a term must match itself */
		query_free(q);
	}
	buf_free(&snip);
	free(value);
	return 0;
}
