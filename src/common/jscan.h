/*
 * jscan.h: a strict, allocation-free JSON scanner for the request path.
 *
 * Every message searchd reads carries two small flat JSON objects (the
 * header and the request).  Building json-c object trees for them cost
 * more than the search itself: a dozen mallocs and a locale switch per
 * parse.  jscan validates one object in place (RFC 8259 syntax, UTF-8, a
 * bounded nesting depth) and reports its members as slices of the input;
 * strings are unescaped only when a caller asks.  json-c still reads the
 * corpus and everything off the hot path.
 */
#ifndef SEARCHD_JSCAN_H
#define SEARCHD_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSCAN_MAX_DEPTH	32

enum jscan_type {
	JSCAN_STRING,
	JSCAN_NUMBER,
	JSCAN_TRUE,
	JSCAN_FALSE,
	JSCAN_NULL,
	JSCAN_OBJECT,
	JSCAN_ARRAY,
};

enum jscan_error {
	JSCAN_OK,
	JSCAN_SYNTAX,		/* not JSON */
	JSCAN_UTF8,		/* a string is not valid UTF-8 */
	JSCAN_NOT_OBJECT,	/* valid JSON, but not an object */
	JSCAN_DEPTH,		/* nested deeper than JSCAN_MAX_DEPTH */
	JSCAN_STOPPED,		/* the member callback asked to stop */
};

/* A value (or key) as it stands in the input; valid while the input is. */
struct jscan_value {
	enum jscan_type	 type;
	const char	*p;		/* the raw token; strings without quotes */
	size_t		 len;
	int		 escaped;	/* a string with backslash escapes */
	int		 integral;	/* a number without fraction or exponent */
	int		 fits;		/* ...that fits in i */
	int64_t		 i;
};

typedef int (*jscan_member_fn)(void *arg, const struct jscan_value *key,
    const struct jscan_value *value);

/*
 * Validates that the bytes are exactly one JSON object (whitespace around
 * it allowed) and calls fn for each member in order; fn returns non-zero to
 * stop (JSCAN_STOPPED).  fn may be NULL to validate only.
 */
enum jscan_error jscan_object(const char *, size_t, jscan_member_fn, void *);
/* The same for one array: fn gets each element, and a NULL key. */
enum jscan_error jscan_array(const char *, size_t, jscan_member_fn, void *);
const char	*jscan_strerror(enum jscan_error);

/* Compares a string value, unescaped, with a NUL-terminated literal. */
int	jscan_string_eq(const struct jscan_value *, const char *);
/* Appends the unescaped string to out. */
void	jscan_unescape(const struct jscan_value *, struct buf *out);

#endif
