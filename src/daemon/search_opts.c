/* search_opts.c: see search_opts.h. */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "facets.h"
#include "filter.h"
#include "request.h"
#include "search_opts.h"

/* An array of at most max strings, each unescaped into names. */
struct search_list {
	struct buf	 names;		/* NUL-separated */
	size_t		 n;
	size_t		 max;
	int		 bad;		/* 1: not a string, 2: too many */
};

static int
search_list_item(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct search_list *l = arg;

	(void)key;
	if (v->type != JSCAN_STRING || ++l->n > l->max) {
		l->bad = v->type != JSCAN_STRING ? 1 : 2;
		return 1;
	}
	jscan_unescape(v, &l->names);
	buf_addc(&l->names, '\0');
	return 0;
}

/* -1 with the error answered when v is not such a list. */
static int
search_list_read(struct request_ctx *ctx, const struct jscan_value *v,
    const char *what, size_t max, struct search_list *l, struct reply *r)
{
	memset(l, 0, sizeof(*l));
	buf_init(&l->names);
	l->max = max;
	if (v->type == JSCAN_ARRAY && jscan_array(v->p, v->len,
	    search_list_item, l) == JSCAN_OK)
		return 0;
	buf_free(&l->names);
	if (l->bad == 2)
		request_errorf(ctx, r, "bad_request", "\"%s\" may name at most "
		    "%zu", what, max);
	else
		request_errorf(ctx, r, "bad_request", "\"%s\" must be an array "
		    "of strings", what);
	return -1;
}

static int
search_attr(struct request_ctx *ctx, const char *what, const char *name,
    size_t len, struct reply *r)
{
	int at = schema_find(ctx->snap->schema, name, len);

	if (at == -1)
		request_errorf(ctx, r, "bad_request", "%s: unknown attribute "
		    "\"%.*s\"", what, (int)(len > 64 ? 64 : len), name);
	return at;
}

/* "name", "name:asc", "name:desc", "_score" and the same with it. */
static int
search_sort_parse(struct request_ctx *ctx, const struct jscan_value *v,
    struct search_opts *o, struct reply *r)
{
	struct search_list l;
	const char *p, *colon;
	size_t len, off = 0;
	struct sort_key *k;

	if (search_list_read(ctx, v, "sort", SORT_KEYS_MAX, &l, r) == -1)
		return -1;
	for (o->nsort = 0; o->nsort < l.n; o->nsort++) {
		p = l.names.data + off;
		off += strlen(p) + 1;
		k = &o->sort[o->nsort];
		len = strlen(p);
		k->desc = 0;
		if ((colon = strrchr(p, ':')) != NULL) {
			if (strcmp(colon, ":desc") != 0 &&
			    strcmp(colon, ":asc") != 0) {
				request_errorf(ctx, r, "bad_request", "sort: "
				    "\"%.64s\": after \":\", asc or desc", p);
				buf_free(&l.names);
				return -1;
			}
			k->desc = strcmp(colon, ":desc") == 0;
			len = (size_t)(colon - p);
		}
		if (len == 6 && memcmp(p, "_score", 6) == 0) {
			k->attr = SORT_SCORE;
			/* A score sorts best first unless told otherwise. */
			k->desc = colon == NULL || k->desc;
		} else if ((k->attr = search_attr(ctx, "sort", p, len, r)) ==
		    -1) {
			buf_free(&l.names);
			return -1;
		}
	}
	buf_free(&l.names);
	return 0;
}

/* Each attribute once: a reply's facets are members of one object. */
static int
search_facet_twice(struct request_ctx *ctx, const struct search_opts *o,
    const char *name, struct reply *r)
{
	size_t i;

	for (i = 0; i < o->nfacets; i++)
		if (o->facets[i] == o->facets[o->nfacets]) {
			request_errorf(ctx, r, "bad_request", "facets: \"%s\" "
			    "twice", name);
			return 1;
		}
	return 0;
}

static int
search_facets_parse(struct request_ctx *ctx, const struct jscan_value *v,
    struct search_opts *o, struct reply *r)
{
	struct search_list l;
	const char *p;
	size_t off = 0;

	if (search_list_read(ctx, v, "facets", FACETS_MAX, &l, r) == -1)
		return -1;
	for (o->nfacets = 0; o->nfacets < l.n; o->nfacets++) {
		p = l.names.data + off;
		off += strlen(p) + 1;
		if ((o->facets[o->nfacets] = search_attr(ctx, "facets", p,
		    strlen(p), r)) == -1 || search_facet_twice(ctx, o, p, r)) {
			buf_free(&l.names);
			return -1;
		}
	}
	buf_free(&l.names);
	return 0;
}

static int
search_filter_parse(struct request_ctx *ctx, const struct jscan_value *v,
    struct search_opts *o, struct reply *r)
{
	char why[512];

	if (v->type != JSCAN_STRING) {
		request_error(ctx, "bad_request", "\"filter\" must be a string",
		    r);
		return -1;
	}
	buf_reset(&ctx->scratch);
	jscan_unescape(v, &ctx->scratch);
	o->filter = filter_parse(ctx->scratch.data, ctx->scratch.len,
	    ctx->snap->schema, why, sizeof(why));
	if (o->filter == NULL) {
		request_errorf(ctx, r, "bad_filter", "filter: %s", why);
		return -1;
	}
	return 0;
}

/* The fields the query's words are searched in: names of fields. */
static int
search_fields_parse(struct request_ctx *ctx, const struct jscan_value *v,
    struct search_opts *o, struct reply *r)
{
	const struct schema *sc = ctx->snap->schema;
	struct search_list l;
	const char *p;
	size_t i, off = 0;
	int f;

	if (search_list_read(ctx, v, "fields", SCHEMA_FIELDS_MAX, &l, r) == -1)
		return -1;
	for (i = 0; i < l.n; i++) {
		p = l.names.data + off;
		off += strlen(p) + 1;
		if ((f = schema_find_field(sc, p, strlen(p))) == -1) {
			if (sc == NULL || sc->nfields == 0)
				request_errorf(ctx, r, "bad_request", "fields: "
				    "\"%.64s\": no fields are declared (field "
				    "in searchd.conf)", p);
			else
				request_errorf(ctx, r, "bad_request", "fields: "
				    "unknown field \"%.64s\"", p);
			buf_free(&l.names);
			return -1;
		}
		o->fields |= (uint32_t)1 << f;
	}
	buf_free(&l.names);
	return 0;
}

int
search_opts_parse(struct request_ctx *ctx, const struct request_args *a,
    struct search_opts *o, struct reply *r)
{
	const struct jscan_value *lim = &a->facet_limit;

	memset(o, 0, sizeof(*o));
	o->facet_limit = FACETS_LIMIT_DEFAULT;
	if (lim->len != REQUEST_ABSENT) {
		if (lim->type != JSCAN_NUMBER || !lim->fits || lim->i < 0 ||
		    lim->i > FACETS_LIMIT_MAX) {
			request_errorf(ctx, r, "bad_request", "\"facet_limit\" "
			    "must be an integer from 0 to %d",
			    FACETS_LIMIT_MAX);
			return -1;
		}
		o->facet_limit = lim->i;
	}
	if ((a->fields.len != REQUEST_ABSENT &&
	    search_fields_parse(ctx, &a->fields, o, r) == -1) ||
	    (a->sort.len != REQUEST_ABSENT &&
	    search_sort_parse(ctx, &a->sort, o, r) == -1) ||
	    (a->facets.len != REQUEST_ABSENT &&
	    search_facets_parse(ctx, &a->facets, o, r) == -1) ||
	    (a->filter.len != REQUEST_ABSENT &&
	    search_filter_parse(ctx, &a->filter, o, r) == -1)) {
		search_opts_free(o);
		return -1;
	}
	return 0;
}

void
search_opts_free(struct search_opts *o)
{
	filter_free(o->filter);
	o->filter = NULL;
}

static void
search_facet_value(struct buf *b, enum attr_type type,
    const struct facet_count *c)
{
	buf_add(b, "{", 1);
	buf_json_key(b, "value");
	if (type == ATTR_STRING)
		buf_json_string(b, c->v.s, c->v.len);
	else if (type == ATTR_INT)
		buf_json_int(b, c->v.i);
	else
		buf_json_double(b, c->v.f);
	buf_add(b, ", ", 2);
	buf_json_key(b, "count");
	buf_json_uint(b, c->count);
	buf_add(b, "}", 1);
}

void
search_opts_write_facets(struct buf *b, const struct schema *sc,
    const struct search_opts *o, const struct facet_result *fr)
{
	const struct attr_def *a;
	size_t i, k;

	if (o->nfacets == 0)
		return;
	buf_add(b, ", ", 2);
	buf_json_key(b, "facets");
	buf_add(b, "{", 1);
	for (i = 0; i < o->nfacets; i++) {
		a = &sc->attrs[fr[i].attr];
		if (i > 0)
			buf_add(b, ", ", 2);
		buf_json_string(b, a->name, a->name_len);
		buf_add(b, ": {", 3);
		buf_json_key(b, "distinct");
		buf_json_uint(b, fr[i].distinct);
		buf_add(b, ", ", 2);
		buf_json_key(b, "values");
		buf_add(b, "[", 1);
		for (k = 0; k < fr[i].ntop; k++) {
			if (k > 0)
				buf_add(b, ", ", 2);
			search_facet_value(b, a->type, &fr[i].top[k]);
		}
		buf_add(b, "]}", 2);
	}
	buf_add(b, "}", 1);
}
