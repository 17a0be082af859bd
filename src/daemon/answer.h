/*
 * answer.h: answering one decoded message: the tutorial's binary echo for
 * any content-type but text/json, otherwise the action the JSON content
 * names (action.h), or the error reply that says why not.
 */
#ifndef SEARCHD_ANSWER_H
#define SEARCHD_ANSWER_H

#include "frame.h"
#include "request.h"

/* The reply's content lives in ctx->content until the next answer. */
void	answer_message(struct request_ctx *, const struct frame_msg *,
	    struct reply *);
/*
 * Whether the message is a request answered later (add, delete, backup):
 * such requests may follow one another while earlier ones are in flight.
 */
int	answer_defers(const struct frame_msg *);

#endif
