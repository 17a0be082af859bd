/*
 * schema.h: what an index makes of a document besides its words: the
 * language its words are stemmed in, and its attributes, the declared
 * keys that searches filter, sort and count by.
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

struct schema {
	_Atomic unsigned	 refs;
	const char		*lang;		/* stem.h; NULL: none */
	struct attr_def		*attrs;
	size_t			 nattrs;
};

struct schema	*schema_new(const char *lang);
/* Adds an attribute; the caller has checked the name is new and valid. */
void		 schema_add(struct schema *, const char *name, enum attr_type,
		    int multi);
struct schema	*schema_retain(struct schema *);
void		 schema_free(struct schema *);
/* The attribute with this name, or -1. */
int		 schema_find(const struct schema *, const char *, size_t);
const char	*schema_lang(const struct schema *);
/* Whether indexes made with a and b may serve together. */
int		 schema_same(const struct schema *, const struct schema *);
const char	*attr_type_name(enum attr_type);

#endif
