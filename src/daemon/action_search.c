/*
 * action_search.c: the "search" action: reads value, limit, offset,
 * exact, return, filter, sort and facets, runs the query on the worker's
 * index and renders the hits as the reply.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "action.h"
#include "elapsed.h"
#include "engine.h"
#include "hits.h"
#include "search_opts.h"
#include "request.h"

/* An optional integer member in [0, max]; -1 (error answered) if bad. */
static int
search_int(struct request_ctx *ctx, const struct jscan_value *v,
    const char *key, int64_t def, int64_t max, int64_t *out, struct reply *r)
{
	*out = def;
	if (v->len == REQUEST_ABSENT)
		return 0;
	if (v->type != JSCAN_NUMBER || !v->fits || v->i < 0 || v->i > max) {
		request_errorf(ctx, r, "bad_request", "\"%s\" must be an "
		    "integer from 0 to %lld", key, (long long)max);
		return -1;
	}
	*out = v->i;
	return 0;
}

static void
search_req_fill(struct search_req *rq, const char *value, size_t len,
    const struct query *q, const struct search_opts *o, size_t offset,
    size_t limit)
{
	memset(rq, 0, sizeof(*rq));
	rq->value = value;
	rq->value_len = len;
	rq->q = q;
	rq->filter = o->filter;
	rq->sort = o->sort;
	rq->nsort = o->nsort;
	rq->facets = o->facets;
	rq->nfacets = o->nfacets;
	rq->facet_limit = (size_t)o->facet_limit;
	rq->offset = offset;
	rq->limit = limit;
}

/* Writes "result"; returns the length of the escaped text it wrote. */
static size_t
search_result(struct request_ctx *ctx, const char *value, size_t len,
    size_t nhits, uint64_t total)
{
	struct buf *b = &ctx->content;
	struct index_doc doc;
	size_t start;

	buf_json_key(b, "result");
	start = b->len;
	if (nhits > 0) {
		snapshot_doc(ctx->snap, ctx->hits[0].doc, &doc);
		buf_json_string(b, doc.text, doc.text_len);
		return b->len - start;
	} else if (total == 0) {
		buf_reset(&ctx->scratch);
		buf_add(&ctx->scratch, "No match for \"", 14);
		buf_add(&ctx->scratch, value, len);
		buf_add(&ctx->scratch, "\".", 2);
		buf_json_string(b, ctx->scratch.data, ctx->scratch.len);
	} else
		buf_json_string(b, "", 0);
	return 0;
}

void
action_search(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	struct hits_return ret;
	struct search_opts o;
	struct search_req rq;
	struct search_res res;
	struct query *q;
	struct timespec t0, t1;
	struct buf *b = &ctx->content;
	const char *value;
	char why[256];
	int64_t limit, offset;
	size_t len, i, text_off, text_len;

	if (a->value.type != JSCAN_STRING) {
		request_error(ctx, "bad_request",
		    "search needs a string \"value\"", r);
		return;
	}
	if (search_int(ctx, &a->limit, "limit", SEARCH_LIMIT_DEFAULT,
	    SEARCH_LIMIT_MAX, &limit, r) == -1 ||
	    search_int(ctx, &a->offset, "offset", 0, REQUEST_OFFSET_MAX,
	    &offset, r) == -1)
		return;
	if (hits_return_parse(&ret, &a->ret, why, sizeof(why)) == -1) {
		request_error(ctx, "bad_request", why, r);
		return;
	}
	if (a->exact.len != REQUEST_ABSENT && a->exact.type != JSCAN_TRUE &&
	    a->exact.type != JSCAN_FALSE) {
		request_error(ctx, "bad_request", "\"exact\" must be true or "
		    "false", r);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (search_opts_parse(ctx, a, &o, r) == -1)
		return;
	buf_reset(&ctx->value);
	jscan_unescape(&a->value, &ctx->value);
	buf_addc(&ctx->value, '\0');
	value = ctx->value.data;
	len = ctx->value.len - 1;

	q = query_parse_schema(value, len, ctx->snap->schema,
	    a->exact.type == JSCAN_TRUE, o.fields, why, sizeof(why));
	/* Only the exact-id rule answers a query that does not parse. */
	if (q == NULL && (o.filter != NULL || o.nsort > 0)) {
		request_errorf(ctx, r, "bad_query", "%s", why);
		search_opts_free(&o);
		return;
	}
	search_req_fill(&rq, value, len, q, &o, (size_t)offset, (size_t)limit);
	res.hits = ctx->hits;
	search_exec(ctx->snap, &rq, &res);
	if (q == NULL && res.total == 0) {
		request_errorf(ctx, r, "bad_query", "%s", why);
		search_res_free(&res, o.nfacets);
		search_opts_free(&o);
		return;
	}

	buf_reset(b);
	buf_add(b, "{", 1);
	text_off = b->len + sizeof("\"result\": ") - 1;
	text_len = search_result(ctx, value, len, res.nhits, res.total);
	buf_add(b, ", ", 2);
	buf_json_key(b, "hits");
	buf_add(b, "[", 1);
	for (i = 0; i < res.nhits; i++) {
		if (i > 0)
			buf_add(b, ", ", 2);
		hits_write(ctx, &ret, q, &ctx->hits[i], text_off,
		    i == 0 ? text_len : 0);
	}
	buf_add(b, "], ", 3);
	buf_json_key(b, "total");
	buf_json_uint(b, res.total);
	search_opts_write_facets(b, ctx->snap->schema, &o, res.facets);
	buf_add(b, ", ", 2);
	buf_json_key(b, "took_us");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	buf_json_uint(b, elapsed_us(&t0, &t1));
	buf_add(b, "}", 1);
	query_free(q);
	search_res_free(&res, o.nfacets);
	search_opts_free(&o);
	request_json_reply(ctx, r);
}
