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

#endif
