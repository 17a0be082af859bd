/*
 * request.h: what answering a message needs: the worker's reply context,
 * the JSON members of a request, and error replies.  answer.h picks the
 * action; this file knows nothing of sockets or of how a message was
 * framed.
 */
#ifndef SEARCHD_REQUEST_H
#define SEARCHD_REQUEST_H

#include <stddef.h>

#include "buf.h"
#include "frame.h"
#include "jscan.h"

struct addr_peer;
struct reply;
struct snapshot;
struct snapshot_cell;
struct store;

#define REQUEST_OFFSET_MAX	100000	/* bounds the top-k heap per query */

/*
 * What request_answer needs, owned by one worker and reused for every
 * message it answers: nothing here is shared between threads.
 */
struct request_ctx {
	/* The published snapshot, and the one this worker searches now. */
	struct snapshot_cell	*cell;
	struct snapshot		*snap;
	uint64_t		 version;
	struct store		*store;		/* NULL: data_dir none */
	/* Who is being answered: set by the connection for each message. */
	const struct addr_peer	*peer;
	int			 may_write;
	struct buf		 content;	/* the reply being built */
	struct buf		 scratch;
	struct buf		 value;		/* the request's unescaped value */
	struct index_hit	*hits;		/* SEARCH_LIMIT_MAX entries */
};

/* A member the request did not have: its len. */
#define REQUEST_ABSENT	((size_t)-1)

/*
 * The members of a JSON request that searchd reads, as slices of the
 * content; the last of each name wins, as with json-c.  An absent one has
 * type JSCAN_NULL and len REQUEST_ABSENT.
 */
struct request_args {
	struct jscan_value	action;
	struct jscan_value	value;
	struct jscan_value	limit;
	struct jscan_value	offset;
	struct jscan_value	doc;
	struct jscan_value	docs;
	struct jscan_value	id;
	struct jscan_value	ids;
	struct jscan_value	dir;
	struct jscan_value	ret;		/* "return" */
	struct jscan_value	exact;
	struct jscan_value	filter;
	struct jscan_value	sort;
	struct jscan_value	facets;
	struct jscan_value	facet_limit;
	struct jscan_value	fields;
};

/*
 * A request answered later: a write waits for the log, a backup for its
 * files.  The action that makes one fills in start, render and release;
 * the connection fills in the rest and starts it.  post may be called on
 * any thread once the result is in; the connection then, on its own
 * thread, has it render the reply into ctx->content and releases it.  A
 * connection may have several in flight, but answers nothing else until
 * they are done, so replies keep the order of the requests and a search
 * sees the writes sent before it.
 */
struct deferred {
	void		(*start)(struct deferred *);
	void		(*render)(struct deferred *, struct request_ctx *,
			    struct reply *);
	void		(*release)(struct deferred *);
	void		(*post)(struct deferred *);
	void		*owner;
	struct deferred	*next;		/* on the way back to its thread */
	/* The connection's: its queue, and the request's header "id". */
	struct deferred	*queued;
	int		 done;
	char		*id;
	size_t		 id_len;
};

/* A reply: its content lives in ctx->content until the next answer. */
struct reply {
	const char	*content_type;
	const char	*content_encoding;
	const char	*data;
	size_t		 len;
	const char	*error_code;	/* non-NULL for an error reply */
	struct deferred	*deferred;	/* non-NULL: no reply yet */
};

void	request_ctx_init(struct request_ctx *, struct snapshot_cell *);
/* Takes the published snapshot if it is newer than the one held. */
void	request_ctx_refresh(struct request_ctx *);
void	request_ctx_free(struct request_ctx *);
/*
 * Reads a text/json content's members into args; -1 with the error reply
 * (bad encoding, bad UTF-8, not JSON, not an object) in r.
 */
int	request_decode(struct request_ctx *, const struct frame_msg *,
	    struct request_args *, struct reply *);
/* An error reply: {"result": "Error: ...", "error": {code, message}}. */
void	request_error(struct request_ctx *, const char *code,
	    const char *message, struct reply *);
void	request_errorf(struct request_ctx *, struct reply *, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Points the reply at ctx->content as a text/json content. */
void	request_json_reply(struct request_ctx *, struct reply *);

#endif
