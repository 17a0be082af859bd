/*
 * add.h: searchctl add, the bulk import: JSON Lines documents, checked a
 * line at a time, sent in batches of "add" requests with several in flight
 * on one connection (so they are written in file order), with a progress
 * line on a terminal and a summary at the end.  A bad line stops it with
 * FILE:LINE and how many documents were committed before it: every one
 * before it, when the line is not JSON; the batches before its own, when
 * searchd refuses one of its documents.
 */
#ifndef SEARCHD_ADD_H
#define SEARCHD_ADD_H

#include <stddef.h>

#include "addr.h"

/* A batch is sent once it holds this much JSON... */
#define ADD_BATCH_BYTES		(896 * 1024)
/* ...or this many documents. */
#define ADD_BATCH_DOCS		4000
/* Batches in flight: the round trip is hidden, and few wait to resend. */
#define ADD_WINDOW		16
/* The largest request searchd takes by default (max_message_size). */
#define ADD_REQUEST_MAX		(1024 * 1024)

struct client_tls;

struct add_opts {
	const char		*path;		/* "-": standard input */
	struct addr		 addr;
	const struct client_tls	*tls;
	int			 timeout_ms;
	int			 json;		/* print every reply as is */
};

/* Runs the import; returns searchctl's exit status. */
int	add_run(const struct add_opts *);

#endif
