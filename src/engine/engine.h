/*
 * engine.h: the layout of a built index, shared by the engine's own files
 * (build.c fills it, index.c and match.c read it, snippet.c cuts its text).
 * The daemon sees only index.h.
 */
#ifndef SEARCHD_ENGINE_H
#define SEARCHD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "postings.h"

/* Okapi BM25 as Lucene, FTS5 and Xapian ship it by default. */
#define INDEX_BM25_K1		1.2
#define INDEX_BM25_B		0.75

#define INDEX_NO_TITLE		UINT32_MAX	/* title_len of a doc without */
#define INDEX_NO_DOC		UINT32_MAX	/* empty slot of the id table */
#define INDEX_DOCS_MAX		(UINT32_MAX - 1)

/*
 * One document.  Its id, title (if any), text and extra members follow
 * each other at off in the text arena, each ending in a NUL.
 */
struct index_docrec {
	uint64_t	off;
	uint32_t	id_len;
	uint32_t	title_len;
	uint32_t	text_len;
	uint32_t	extra_len;
};

/* One term of the dictionary, which is sorted by name. */
struct index_term {
	uint64_t	name_off;
	uint32_t	name_len;
	struct postings	postings;
};

/* Everything is allocated by build_finish and freed by index_free. */
struct index {
	struct index_docrec	*docs;
	uint32_t		 ndocs;
	char			*text;
	size_t			 text_len;
	/* Per document, BM25's k1 * (1 - b + b * dl / avgdl). */
	double			*norms;
	/* Open addressing on the ids: document numbers or INDEX_NO_DOC. */
	uint32_t		*ids;
	size_t			 ids_mask;
	struct index_term	*terms;
	uint32_t		 nterms;
	char			*names;
	size_t			 names_len;
	struct postings_arena	 postings;
	uint64_t		 npostings;
	size_t			 memory;
	double			 build_seconds;
};

uint32_t	index_hash(const char *, size_t);
uint32_t	index_find_id(const struct index *, const char *, size_t);
/* The range [*lo, *hi) of terms equal to, or starting with, a string. */
void		index_term_range(const struct index *, const char *, size_t,
		    int prefix, uint32_t *lo, uint32_t *hi);
double		index_idf(const struct index *, uint32_t df);
const char	*index_doc_text(const struct index *, uint32_t, size_t *);

#endif
