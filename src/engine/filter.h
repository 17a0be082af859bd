/*
 * filter.h: a search's filter over attributes, such as
 *
 *	lang = fr AND year >= 2020 AND NOT tags IN [draft, spam]
 *
 * with =, !=, <, <=, >, >=, IN [...], NOT IN [...], AND, OR, NOT and
 * parentheses; NOT binds tighter than AND, AND than OR, as in SQL.
 * Keywords are upper case.  A value is a number, a quoted string ("..."
 * or '...', backslash escapes \" \' \\) or a bare word.  A comparison
 * is true when any of a document's values satisfies it (one value, or
 * those of a multi attribute) and false when it has none; a != v is
 * NOT (a = v), so it holds for a document without a.  Strings compare
 * byte by byte.
 *
 * A filter is parsed once against a schema, then bound to each segment
 * it runs on, since each numbers its strings its own way.  Both are owned
 * by their caller and read-only once made.
 */
#ifndef SEARCHD_FILTER_H
#define SEARCHD_FILTER_H

#include <stddef.h>
#include <stdint.h>

#define FILTER_LEN_MAX		8192	/* bytes of one filter */
#define FILTER_NODES_MAX	512	/* comparisons and operators */
#define FILTER_DEPTH_MAX	32	/* parentheses and NOTs, nested */

struct filter;
struct filter_seg;
struct index;
struct schema;

/*
 * Parses a filter; NULL with "at COLUMN: reason" in err (the column
 * counts bytes from 1), such as "at 21: unknown attribute \"yaer\"".
 */
struct filter		*filter_parse(const char *, size_t,
			    const struct schema *, char *err, size_t errlen);
void			 filter_free(struct filter *);
/* The filter as it runs on one segment (made with the same schema). */
struct filter_seg	*filter_bind(const struct filter *,
			    const struct index *);
int			 filter_match(const struct filter_seg *, uint32_t doc);
/*
 * When the filter passes only documents of a short list (it requires a
 * string attribute to equal a value, or one of a few), that list, in
 * order, a superset of what passes, and *exact says whether it is just
 * what passes (the filter is that comparison alone); else NULL.  Valid
 * while fs is.
 */
const uint32_t		*filter_seg_docs(const struct filter_seg *, size_t *,
			    int *exact);
void			 filter_seg_free(struct filter_seg *);

#endif
