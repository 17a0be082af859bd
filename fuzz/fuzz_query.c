/*
 * fuzz_query.c: a search value as search.c handles it: parse it, then run
 * it (or, when it did not parse, the exact-id lookup alone) on the built-in
 * index and cut a snippet for every hit; then the same on the built-in
 * index stemmed in English, and on one with fields (title:word).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "stem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* An index and its snapshot, made at the first input. */
struct fuzz_index {
	struct index	*ix;
	struct snapshot	*snap;
};

static struct fuzz_index plain, stemmed, fielded;

static void
fuzz_index_init(struct fuzz_index *f, const char *lang, int fields)
{
	struct schema *sc;

	if (f->ix != NULL)
		return;
	sc = lang != NULL || fields ? schema_new(lang) : NULL;
	if (fields) {
		schema_add_field(sc, "title", 3, 0.75);
		schema_add_field(sc, "text", 1, 0.5);
	}
	if ((f->ix = import_builtin(sc)) == NULL)
		abort();
	schema_free(sc);
	f->snap = snapshot_of(f->ix);
}

static void
fuzz_search(const struct fuzz_index *f, const char *value, size_t size,
    int exact)
{
	struct index_hit hits[SEARCH_LIMIT_MAX];
	struct query *q;
	struct buf snip;
	uint64_t total;
	char err[256];
	size_t n, i, offset;

	q = query_parse_schema(value, size, f->ix->schema, exact,
	    (uint32_t)(size % 4), err, sizeof(err));
	if (q == NULL && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	/* Vary offset from the input so paging is covered too. */
	offset = size % 4;
	n = search_run(f->snap, value, size, q, offset, SEARCH_LIMIT_MAX, hits,
	    &total);
	if (n > total || n > SEARCH_LIMIT_MAX)
		abort();
	buf_init(&snip);
	for (i = 0; i < n; i++) {
		buf_reset(&snip);
		snippet_write(f->ix, q, hits[i].doc, &snip);
	}
	/* Exactly one hit at most, and only with no offset: limit 1. */
	n = search_run(f->snap, value, size, q, 0, 1, hits, &total);
	if (n > 1)
		abort();
	/* Unstemmed, a term is a word as written: it must match itself. */
	for (i = 0; q != NULL && index_lang(f->ix) == NULL && i < q->nterms; i++)
		if (!query_matches_term(q, q->terms[i]->term,
		    q->terms[i]->term_len))
			abort();
	query_free(q);
	buf_free(&snip);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value;

	fuzz_index_init(&plain, NULL, 0);
	fuzz_index_init(&stemmed, stem_language("english"), 0);
	fuzz_index_init(&fielded, NULL, 1);
	/* The daemon's value is a json-c string: NUL-terminated. */
	value = malloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';
	fuzz_search(&plain, value, size, 0);
	fuzz_search(&stemmed, value, size, size % 2);
	fuzz_search(&fielded, value, size, 0);
	free(value);
	return 0;
}
