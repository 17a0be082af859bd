/*
 * build.h: building an index one document at a time.  The builder owns
 * everything until build_finish hands the finished index over (and frees
 * the builder), or build_free throws it all away.
 */
#ifndef SEARCHD_BUILD_H
#define SEARCHD_BUILD_H

#include <stdint.h>

struct build;
struct corpus_doc;
struct index;

struct build	*build_new(void);
/*
 * Adds a document.  Returns 0, or -1 when its id is already taken (by
 * document *dup) or there are too many documents (*dup is INDEX_NO_DOC).
 */
int		 build_add(struct build *, const struct corpus_doc *,
		    uint32_t *dup);
struct index	*build_finish(struct build *);
void		 build_free(struct build *);

#endif
