/*
 * action.h: the actions a text/json request may name.  Each reads the
 * members it needs from the decoded request and writes its reply, or an
 * error reply, into ctx->content; answer.c picks one by name.
 */
#ifndef SEARCHD_ACTION_H
#define SEARCHD_ACTION_H

#include "request.h"

/* "search": value, limit, offset (action_search.c). */
void	action_search(struct request_ctx *, const struct request_args *,
	    struct reply *);
/*
 * "add" (doc or docs), "delete" (id or ids) and "backup" (dir), for peers
 * that may write (action_write.c); their replies come later, through a
 * struct deferred.
 */
void	action_add(struct request_ctx *, const struct request_args *,
	    struct reply *);
void	action_delete(struct request_ctx *, const struct request_args *,
	    struct reply *);
void	action_backup(struct request_ctx *, const struct request_args *,
	    struct reply *);
/* "ping" and "stats" (action.c). */
void	action_ping(struct request_ctx *, const struct request_args *,
	    struct reply *);
void	action_stats(struct request_ctx *, const struct request_args *,
	    struct reply *);

#endif
