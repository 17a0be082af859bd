/*
 * index.h: the in-memory full-text index and its queries.
 *
 * An index is built once per load (index_load or index_builtin) and is then
 * read-only: any number of threads may search it at once without locks.
 * Whoever built it frees it with index_free once no thread uses it any more
 * (the daemon counts references; the index itself does not).
 *
 * The index knows nothing of the wire protocol or of JSON replies: it
 * returns document numbers and scores, and the caller renders them.
 */
#ifndef SEARCHD_INDEX_H
#define SEARCHD_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define INDEX_LIMIT_MAX		1000	/* most hits one query may ask for */
#define INDEX_LIMIT_DEFAULT	10

struct index;
struct query;

struct index_info {
	uint32_t	ndocs;
	uint64_t	nterms;		/* distinct terms */
	uint64_t	npostings;	/* (term, document) pairs */
	size_t		memory;		/* bytes held by the index */
	double		build_seconds;
};

/* A stored document.  Pointers are into the index; valid while it lives. */
struct index_doc {
	const char	*id;
	size_t		 id_len;
	const char	*title;		/* NULL when the line had none */
	size_t		 title_len;
	const char	*text;
	size_t		 text_len;
	/*
	 * The line's other keys, already rendered as JSON members without the
	 * braces ("\"lang\": \"en\", \"year\": 1999"), or NULL when none.
	 */
	const char	*extra;
	size_t		 extra_len;
};

struct index_hit {
	uint32_t	doc;
	double		score;
};

/*
 * Loads JSON Lines files, in order.  On failure returns NULL and writes
 * "FILE:LINE: reason" (or "FILE: reason" for an unreadable file) into err.
 */
struct index	*index_load(const char *const *paths, size_t npaths,
		    char *err, size_t errlen);
/* The tutorial's three documents: "morpheus", "ring" and the dog emoji. */
struct index	*index_builtin(void);
void		 index_free(struct index *);
void		 index_info(const struct index *, struct index_info *);
void		 index_doc(const struct index *, uint32_t, struct index_doc *);

/*
 * Parses a query: words (AND), OR, -word, "a phrase", word*.  Returns NULL
 * and writes the reason into err for a malformed query (unbalanced quote, a
 * lone "-", a bare "*", ...).  A query with no words parses and matches
 * nothing.
 */
struct query	*query_parse(const char *, size_t, char *err, size_t errlen);
void		 query_free(struct query *);

/*
 * Runs a search for value: a document whose id equals value exactly comes
 * first, then the full-text matches of q (which may be NULL when value did
 * not parse) best first, BM25 ranked, ties in corpus order.  Writes at most
 * limit hits after skipping offset into hits; returns how many were written
 * and sets *total to the number of matching documents.
 */
size_t		 index_search(const struct index *, const char *value,
		    size_t value_len, const struct query *q, size_t offset,
		    size_t limit, struct index_hit *hits, uint64_t *total);

/*
 * Appends to out a short plain-text window of the document's text around
 * its first match of q, matched words marked with "[" and "]".  Not JSON
 * escaped.  With q NULL or no match, the start of the text.
 */
void		 index_snippet(const struct index *, const struct query *,
		    uint32_t doc, struct buf *out);

#endif
