/* arena.c: see arena.h. */

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "xmalloc.h"

#define ARENA_ALIGN	alignof(max_align_t)
#define ARENA_BLOCK	4096	/* smallest heap block */

struct arena_block {
	struct arena_block	*next;
	alignas(max_align_t) char data[];
};

void
arena_init(struct arena *a, void *first, size_t size)
{
	uintptr_t p = (uintptr_t)first;
	size_t skip = (ARENA_ALIGN - p % ARENA_ALIGN) % ARENA_ALIGN;

	a->p = (char *)first + (skip < size ? skip : size);
	a->left = skip < size ? size - skip : 0;
	a->heap = NULL;
}

static void
arena_add_block(struct arena *a, size_t want)
{
	struct arena_block *b;
	size_t size = want > ARENA_BLOCK ? want : ARENA_BLOCK;

	if (size > SIZE_MAX - sizeof(*b))
		fatalx("arena: %zu bytes", want);
	b = xmalloc(sizeof(*b) + size);
	b->next = a->heap;
	a->heap = b;
	a->p = b->data;
	a->left = size;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	void *p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		fatalx("arena: %zu bytes", n);
	n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
	if (n == 0)
		n = ARENA_ALIGN;
	if (n > a->left)
		arena_add_block(a, n);
	p = a->p;
	a->p += n;
	a->left -= n;
	memset(p, 0, n);
	return p;
}

void *
arena_grow(struct arena *a, const void *old, size_t n, size_t more,
    size_t size)
{
	void *p;

	if (more > SIZE_MAX - n || (n + more) > SIZE_MAX / size)
		fatalx("arena: %zu + %zu elements of %zu bytes", n, more,
		    size);
	p = arena_alloc(a, (n + more) * size);
	if (n > 0)
		memcpy(p, old, n * size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		fatalx("arena: string of %zu bytes", n);
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b;

	while ((b = a->heap) != NULL) {
		a->heap = b->next;
		free(b);
	}
	a->p = NULL;
	a->left = 0;
}
