/*
 * deletes.h: which documents of one index are deleted, as of one snapshot,
 * and how many deleted documents contain each term, so that N, avgdl and
 * every document frequency count live documents only.
 *
 * A struct deletes is immutable once anyone else holds it (a snapshot, a
 * merge, the store's record of what it saved).  A writer makes the next
 * one with deletes_copy, which shares every page with the old
 * one, and marks documents in the copy: only the pages it changes are
 * copied, so a delete costs a few kilobytes, not the segment's size.
 * Pages with nothing in them are not allocated.  Counted references: each
 * snapshot holds one, and the last deletes_free frees.
 */
#ifndef SEARCHD_DELETES_H
#define SEARCHD_DELETES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "words.h"

struct index;

#define DELETES_BITS_SHIFT	15	/* a bitmap page covers 32768 docs */
#define DELETES_DF_SHIFT	10	/* a count page covers 1024 terms */

struct deletes_page {
	_Atomic unsigned	refs;
	uint64_t		v[];	/* bitmap words, or two counts each */
};

struct deletes {
	_Atomic unsigned	  refs;
	uint32_t		  ndocs;	/* of the index */
	uint32_t		  nterms;
	uint32_t		  count;	/* documents deleted */
	uint64_t		  dl;		/* and their words */
	uint64_t		  fl[SCHEMA_FIELDS_MAX];	/* by field */
	struct deletes_page	**bits;		/* by doc >> DELETES_BITS_SHIFT */
	struct deletes_page	**df;		/* by term >> DELETES_DF_SHIFT */
};

/* Scratch for marking; one per writer, reused. */
struct deletes_scratch {
	struct words	 words;
	uint32_t	*terms;
	size_t		 cap;
};

struct deletes	*deletes_new(const struct index *);
/* A new, unpublished struct that shares the old one's pages. */
struct deletes	*deletes_copy(const struct deletes *);
struct deletes	*deletes_retain(struct deletes *);
void		 deletes_free(struct deletes *);
/*
 * Whether another reference exists, so that marking must copy first.  Only
 * the writer, which holds one, takes new ones: a 1 cannot become more.
 */
int		 deletes_shared(const struct deletes *);

/*
 * Marks a document deleted, counting its words and terms; 0, or -1 if it
 * was deleted already.  Only on a struct no snapshot holds yet.
 */
int		 deletes_mark(struct deletes *, const struct index *,
		    uint32_t doc, struct deletes_scratch *);
void		 deletes_scratch_init(struct deletes_scratch *);
void		 deletes_scratch_free(struct deletes_scratch *);

/*
 * For reading a saved copy back: sets a document's bit, with its words,
 * and a term's count, as they were counted when the copy was saved.
 */
void		 deletes_set(struct deletes *, const struct index *,
		    uint32_t doc);
void		 deletes_set_df(struct deletes *, uint32_t t, uint32_t n);

/* How many deleted documents contain term t. */
uint32_t	 deletes_df(const struct deletes *, uint32_t t);

/* Whether doc is deleted; d may be NULL (none is).  Inline: every match. */
static inline int
deletes_has(const struct deletes *d, uint32_t doc)
{
	const struct deletes_page *p;

	if (d == NULL || d->count == 0)
		return 0;
	p = d->bits[doc >> DELETES_BITS_SHIFT];
	if (p == NULL)
		return 0;
	doc &= (1u << DELETES_BITS_SHIFT) - 1;
	return (p->v[doc >> 6] >> (doc & 63)) & 1;
}

#endif
