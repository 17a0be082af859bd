/*
 * utf8.h: cutting UTF-8 text without splitting a character, for logs,
 * error messages and snippets.
 */
#ifndef SEARCHD_UTF8_H
#define SEARCHD_UTF8_H

#include <stddef.h>

/*
 * The length of the longest prefix of s (len bytes) that is at most max
 * bytes and ends on a character boundary.
 */
size_t	utf8_clip(const char *s, size_t len, size_t max);

#endif
