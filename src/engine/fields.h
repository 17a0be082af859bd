/*
 * fields.h: a document's text fields, in the schema's order (schema.h).
 * A field named title or text is the document's own member of that name;
 * any other is a string among its other members, unescaped here.  A
 * field the document lacks, or has null, is empty.
 */
#ifndef SEARCHD_FIELDS_H
#define SEARCHD_FIELDS_H

#include <stddef.h>

#include "buf.h"
#include "schema.h"

/* The fields of the document last read, valid until the next read. */
struct fields_doc {
	const char	*s[SCHEMA_FIELDS_MAX];	/* NULL: empty */
	size_t		 len[SCHEMA_FIELDS_MAX];
	size_t		 off[SCHEMA_FIELDS_MAX];	/* into strs */
	size_t		 olen[SCHEMA_FIELDS_MAX];
	int		 own[SCHEMA_FIELDS_MAX];	/* is in strs */
	struct buf	 strs;
	struct buf	 wrap;
	struct buf	 key;
	const struct schema *sc;
	char		*err;
	size_t		 errlen;
};

void	fields_doc_init(struct fields_doc *);
void	fields_doc_free(struct fields_doc *);
/*
 * Reads a document's fields under sc, which declares some.  extra is its
 * other members, rendered as index_doc.extra has them.  0, or -1 with
 * "key: not a string" in err.
 */
int	fields_read(struct fields_doc *, const struct schema *,
	    const char *title, size_t title_len, const char *text,
	    size_t text_len, const char *extra, size_t extra_len, char *err,
	    size_t errlen);
/* Checks only, as documents come in: 0, or -1 as fields_read. */
int	fields_check(const struct schema *, const char *extra, size_t len,
	    char *err, size_t errlen);

#endif
