/*
 * arena.h: a bump allocator for the many small objects of one short job
 * (a parsed query, a search), freed all at once.  The first block is the
 * caller's, usually inside the object that owns the arena, so a small job
 * makes no call to malloc at all; larger ones chain blocks from the heap.
 */
#ifndef SEARCHD_ARENA_H
#define SEARCHD_ARENA_H

#include <stddef.h>

struct arena_block;

/* Owned by whoever embeds it; arena_free releases the heap blocks. */
struct arena {
	char			*p;	/* next free byte */
	size_t			 left;
	struct arena_block	*heap;	/* blocks from malloc, newest first */
};

void	 arena_init(struct arena *, void *first, size_t size);
/* Zeroed, aligned for any type; never NULL (fatal when out of memory). */
void	*arena_alloc(struct arena *, size_t);
/* A copy of n elements of size bytes each in a new, larger array. */
void	*arena_grow(struct arena *, const void *, size_t n, size_t more,
	    size_t size);
char	*arena_strndup(struct arena *, const char *, size_t);
void	 arena_free(struct arena *);

#endif
