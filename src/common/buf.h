/*
 * buf.h: a growable byte buffer, and JSON output written straight into it
 * in the style of Python's json.dumps(ensure_ascii=False) -- ", " and ": "
 * separators, non-ASCII kept as UTF-8 -- so replies match the tutorial's
 * bytes without building json-c object trees.  The owner of a struct buf
 * frees it with buf_free; buf_reset keeps the memory for reuse.
 */
#ifndef SEARCHD_BUF_H
#define SEARCHD_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
void	buf_grow(struct buf *, size_t);
void	buf_add(struct buf *, const void *, size_t);
void	buf_addc(struct buf *, char);
void	buf_adds(struct buf *, const char *);
void	buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Makes room for more bytes; the common case stays inline. */
static inline void
buf_reserve(struct buf *b, size_t more)
{
	if (b->cap - b->len < more)
		buf_grow(b, more);
}

/*
 * The bytes from off on, or "" when there are none: an empty buffer may
 * have no allocation, and NULL + 0 is undefined.
 */
static inline const uint8_t *
buf_bytes(const struct buf *b, size_t off)
{
	return b->len > off ? (const uint8_t *)b->data + off :
	    (const uint8_t *)"";
}

/* Shrinks the allocation back to at most keep bytes if it grew past it. */
void	buf_trim(struct buf *, size_t keep);

/* A JSON string literal, quotes included.  Bytes are copied as they are. */
void	buf_json_string(struct buf *, const char *, size_t);
/* "key": with the separator the tutorial's json.dumps uses. */
void	buf_json_key(struct buf *, const char *);
void	buf_json_int(struct buf *, int64_t);
void	buf_json_uint(struct buf *, uint64_t);
/*
 * A finite double to 15 significant digits, as printf's "%.15g" (not the
 * shortest form that reads back exactly; see buf.c).
 */
void	buf_json_double(struct buf *, double);

#endif
