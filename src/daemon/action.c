/* action.c: the small actions, "ping" and "stats"; see action.h. */
#include "action.h"
#include "stats.h"

void
action_ping(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	buf_reset(&ctx->content);
	buf_adds(&ctx->content, "{\"result\": \"pong\"}");
	request_json_reply(ctx, r);
}

void
action_stats(struct request_ctx *ctx, const struct request_args *a,
    struct reply *r)
{
	buf_reset(&ctx->content);
	buf_add(&ctx->content, "{", 1);
	buf_json_key(&ctx->content, "stats");
	buf_add(&ctx->content, "{", 1);
	stats_write(&ctx->content, ctx->snap, ctx->store);
	buf_add(&ctx->content, "}}", 2);
	request_json_reply(ctx, r);
}
