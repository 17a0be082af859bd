/*
 * postings.h: compressed posting lists.
 *
 * A term's postings are two byte streams in the index's arena.  The doc
 * stream holds, per document, varint((doc - prev - 1) << 1 | (tf == 1))
 * followed by varint(tf) when tf is not 1, where prev is the previous
 * document (or -1).  The position stream holds each posting's tf positions
 * as varint deltas.  Every POSTINGS_BLOCK postings a skip entry records
 * where the next block starts in both streams and the block's last
 * document, so a cursor can jump over blocks without decoding them.  Terms
 * with a single block have no skip entries.
 */
#ifndef SEARCHD_POSTINGS_H
#define SEARCHD_POSTINGS_H

#include <stddef.h>
#include <stdint.h>

#define POSTINGS_BLOCK		128
#define POSTINGS_VARINT_MAX	10	/* bytes of the longest varint */
#define POSTINGS_END		UINT32_MAX	/* cursor past its last doc */

/* Where one term's postings live in an arena; owned by the index. */
struct postings {
	uint64_t	doc_off;
	uint64_t	pos_off;
	uint32_t	df;		/* documents */
	uint32_t	skip;		/* first skip entry, if df > block */
};

/* The start of one block of a term's postings; reserved is zero. */
struct postings_skip {
	uint64_t	doc_off;
	uint64_t	pos_off;
	uint32_t	last_doc;	/* last document of the block */
	uint32_t	reserved;
};

/* Every term's postings and skip entries, owned by the index. */
struct postings_arena {
	uint8_t			*data;
	size_t			 len;
	size_t			 cap;
	struct postings_skip	*skips;
	size_t			 nskips;
	size_t			 skips_cap;
};

/*
 * A read position in one term's postings.  Lives on the searcher's stack
 * or scratch memory; points into the index, which must outlive it.
 */
struct postings_cursor {
	const uint8_t			*arena;
	const struct postings_skip	*skips;	/* the term's, or NULL */
	const uint8_t			*dp;	/* next posting */
	const uint8_t			*pp;	/* positions not yet skipped */
	const uint8_t			*cur_pos; /* the current posting's */
	uint32_t			 pskip;	/* positions to skip at pp */
	uint32_t			 pos_read;
	uint32_t			 df;
	uint32_t			 idx;	/* postings decoded so far */
	uint32_t			 next;	/* doc + 1 */
	uint32_t			 doc;
	uint32_t			 tf;
};

uint64_t	postings_get_varint(const uint8_t **);

void		postings_arena_free(struct postings_arena *);

void		postings_cursor_init(struct postings_cursor *,
		    const uint8_t *arena, const struct postings_skip *,
		    const struct postings *);
uint32_t	postings_cursor_next(struct postings_cursor *);
uint32_t	postings_cursor_seek(struct postings_cursor *, uint32_t);
void		postings_cursor_positions(struct postings_cursor *,
		    uint32_t *);

/*
 * Writes v at p, at most POSTINGS_VARINT_MAX bytes; returns how many.
 * Inline: the builder writes every posting with it.
 */
static inline size_t
postings_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

#endif
