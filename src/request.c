/* request.c: see request.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "index.h"
#include "request.h"
#include "stats.h"
#include "xmalloc.h"

#define REQUEST_BINARY_TYPE	"binary/custom-server-binary-type"
#define REQUEST_BINARY_PREFIX	"First 10 bytes of request: "
#define REQUEST_BINARY_ECHO	10
/* A reply buffer that grew past this is shrunk back after use. */
#define REQUEST_BUF_KEEP	(256 * 1024)

typedef void (*request_action)(struct request_ctx *, json_object *,
    struct reply *);

static void	request_ping(struct request_ctx *, json_object *,
		    struct reply *);
static void	request_stats(struct request_ctx *, json_object *,
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
request_ctx_init(struct request_ctx *ctx, json_tokener *tok)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->tok = tok;
	buf_init(&ctx->content);
	buf_init(&ctx->scratch);
	ctx->hits = xcalloc(INDEX_LIMIT_MAX, sizeof(*ctx->hits));
}

void
request_ctx_free(struct request_ctx *ctx)
{
	buf_free(&ctx->content);
	buf_free(&ctx->scratch);
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

/* Decodes a text/json content into an object, or answers the error. */
static json_object *
request_decode(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	json_object *obj;
	enum json_tokener_error jerr;

	if (!request_encoding_ok(m->content_encoding)) {
		request_errorf(ctx, r, "bad_encoding", "unsupported "
		    "content-encoding \"%.64s\" (only utf-8)",
		    m->content_encoding);
		return NULL;
	}
	json_tokener_reset(ctx->tok);
	json_tokener_set_flags(ctx->tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(ctx->tok, (const char *)m->content,
	    (int)m->content_length);
	jerr = json_tokener_get_error(ctx->tok);
	if (obj == NULL || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(ctx->tok) != m->content_length) {
		json_object_put(obj);
		if (jerr == json_tokener_error_parse_utf8_string)
			request_error(ctx, "bad_utf8",
			    "content is not valid UTF-8", r);
		else
			request_errorf(ctx, r, "bad_json", "content is not "
			    "valid JSON: %s", jerr == json_tokener_success ?
			    "bytes after the value" : jerr ==
			    json_tokener_continue ? "truncated" :
			    json_tokener_error_desc(jerr));
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		request_error(ctx, "bad_request",
		    "content is not a JSON object", r);
		return NULL;
	}
	return obj;
}

void
request_answer(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	json_object *obj, *action;
	const char *name;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (ctx->content.cap > REQUEST_BUF_KEEP)
		buf_trim(&ctx->content, REQUEST_BUF_KEEP);
	if (m->soft_error != NULL) {
		request_error(ctx, m->soft_error->code,
		    m->soft_error->message, r);
		return;
	}
	if (strcmp(m->content_type, "text/json") != 0) {
		request_binary(ctx, m, r);
		return;
	}
	if ((obj = request_decode(ctx, m, r)) == NULL)
		return;
	if (!json_object_object_get_ex(obj, "action", &action) ||
	    !json_object_is_type(action, json_type_string)) {
		request_error(ctx, "bad_request",
		    "content has no string \"action\"", r);
		json_object_put(obj);
		return;
	}
	name = json_object_get_string(action);
	for (i = 0; i < sizeof(request_actions) / sizeof(request_actions[0]);
	    i++) {
		if (strcmp(name, request_actions[i].name) == 0) {
			request_actions[i].fn(ctx, obj, r);
			json_object_put(obj);
			return;
		}
	}
	request_errorf(ctx, r, "bad_action", "invalid action \"%.200s\".",
	    name);
	json_object_put(obj);
}

static void
request_ping(struct request_ctx *ctx, json_object *obj, struct reply *r)
{
	buf_reset(&ctx->content);
	buf_adds(&ctx->content, "{\"result\": \"pong\"}");
	request_json_reply(ctx, r);
}

static void
request_stats(struct request_ctx *ctx, json_object *obj, struct reply *r)
{
	buf_reset(&ctx->content);
	buf_add(&ctx->content, "{", 1);
	buf_json_key(&ctx->content, "stats");
	buf_add(&ctx->content, "{", 1);
	stats_write(&ctx->content, ctx->index);
	buf_add(&ctx->content, "}}", 2);
	request_json_reply(ctx, r);
}
