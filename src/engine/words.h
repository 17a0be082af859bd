/*
 * words.h: a document's words, found before it is added to a builder.
 * Tokenizing is the part of indexing that needs no shared state, so the
 * corpus reader does it in its own thread (load.c) and the builder only
 * interns what it is given.
 */
#ifndef SEARCHD_WORDS_H
#define SEARCHD_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Folded forms are zero-padded to this, to be compared a word at a time. */
#define WORDS_PAD	8
/*
 * With a language, each word is indexed twice at its position: as its
 * stem, which queries look up, and as itself after this mark, which exact
 * words (=word) and prefixes look up.  The tokenizer never makes a word
 * that starts with it.  A document's length counts positions, so the
 * marked words do not count.
 */
#define WORDS_EXACT	'='

/* One word: its folded form is len bytes at off in its words' terms. */
struct word {
	uint32_t	hash;		/* hash_bytes of the folded form */
	uint32_t	len;
	uint32_t	off;
	uint32_t	pos;
};

/* Words of one or more documents, owned by whoever tokenizes them. */
struct words {
	struct word	*v;
	size_t		 n;
	size_t		 cap;
	struct buf	 terms;		/* folded forms, zero-padded */
	const char	*lang;		/* stem.h; NULL: words as they are */
	struct fields_doc *fd;		/* made at the first declared field */
};

struct fields_doc;
struct schema;

/*
 * The term of a word as written: WORDS_EXACT, then the folded word cut
 * (on a character boundary) so that the whole is a term of at most
 * TOKENIZE_TERM_MAX bytes, as every term is.  out has room for that.
 */
size_t	words_exact(const char *term, size_t len, char *out);

/* lang is for the words' whole life: an index has one. */
void	words_init(struct words *, const char *lang);
void	words_reset(struct words *);
void	words_free(struct words *);
/*
 * Appends a document's words, the title's (NULL: none) before the text's,
 * and returns how many.
 */
size_t	words_add(struct words *, const char *title, size_t title_len,
	    const char *text, size_t text_len);
/*
 * Appends a document's words under schema sc: its fields in order, each
 * after a gap of one position (fields.h), or, when it declares none,
 * title and text as words_add does.  fl gets each field's length in
 * positions, schema_nfl(sc) of them.  The document's members have been
 * checked (attrs_check).  Returns how many words.
 */
size_t	words_add_doc(struct words *, const struct schema *,
	    const char *title, size_t title_len, const char *text,
	    size_t text_len, const char *extra, size_t extra_len,
	    uint32_t *fl);

#endif
