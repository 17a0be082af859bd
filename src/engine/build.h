/*
 * build.h: building an index one document at a time.  The builder owns
 * everything until build_finish hands the finished index over (and frees
 * the builder), or build_free throws it all away.
 *
 * A document's words can be found ahead of the builder, in another thread
 * (words.h): build_add_doc adds a document with its words, build_add finds
 * them itself.
 */
#ifndef SEARCHD_BUILD_H
#define SEARCHD_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "words.h"

struct build;
struct corpus_doc;
struct index;
struct schema;

/*
 * A document to add.  The strings need not end in a NUL; title is NULL
 * when the line had none.  words, terms and fl are its words and field
 * lengths, as words_add_doc gave them with the builder's schema (the
 * builder reads the padding too).
 */
struct build_doc {
	const char		*id;
	size_t			 id_len;
	const char		*title;
	size_t			 title_len;
	const char		*text;
	size_t			 text_len;
	const char		*extra;
	size_t			 extra_len;
	const struct word	*words;
	size_t			 nwords;
	const char		*terms;
	uint32_t		 fl[SCHEMA_FIELDS_MAX];	/* words_add_doc's */
};

/*
 * A builder of an index with schema sc (NULL: none), whose words are
 * stemmed in its language and whose documents' attributes it has checked.
 */
struct build	*build_new(struct schema *sc);
/*
 * A builder sized for about this many words, for the many small builds
 * of a live index: its term table is kept, per thread, for the next one.
 */
struct build	*build_new_sized(size_t words, struct schema *sc);
/* Unmaps the term table this thread keeps; due before the thread ends. */
void		 build_cache_free(void);
/*
 * Adds a document.  Returns 0, or -1 when its id is already taken (by
 * document *dup) or there are too many documents (*dup is INDEX_NO_DOC).
 */
int		 build_add(struct build *, const struct corpus_doc *,
		    uint32_t *dup);
int		 build_add_doc(struct build *, const struct build_doc *,
		    uint32_t *dup);
struct index	*build_finish(struct build *);
void		 build_free(struct build *);

#endif
