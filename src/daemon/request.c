/* request.c: see request.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "jscan.h"
#include "reaper.h"
#include "request.h"
#include "utf8.h"
#include "xmalloc.h"

void
request_ctx_init(struct request_ctx *ctx, struct snapshot_cell *cell)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cell = cell;
	buf_init(&ctx->content);
	buf_init(&ctx->scratch);
	buf_init(&ctx->value);
	ctx->hits = xcalloc(SEARCH_LIMIT_MAX, sizeof(*ctx->hits));
}

/*
 * One atomic load per request while nothing changes; a search that starts
 * after a write was answered therefore sees it, on any worker.
 */
void
request_ctx_refresh(struct request_ctx *ctx)
{
	uint64_t v;

	if (ctx->cell == NULL ||
	    (v = snapshot_version(ctx->cell)) == ctx->version)
		return;
	reaper_release(ctx->snap);
	ctx->snap = snapshot_acquire(ctx->cell);
	ctx->version = v;
}

void
request_ctx_free(struct request_ctx *ctx)
{
	reaper_release(ctx->snap);
	buf_free(&ctx->content);
	buf_free(&ctx->scratch);
	buf_free(&ctx->value);
	free(ctx->hits);
}

void
request_json_reply(struct request_ctx *ctx, struct reply *r)
{
	r->content_type = "text/json";
	r->content_encoding = "utf-8";
	r->data = ctx->content.data;
	r->len = ctx->content.len;
}

/* {"result": "Error: MESSAGE", "error": {"code": ..., "message": ...}} */
void
request_error(struct request_ctx *ctx, const char *code, const char *message,
    struct reply *r)
{
	struct buf *b = &ctx->content;
	size_t mlen = strlen(message);

	buf_reset(b);
	buf_add(b, "{", 1);
	buf_json_key(b, "result");
	buf_reserve(b, mlen + 16);
	buf_reset(&ctx->scratch);
	buf_add(&ctx->scratch, "Error: ", 7);
	buf_add(&ctx->scratch, message, mlen);
	buf_json_string(b, ctx->scratch.data, ctx->scratch.len);
	buf_add(b, ", ", 2);
	buf_json_key(b, "error");
	buf_add(b, "{", 1);
	buf_json_key(b, "code");
	buf_json_string(b, code, strlen(code));
	buf_add(b, ", ", 2);
	buf_json_key(b, "message");
	buf_json_string(b, message, mlen);
	buf_add(b, "}}", 2);
	request_json_reply(ctx, r);
	r->error_code = code;
}

void
request_errorf(struct request_ctx *ctx, struct reply *r, const char *code,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	request_error(ctx, code, msg, r);
}

static int
request_encoding_ok(const char *enc)
{
	return strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0;
}

/*
 * The content-encoding, unescaped and NUL-terminated, in ctx->scratch;
 * one with a NUL inside is replaced by "" so it can match nothing.
 */
static const char *
request_encoding(struct request_ctx *ctx, const struct frame_msg *m)
{
	buf_reset(&ctx->scratch);
	frame_str_copy(&m->content_encoding, &ctx->scratch);
	if (ctx->scratch.len > 0 &&
	    memchr(ctx->scratch.data, '\0', ctx->scratch.len) != NULL)
		buf_reset(&ctx->scratch);
	buf_addc(&ctx->scratch, '\0');
	return ctx->scratch.data;
}

static void
request_args_init(struct request_args *a)
{
	struct jscan_value *v[] = { &a->action, &a->value, &a->limit,
	    &a->offset, &a->doc, &a->docs, &a->id, &a->ids, &a->dir, &a->ret,
	    &a->exact, &a->filter, &a->sort, &a->facets, &a->facet_limit,
	    &a->fields };
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		v[i]->type = JSCAN_NULL;
		v[i]->len = REQUEST_ABSENT;
	}
}

static int
request_member(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct request_args *a = arg;

	if (jscan_string_eq(key, "action"))
		a->action = *v;
	else if (jscan_string_eq(key, "value"))
		a->value = *v;
	else if (jscan_string_eq(key, "limit"))
		a->limit = *v;
	else if (jscan_string_eq(key, "offset"))
		a->offset = *v;
	else if (jscan_string_eq(key, "doc"))
		a->doc = *v;
	else if (jscan_string_eq(key, "docs"))
		a->docs = *v;
	else if (jscan_string_eq(key, "id"))
		a->id = *v;
	else if (jscan_string_eq(key, "ids"))
		a->ids = *v;
	else if (jscan_string_eq(key, "dir"))
		a->dir = *v;
	else if (jscan_string_eq(key, "return"))
		a->ret = *v;
	else if (jscan_string_eq(key, "exact"))
		a->exact = *v;
	else if (jscan_string_eq(key, "filter"))
		a->filter = *v;
	else if (jscan_string_eq(key, "sort"))
		a->sort = *v;
	else if (jscan_string_eq(key, "facets"))
		a->facets = *v;
	else if (jscan_string_eq(key, "facet_limit"))
		a->facet_limit = *v;
	else if (jscan_string_eq(key, "fields"))
		a->fields = *v;
	return 0;
}

int
request_decode(struct request_ctx *ctx, const struct frame_msg *m,
    struct request_args *a, struct reply *r)
{
	const char *enc = request_encoding(ctx, m);
	enum jscan_error e;

	if (!request_encoding_ok(enc)) {
		buf_reset(&ctx->value);
		buf_add(&ctx->value, enc, utf8_clip(enc, strlen(enc), 64));
		buf_addc(&ctx->value, '\0');
		request_errorf(ctx, r, "bad_encoding", "unsupported "
		    "content-encoding \"%s\" (only utf-8)", ctx->value.data);
		return -1;
	}
	request_args_init(a);
	switch ((e = jscan_object((const char *)m->content, m->content_length,
	    request_member, a))) {
	case JSCAN_OK:
		return 0;
	case JSCAN_UTF8:
		request_error(ctx, "bad_utf8", "content is not valid UTF-8", r);
		return -1;
	case JSCAN_NOT_OBJECT:
		request_error(ctx, "bad_request",
		    "content is not a JSON object", r);
		return -1;
	default:
		request_errorf(ctx, r, "bad_json", "content is %s",
		    jscan_strerror(e));
		return -1;
	}
}
