/*
 * schema.h: what an index makes of a document: the language its words
 * are stemmed in, its text fields, each with its own length and BM25F
 * weight, and its attributes, the declared keys that searches filter,
 * sort and count by.
 *
 * A schema is made once from the configuration and never changes; every
 * index, live index and snapshot made with it holds a reference, so one
 * made by a reload lives exactly as long as the indexes built with it.
 * A NULL schema is the empty one: no language, no attributes.
 */
#ifndef SEARCHD_SCHEMA_H
#define SEARCHD_SCHEMA_H

#include <stdatomic.h>
#include <stddef.h>

#define SCHEMA_ATTRS_MAX	64
/* Fields fit a query's mask of them; an index keeps a length for each. */
#define SCHEMA_FIELDS_MAX	16

enum attr_type {
	ATTR_STRING,
	ATTR_INT,
	ATTR_FLOAT,
};

struct attr_def {
	char		*name;
	size_t		 name_len;
	enum attr_type	 type;
	int		 multi;		/* an array of values */
};

/*
 * A text field.  Its words follow the previous field's after a gap of one
 * position, so a phrase never runs from one field into the next.
 */
struct field_def {
	char		*name;
	size_t		 name_len;
	double		 weight;	/* BM25F: its term frequencies count so */
	double		 b;		/* BM25F: its length normalisation */
};

/*
 * With no fields declared, title and text are one stream of words, as
 * they were before fields existed, ranked by plain BM25.
 */
struct schema {
	_Atomic unsigned	 refs;
	const char		*lang;		/* stem.h; NULL: none */
	struct attr_def		*attrs;
	size_t			 nattrs;
	struct field_def	*fields;
	size_t			 nfields;
};

struct schema	*schema_new(const char *lang);
/* Adds an attribute; the caller has checked the name is new and valid. */
void		 schema_add(struct schema *, const char *name, enum attr_type,
		    int multi);
/* Adds a field; the caller has checked the name is new and valid. */
void		 schema_add_field(struct schema *, const char *name,
		    double weight, double b);
struct schema	*schema_retain(struct schema *);
void		 schema_free(struct schema *);
/* The attribute with this name, or -1. */
int		 schema_find(const struct schema *, const char *, size_t);
/* The field with this name, or -1. */
int		 schema_find_field(const struct schema *, const char *,
		    size_t);
const char	*schema_lang(const struct schema *);
/* Lengths an index keeps per document: one per field, or the one stream. */
static inline unsigned
schema_nfl(const struct schema *sc)
{
	return sc != NULL && sc->nfields > 0 ? (unsigned)sc->nfields : 1;
}
/*
 * Whether indexes made with a and b may serve together: weights may
 * differ, since they only rank.
 */
int		 schema_same(const struct schema *, const struct schema *);
const char	*attr_type_name(enum attr_type);

#endif
