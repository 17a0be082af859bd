/*
 * snippet.h: the window of a hit's text shown with it.
 */
#ifndef SEARCHD_SNIPPET_H
#define SEARCHD_SNIPPET_H

#include <stdint.h>

#include "buf.h"

struct index;
struct query;

/*
 * Appends to out a short plain-text window of the document's text around
 * its first match of q, matched words marked with "[" and "]".  Not JSON
 * escaped.  With q NULL or no match, the start of the text.
 */
void	snippet_write(const struct index *, const struct query *,
	    uint32_t doc, struct buf *out);

#endif
