/* snippet.c: see snippet.h. */

#include <string.h>

#include "index.h"
#include "query.h"
#include "snippet.h"
#include "tokenize.h"
#include "utf8.h"

#define SNIPPET_BYTES		160	/* of text in the window */
#define SNIPPET_CONTEXT		5	/* words kept before the first match */
#define SNIPPET_ELLIPSIS	"\xe2\x80\xa6"

static int
snippet_match(const struct query *q, const struct tokenize *t)
{
	return q != NULL && query_matches_term(q, t->term, t->term_len);
}

/* Where the window starts: a few words before the first match, or 0. */
static size_t
snippet_start(const struct query *q, const char *text, size_t len)
{
	struct tokenize t;
	size_t ring[SNIPPET_CONTEXT + 1], i;

	if (len <= SNIPPET_BYTES || q == NULL)
		return 0;
	tokenize_init(&t, text, len);
	for (i = 0; tokenize_next(&t) == 1; i++) {
		ring[i % (SNIPPET_CONTEXT + 1)] = t.start;
		if (snippet_match(q, &t)) {
			if (i < SNIPPET_CONTEXT)
				return 0;
			return ring[(i - SNIPPET_CONTEXT) %
			    (SNIPPET_CONTEXT + 1)];
		}
	}
	return 0;
}

/*
 * Nothing to mark: the start of the text, cut after the last space that
 * fits, without running the tokenizer over it.
 */
static void
snippet_head(const char *text, size_t len, struct buf *out)
{
	const char *space;
	size_t cut;

	if (len <= SNIPPET_BYTES) {
		buf_add(out, text, len);
		return;
	}
	space = memrchr(text, ' ', SNIPPET_BYTES);
	cut = space != NULL ? (size_t)(space - text) :
	    utf8_clip(text, len, SNIPPET_BYTES);
	buf_add(out, text, cut);
	buf_adds(out, SNIPPET_ELLIPSIS);
}

void
snippet_write(const struct index *ix, const struct query *q, uint32_t doc,
    struct buf *out)
{
	struct tokenize t;
	const char *text;
	size_t len, ws, limit, pos, s, e;
	int m;

	text = index_doc_text(ix, doc, &len);
	if (q == NULL) {
		snippet_head(text, len, out);
		return;
	}
	ws = snippet_start(q, text, len);
	limit = ws + SNIPPET_BYTES;
	if (ws > 0)
		buf_adds(out, SNIPPET_ELLIPSIS);
	pos = ws;
	tokenize_init(&t, text + ws, len - ws);
	while (tokenize_next(&t) == 1) {
		s = ws + t.start;
		e = ws + t.end;
		if (e > limit)
			break;
		m = snippet_match(q, &t);
		buf_add(out, text + pos, s - pos);
		if (m)
			buf_addc(out, '[');
		buf_add(out, text + s, e - s);
		if (m)
			buf_addc(out, ']');
		pos = e;
	}
	if (limit >= len) {
		buf_add(out, text + pos, len - pos);
		return;
	}
	if (pos == ws) {
		pos = utf8_clip(text, len, limit);
		buf_add(out, text + ws, pos - ws);
	}
	buf_adds(out, SNIPPET_ELLIPSIS);
}
