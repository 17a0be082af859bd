/*
 * streams.h: every term's postings while an index is built.
 *
 * A term has two streams in postings.h's format, its doc stream and its
 * position stream.  Each is a chain of chunks, about half as large as the
 * stream so far, cut from mapped slabs of its name's bucket (its first
 * byte).  When all documents are in, each term is placed in the arena in
 * the dictionary's order, and streams_copy moves the streams there a
 * bucket at a time.
 */
#ifndef SEARCHD_STREAMS_H
#define SEARCHD_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "postings.h"

#define STREAMS_DOCS		0	/* a term's doc stream */
#define STREAMS_POS		1	/* and its position stream */
#define STREAMS_BUCKETS		256	/* one per first byte of a name */

/*
 * Where a term's postings go next.  It lives in the builder's term, in a
 * slot of the hash table that is one cache line: keep it small.
 */
struct streams_term {
	uint8_t		*cur[2];	/* STREAMS_DOCS, STREAMS_POS: where */
	uint32_t	 room[2];	/* their next bytes go, how many fit */
	uint32_t	 term;		/* its number */
	uint32_t	 df;
	uint32_t	 next;		/* its last document + 1 */
	uint8_t		 shift[2];	/* log2 of their chunks' size */
	uint8_t		 bucket;	/* its name's first byte */
};

struct streams_dest;
struct streams_skips;
struct streams_slab;

/* Owned by the builder, from streams_init to streams_free. */
struct streams {
	struct streams_skips	**skips;	/* by term number */
	size_t			 skips_cap;
	uint32_t		 nterms;
	struct streams_slab	*slabs;
	size_t			 nslabs;
	size_t			 slabs_cap;
	size_t			 slab[STREAMS_BUCKETS];	/* each one's, + 1 */

	/* Made by streams_place, for streams_copy. */
	struct streams_dest	*dest;		/* by term number */
	uint64_t		 len;		/* of the arena so far */
	size_t			 nskips;
};

void		streams_init(struct streams *);
void		streams_free(struct streams *);
/* Term number t, the next one, whose name starts with byte bucket. */
void		streams_term_new(struct streams *, struct streams_term *,
		    uint32_t t, int bucket);
/* The slow paths of streams_put and streams_posting. */
void		streams_chunk_new(struct streams *, struct streams_term *,
		    int k);
void		streams_skip(struct streams *, struct streams_term *);
/*
 * Gives a term its place in the arena, after the term placed before it,
 * and fills in its postings.  Every term is placed, in the dictionary's
 * order, before streams_copy.
 */
void		streams_place(struct streams *, const struct streams_term *,
		    struct postings *);
/* Moves the placed streams and skips into an empty arena. */
void		streams_copy(struct streams *, struct postings_arena *);

/*
 * Asks for the memory a term's next posting goes to: it is anywhere, and
 * the builder knows a few terms ahead which ones it will write.
 */
static inline void
streams_prefetch(const struct streams_term *st)
{
#if defined(__GNUC__) || defined(__clang__)
	__builtin_prefetch(st->cur[STREAMS_DOCS], 1);
	__builtin_prefetch(st->cur[STREAMS_POS], 1);
#else
	(void)st;
#endif
}

/* Appends a varint to stream k of a term, across chunks if it must. */
static inline void
streams_put(struct streams *s, struct streams_term *st, int k, uint64_t v)
{
	uint8_t tmp[POSTINGS_VARINT_MAX];
	size_t n, i;

	if (st->room[k] >= POSTINGS_VARINT_MAX) {
		n = postings_put_varint(st->cur[k], v);
		st->cur[k] += n;
		st->room[k] -= (uint32_t)n;
		return;
	}
	n = postings_put_varint(tmp, v);
	for (i = 0; i < n; i++) {
		if (st->room[k] == 0)
			streams_chunk_new(s, st, k);
		*st->cur[k]++ = tmp[i];
		st->room[k]--;
	}
}

/*
 * Appends one posting, for a document after the term's last.  Inline: it
 * runs once per distinct word of every document.
 */
static inline void
streams_posting(struct streams *s, struct streams_term *st, uint32_t doc,
    const uint32_t *positions, uint32_t tf)
{
	uint32_t i, prev = 0;

	if (st->df > 0 && st->df % POSTINGS_BLOCK == 0)
		streams_skip(s, st);
	streams_put(s, st, STREAMS_DOCS, (uint64_t)(doc - st->next) << 1 |
	    (tf == 1));
	if (tf != 1)
		streams_put(s, st, STREAMS_DOCS, tf);
	st->next = doc + 1;
	st->df++;
	for (i = 0; i < tf; i++) {
		streams_put(s, st, STREAMS_POS, positions[i] - prev);
		prev = positions[i];
	}
}

#endif
