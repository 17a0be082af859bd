/*
 * xmalloc.h: allocation that cannot fail.  Out of memory or an overflowing
 * size is fatal, so call sites stay short (after tmux's xmalloc.c).
 */
#ifndef SEARCHD_XMALLOC_H
#define SEARCHD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/*
 * Memory in a mapping of its own: it goes back to the kernel the moment it
 * is unmapped, wherever it lies, where free would keep it in a heap.
 * xmunmap takes NULL.
 */
void	*xmmap(size_t);
void	 xmunmap(void *, size_t);

#endif
