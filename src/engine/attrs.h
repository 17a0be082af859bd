/*
 * attrs.h: attribute columns.  A document's attributes are declared keys
 * among its other members (schema.h); each index keeps, per attribute, a
 * column of every document's values, so a filter, a sort or a facet
 * reads only the column it needs, never a document.
 *
 * Columns are made from the documents' stored members whenever an index
 * is made (built, merged or opened) and freed with it.  A column holds,
 * for document d, the values vals[offs[d]] up to vals[offs[d + 1]]: none
 * when the document lacks the key (or has it null), one for a single
 * value, any number for a "multi" attribute.  Strings are numbered by
 * their place among the index's distinct values, in byte order, so that
 * comparing numbers compares the strings.
 */
#ifndef SEARCHD_ATTRS_H
#define SEARCHD_ATTRS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

struct index;

#define ATTRS_VALUES_MAX	1024	/* of one multi attribute in a doc */
#define ATTRS_STRING_MAX	1024	/* bytes of one string value */

struct attr_col {
	uint32_t	*offs;		/* ndocs + 1 */
	union {
		int64_t		*i;
		double		*f;
		uint32_t	*ord;	/* into the strings below */
	} vals;
	uint64_t	 nvals;
	int64_t		 min;		/* ints: the least and greatest */
	int64_t		 max;
	uint64_t	*str_offs;	/* nstr + 1, into str */
	char		*str;
	uint32_t	 nstr;
	/*
	 * Strings only: the documents with each string, in order, at
	 * ord_docs[ord_offs[ord]] up to ord_docs[ord_offs[ord + 1]], so a
	 * filter naming a rare value visits its documents alone.
	 */
	uint32_t	*ord_offs;	/* nstr + 1 */
	uint32_t	*ord_docs;
};

/*
 * Checks a document's other members, rendered as index_doc.extra has them
 * (members without the braces), against sc's attributes and its fields
 * (fields.h).  0, or -1 with
 * "key: reason" in err (such as "year: not an integer").
 */
int	attrs_check(const struct schema *, const char *extra, size_t len,
	    char *err, size_t errlen);
/*
 * Makes ix's columns for its schema from its documents.  -1, with
 * "document \"ID\": key: reason" in err, when one does not fit the schema
 * (a segment written before the schema changed).
 */
int	attrs_attach(struct index *, char *err, size_t errlen);

/* Inline, so that index.c, which frees an index, need not call here. */
static inline void
attrs_free(struct attr_col *cols, size_t n)
{
	size_t i;

	if (cols == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(cols[i].offs);
		free(cols[i].vals.i);
		free(cols[i].str_offs);
		free(cols[i].str);
		free(cols[i].ord_offs);
		free(cols[i].ord_docs);
	}
	free(cols);
}

/* Bytes the columns hold. */
static inline size_t
attrs_memory(const struct attr_col *cols, size_t n, uint32_t ndocs)
{
	size_t i, bytes = 0;

	for (i = 0; cols != NULL && i < n; i++) {
		bytes += ((size_t)ndocs + 1) * sizeof(uint32_t);
		bytes += cols[i].str_offs != NULL ?
		    cols[i].nvals * sizeof(uint32_t) +
		    ((size_t)cols[i].nstr + 1) * sizeof(uint64_t) +
		    cols[i].str_offs[cols[i].nstr] +
		    ((size_t)cols[i].nstr + 1) * sizeof(uint32_t) +
		    (size_t)cols[i].ord_offs[cols[i].nstr] * sizeof(uint32_t) :
		    cols[i].nvals * sizeof(int64_t);
	}
	return bytes;
}

/*
 * One value of an attribute as searches hand it on: i, f, or s and len
 * (pointing into an index), as its type says.
 */
struct attr_value {
	int64_t		 i;
	double		 f;
	const char	*s;
	size_t		 len;
};

/* Byte order, a string before those it begins. */
static inline int
attr_bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);

	return r != 0 ? r : (la > lb) - (la < lb);
}

/* The order filters, sorts and facets agree on. */
static inline int
attr_value_cmp(enum attr_type type, const struct attr_value *a,
    const struct attr_value *b)
{
	if (type == ATTR_INT)
		return (a->i > b->i) - (a->i < b->i);
	if (type == ATTR_FLOAT)
		return (a->f > b->f) - (a->f < b->f);
	return attr_bytes_cmp(a->s, a->len, b->s, b->len);
}

/* The string numbered ord in a string column. */
static inline const char *
attr_string(const struct attr_col *c, uint32_t ord, size_t *len)
{
	*len = (size_t)(c->str_offs[ord + 1] - c->str_offs[ord]);
	return c->str + c->str_offs[ord];
}
/*
 * Makes a string column's lists of each string's documents (a document
 * once however often it has the string) from its values.
 */
void	attrs_make_lists(struct attr_col *, uint32_t ndocs);
/*
 * The first string number whose string is >= s (c->nstr when none);
 * *found says whether it is equal.
 */
uint32_t attr_string_find(const struct attr_col *, const char *, size_t,
	    int *found);

#endif
