/*
 * fuzz_filter.c: a search's filter as action_search.c hands it to the
 * engine: parsed against a schema of every type, then run, with a sort
 * and facets, over a small index of documents with and without each
 * attribute; a filter that parses must also match exactly the documents
 * filter_match says, in every segment it is bound to.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "build.h"
#include "corpus.h"
#include "engine.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct schema *sc;
static struct index *ix;
static struct snapshot *snap;

static const char *const extras[] = {
	"\"lang\": \"en\", \"year\": 2020, \"price\": 1.5, "
	    "\"tags\": [\"a\", \"b\", \"a\"], \"nums\": [1, -2]",
	"\"lang\": \"fr\", \"year\": -7, \"tags\": []",
	"\"price\": -0.0, \"nums\": [9223372036854775807]",
	"",
	"\"lang\": \"\", \"year\": null, \"tags\": [\"x y\", \"\\\"q\"]",
};

static void
fuzz_filter_init(void)
{
	struct corpus_doc cd;
	struct build *b;
	char id[16];
	uint32_t dup;
	size_t i;

	sc = schema_new(NULL);
	schema_add(sc, "lang", ATTR_STRING, 0);
	schema_add(sc, "year", ATTR_INT, 0);
	schema_add(sc, "price", ATTR_FLOAT, 0);
	schema_add(sc, "tags", ATTR_STRING, 1);
	schema_add(sc, "nums", ATTR_INT, 1);
	b = build_new(sc);
	for (i = 0; i < 2 * sizeof(extras) / sizeof(extras[0]); i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		buf_adds(&cd.extra, extras[i % (sizeof(extras) /
		    sizeof(extras[0]))]);
		snprintf(id, sizeof(id), "d%zu", i);
		cd.id = id;
		cd.id_len = strlen(id);
		cd.text = i % 2 ? "alpha beta" : "alpha";
		cd.text_len = strlen(cd.text);
		if (build_add(b, &cd, &dup) == -1)
			abort();
		buf_free(&cd.extra);
	}
	ix = build_finish(b);
	snap = snapshot_of(ix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sort_key sort[] = { { 3, 1 }, { 2, 0 },
	    { SORT_SCORE, 0 }, { 0, 1 } };
	static const int facets[] = { 0, 1, 2, 3, 4 };
	struct index_hit hits[64];
	struct search_req rq;
	struct search_res res;
	struct filter_seg *fs;
	struct filter *f;
	struct query *q;
	char err[512];
	uint64_t n = 0;
	uint32_t doc;

	if (sc == NULL)
		fuzz_filter_init();
	f = filter_parse((const char *)data, size, sc, err, sizeof(err));
	if (f == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL ||
		    (strncmp(err, "at ", 3) != 0 &&
		    strncmp(err, "longer", 6) != 0))
			abort();
		return 0;
	}
	fs = filter_bind(f, ix);
	for (doc = 0; doc < ix->ndocs; doc++)
		n += filter_match(fs, doc) != 0;
	filter_seg_free(fs);
	q = query_parse(size % 2 ? "alpha" : "", size % 2 ? 5 : 0, NULL, 0,
	    err, sizeof(err));
	memset(&rq, 0, sizeof(rq));
	rq.q = q;
	rq.filter = f;
	rq.sort = sort;
	rq.nsort = size % 5;
	rq.facets = facets;
	rq.nfacets = size % 6;
	rq.facet_limit = size % 4;
	rq.limit = 64;
	res.hits = hits;
	search_exec(snap, &rq, &res);
	if (res.total != n || res.nhits != n)
		abort();
	search_res_free(&res, rq.nfacets);
	query_free(q);
	filter_free(f);
	return 0;
}
