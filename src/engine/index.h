/*
 * index.h: one built index (a segment, when there are several) and the
 * read-only accessors every part of the engine above it uses: documents,
 * the id table, the dictionary.
 *
 * An index is made by the builder (build.h), a merge (merge.h) or read
 * from a segment file, and is then read-only: any number of threads may
 * read it at once without locks.  It counts references: whoever made it
 * holds the first, each snapshot that lists it one more, and the last
 * index_free frees it.
 */
#ifndef SEARCHD_INDEX_H
#define SEARCHD_INDEX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "postings.h"
#include "schema.h"

struct attr_col;

/* Okapi BM25 as Lucene, FTS5 and Xapian ship it by default. */
#define INDEX_BM25_K1		1.2
#define INDEX_BM25_B		0.75

#define INDEX_NO_TITLE		UINT32_MAX	/* title_len of a doc without */
#define INDEX_NO_DOC		UINT32_MAX
#define INDEX_NO_SLOT		UINT64_MAX	/* empty slot of the id table */
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

/*
 * One term of the dictionary, which is sorted by name.  It is a record of
 * segment files too, so it has no padding: reserved is zero.
 */
struct index_term {
	uint64_t	name_off;
	uint32_t	name_len;
	uint32_t	reserved;
	struct postings	postings;
};

/*
 * The arrays are allocated by whoever made the index and freed with it,
 * or they point into a mapped segment file (map), unmapped with it.
 */
struct index {
	_Atomic unsigned	 refs;
	struct index_docrec	*docs;
	uint32_t		 ndocs;
	char			*text;
	size_t			 text_len;
	/*
	 * Per document, its length in positions for BM25's norm: nfl of
	 * them, one per field, at dl[doc * nfl] (index_fl).
	 */
	uint32_t		*dl;
	uint32_t		 nfl;		/* schema_nfl of its schema */
	uint64_t		 total_dl;	/* all of them */
	uint64_t		 total_fl[SCHEMA_FIELDS_MAX];	/* by field */
	/*
	 * Open addressing on the ids' hashes: each slot is index_id_slot()
	 * or INDEX_NO_SLOT.  A probe compares hashes before it reads an id,
	 * so looking up a missing id (every add asks every segment) touches
	 * one cache line.
	 */
	uint64_t		*ids;
	size_t			 ids_mask;
	struct index_term	*terms;
	uint32_t		 nterms;
	char			*names;
	size_t			 names_len;
	struct postings_arena	 postings;
	uint64_t		 npostings;
	size_t			 memory;
	double			 build_seconds;
	void			*map;		/* NULL: the arrays are heap */
	size_t			 map_len;
	/*
	 * What it was made with (a reference; NULL: the empty schema), set
	 * by whoever made it: not in segment files, whose data_dir's
	 * MANIFEST names the language once for all.
	 */
	struct schema		*schema;
	/* By the schema's attributes; NULL when it has none (attrs.h). */
	struct attr_col		*cols;
};

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

/* A document and its score, as searches and their top-k heaps keep them. */
struct index_hit {
	uint32_t	doc;
	double		score;
};

/* Another reference; index_free drops one, and the last frees. */
struct index	*index_retain(struct index *);
void		 index_free(struct index *);
void		 index_info(const struct index *, struct index_info *);
/* Sets memory to the bytes its arrays hold, for whoever made it. */
void		 index_account(struct index *);
void		 index_doc(const struct index *, uint32_t, struct index_doc *);
const char	*index_doc_text(const struct index *, uint32_t, size_t *);
/* An id table slot: the id's hash_bytes above its document's number. */
static inline uint64_t
index_id_slot(uint32_t hash, uint32_t doc)
{
	return (uint64_t)hash << 32 | doc;
}

/* The document with this id, or INDEX_NO_DOC. */
uint32_t	 index_doc_by_id(const struct index *, const char *, size_t);
/* The same, given hash_bytes of the id: for a search of many segments. */
uint32_t	 index_doc_by_hash(const struct index *, const char *, size_t,
		    uint32_t);
/* The range [*lo, *hi) of terms equal to, or starting with, a string. */
void		 index_term_range(const struct index *, const char *, size_t,
		    int prefix, uint32_t *lo, uint32_t *hi);
/*
 * A name's first 8 bytes as a big-endian number, zero-padded: names
 * compare as their keys do unless both keys are equal, which needs both
 * names to be 8 bytes or longer.  Sorting and merging dictionaries
 * compare keys and call memcmp only on a tie.
 */
static inline uint64_t
index_name_key(const char *s, size_t len)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		k = k << 8 | (i < len ? (unsigned char)s[i] : 0);
	return k;
}

/* The stemmer its words went through (stem.h; NULL: none). */
static inline const char *
index_lang(const struct index *ix)
{
	return schema_lang(ix->schema);
}

/* A document's field lengths, nfl of them. */
static inline const uint32_t *
index_fl(const struct index *ix, uint32_t doc)
{
	return ix->dl + (size_t)doc * ix->nfl;
}

/* A term's name, not NUL-terminated. */
static inline const char *
index_term_name(const struct index *ix, uint32_t t, size_t *len)
{
	*len = ix->terms[t].name_len;
	return ix->names + ix->terms[t].name_off;
}

#endif
