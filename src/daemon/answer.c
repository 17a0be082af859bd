/* answer.c: see answer.h. */
#include <string.h>

#include "action.h"
#include "answer.h"
#include "common.h"
#include "jscan.h"
#include "request.h"
#include "utf8.h"

#define ANSWER_BINARY_TYPE	"binary/custom-server-binary-type"
#define ANSWER_BINARY_PREFIX	"First 10 bytes of request: "
#define ANSWER_BINARY_ECHO	10
/* A reply buffer that grew past this is shrunk back after use. */
#define ANSWER_BUF_KEEP		(256 * 1024)

typedef void (*answer_action)(struct request_ctx *,
    const struct request_args *, struct reply *);

static const struct {
	const char	*name;
	answer_action	 fn;
} answer_actions[] = {
	{ "search",	action_search },
	{ "add",	action_add },
	{ "delete",	action_delete },
	{ "ping",	action_ping },
	{ "stats",	action_stats },
	{ "backup",	action_backup },
};

static int
answer_find_action(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	int *defers = arg;

	if (!jscan_string_eq(key, "action"))
		return 0;
	*defers = jscan_string_eq(v, "add") || jscan_string_eq(v, "delete") ||
	    jscan_string_eq(v, "backup");
	return 0;
}

int
answer_defers(const struct frame_msg *m)
{
	int defers = 0;

	if (m->soft_error != NULL ||
	    !frame_str_eq(&m->content_type, "text/json"))
		return 0;
	/* The last "action" wins, as in request_decode. */
	if (jscan_object((const char *)m->content, m->content_length,
	    answer_find_action, &defers) != JSCAN_OK)
		return 0;
	return defers;
}

/* Any other content-type is answered as the tutorial's server does. */
static void
answer_binary(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	size_t n = m->content_length < ANSWER_BINARY_ECHO ?
	    m->content_length : ANSWER_BINARY_ECHO;

	buf_reset(&ctx->content);
	buf_add(&ctx->content, ANSWER_BINARY_PREFIX,
	    sizeof(ANSWER_BINARY_PREFIX) - 1);
	buf_add(&ctx->content, m->content, n);
	r->content_type = ANSWER_BINARY_TYPE;
	r->content_encoding = "binary";
	r->data = ctx->content.data;
	r->len = ctx->content.len;
}

void
answer_message(struct request_ctx *ctx, const struct frame_msg *m,
    struct reply *r)
{
	struct request_args a;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (ctx->content.cap > ANSWER_BUF_KEEP)
		buf_trim(&ctx->content, ANSWER_BUF_KEEP);
	if (m->soft_error != NULL) {
		request_error(ctx, m->soft_error->code,
		    m->soft_error->message, r);
		return;
	}
	if (!frame_str_eq(&m->content_type, "text/json")) {
		answer_binary(ctx, m, r);
		return;
	}
	if (request_decode(ctx, m, &a, r) == -1)
		return;
	request_ctx_refresh(ctx);
	if (a.action.type != JSCAN_STRING) {
		request_error(ctx, "bad_request",
		    "content has no string \"action\"", r);
		return;
	}
	for (i = 0; i < nitems(answer_actions); i++) {
		if (jscan_string_eq(&a.action, answer_actions[i].name)) {
			answer_actions[i].fn(ctx, &a, r);
			return;
		}
	}
	buf_reset(&ctx->value);
	jscan_unescape(&a.action, &ctx->value);
	request_errorf(ctx, r, "bad_action", "invalid action \"%.*s\".",
	    (int)utf8_clip(ctx->value.data, ctx->value.len, 200),
	    ctx->value.data);
}
