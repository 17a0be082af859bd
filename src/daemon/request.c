/* request.c: see request.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "index.h"
#include "jscan.h"
#include "request.h"
#include "stats.h"
#include "xmalloc.h"

#define REQUEST_BINARY_TYPE	"binary/custom-server-binary-type"
#define REQUEST_BINARY_PREFIX	"First 10 bytes of request: "
#define REQUEST_BINARY_ECHO	10
/* A reply buffer that grew past this is shrunk back after use. */
#define REQUEST_BUF_KEEP	(256 * 1024)

typedef void (*request_action)(struct request_ctx *,
    const struct request_args *, struct reply *);

static void	request_ping(struct request_ctx *, const struct request_args *,
		    struct reply *);
static void	request_stats(struct request_ctx *, const struct request_args *,
		    struct reply *);

static const struct {
	const char	*name;
	request_action	 fn;
} request_actions[] = {
	{ "search",	search_answer },
	{ "ping",	request_ping },
	{ "stats",	request_stats },
};

void
request_ctx_init(struct request_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	buf_init(&ctx->content);
	buf_init(&ctx->scratch);
	buf_init(&ctx->value);
	ctx->hits = xcalloc(INDEX_LIMIT_MAX, sizeof(*ctx->hits));
}

void
request_ctx_free(struct request_ctx *ctx)
{
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

static void
request_binary(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	size_t n = m->content_length < REQUEST_BINARY_ECHO ?
	    m->content_length : REQUEST_BINARY_ECHO;

	buf_reset(&ctx->content);
	buf_add(&ctx->content, REQUEST_BINARY_PREFIX,
	    sizeof(REQUEST_BINARY_PREFIX) - 1);
	buf_add(&ctx->content, m->content, n);
	r->content_type = REQUEST_BINARY_TYPE;
	r->content_encoding = "binary";
	r->data = ctx->content.data;
	r->len = ctx->content.len;
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

/* The longest prefix of at most max bytes that ends on a UTF-8 boundary. */
size_t
request_clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
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
	return 0;
}

/* Reads a text/json content's members, or answers the error. */
static int
request_decode(struct request_ctx *ctx, const struct frame_msg *m,
    struct request_args *a, struct reply *r)
{
	const char *enc = request_encoding(ctx, m);
	enum jscan_error e;

	if (!request_encoding_ok(enc)) {
		buf_reset(&ctx->value);
		buf_add(&ctx->value, enc, request_clip(enc, strlen(enc), 64));
		buf_addc(&ctx->value, '\0');
		request_errorf(ctx, r, "bad_encoding", "unsupported "
		    "content-encoding \"%s\" (only utf-8)", ctx->value.data);
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->action.type = a->value.type = a->limit.type = a->offset.type =
	    JSCAN_NULL;
	a->action.len = REQUEST_ABSENT;
	a->value.len = a->limit.len = a->offset.len = REQUEST_ABSENT;
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

void
request_answer(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	struct request_args a;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (ctx->content.cap > REQUEST_BUF_KEEP)
		buf_trim(&ctx->content, REQUEST_BUF_KEEP);
	if (m->soft_error != NULL) {
		request_error(ctx, m->soft_error->code,
		    m->soft_error->message, r);
		return;
	}
	if (!frame_str_eq(&m->content_type, "text/json")) {
		request_binary(ctx, m, r);
		return;
	}
	if (request_decode(ctx, m, &a, r) == -1)
		return;
	if (a.action.type != JSCAN_STRING) {
		request_error(ctx, "bad_request",
		    "content has no string \"action\"", r);
		return;
	}
	for (i = 0; i < sizeof(request_actions) / sizeof(request_actions[0]);
	    i++) {
		if (jscan_string_eq(&a.action, request_actions[i].name)) {
			request_actions[i].fn(ctx, &a, r);
			return;
		}
	}
	buf_reset(&ctx->value);
	jscan_unescape(&a.action, &ctx->value);
	request_errorf(ctx, r, "bad_action", "invalid action \"%.*s\".",
	    (int)request_clip(ctx->value.data, ctx->value.len, 200),
	    ctx->value.data);
}

static void
request_ping(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	buf_reset(&ctx->content);
	buf_adds(&ctx->content, "{\"result\": \"pong\"}");
	request_json_reply(ctx, r);
}

static void
request_stats(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	buf_reset(&ctx->content);
	buf_add(&ctx->content, "{", 1);
	buf_json_key(&ctx->content, "stats");
	buf_add(&ctx->content, "{", 1);
	stats_write(&ctx->content, ctx->index);
	buf_add(&ctx->content, "}}", 2);
	request_json_reply(ctx, r);
}
