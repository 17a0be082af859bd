/* schema.c: see schema.h. */

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "xmalloc.h"

struct schema *
schema_new(const char *lang)
{
	struct schema *sc = xcalloc(1, sizeof(*sc));

	atomic_init(&sc->refs, 1);
	sc->lang = lang;
	return sc;
}

void
schema_add(struct schema *sc, const char *name, enum attr_type type,
    int multi)
{
	struct attr_def *a;

	sc->attrs = xreallocarray(sc->attrs, sc->nattrs + 1,
	    sizeof(*sc->attrs));
	a = &sc->attrs[sc->nattrs++];
	a->name = xstrdup(name);
	a->name_len = strlen(name);
	a->type = type;
	a->multi = multi;
}

void
schema_add_field(struct schema *sc, const char *name, double weight, double b)
{
	struct field_def *f;

	sc->fields = xreallocarray(sc->fields, sc->nfields + 1,
	    sizeof(*sc->fields));
	f = &sc->fields[sc->nfields++];
	f->name = xstrdup(name);
	f->name_len = strlen(name);
	f->weight = weight;
	f->b = b;
}

struct schema *
schema_retain(struct schema *sc)
{
	if (sc != NULL)
		atomic_fetch_add_explicit(&sc->refs, 1, memory_order_relaxed);
	return sc;
}

void
schema_free(struct schema *sc)
{
	size_t i;

	if (sc == NULL ||
	    atomic_fetch_sub_explicit(&sc->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < sc->nattrs; i++)
		free(sc->attrs[i].name);
	free(sc->attrs);
	for (i = 0; i < sc->nfields; i++)
		free(sc->fields[i].name);
	free(sc->fields);
	free(sc);
}

int
schema_find(const struct schema *sc, const char *name, size_t len)
{
	size_t i;

	for (i = 0; sc != NULL && i < sc->nattrs; i++)
		if (sc->attrs[i].name_len == len &&
		    memcmp(sc->attrs[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int
schema_find_field(const struct schema *sc, const char *name, size_t len)
{
	size_t i;

	for (i = 0; sc != NULL && i < sc->nfields; i++)
		if (sc->fields[i].name_len == len &&
		    memcmp(sc->fields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const char *
schema_lang(const struct schema *sc)
{
	return sc != NULL ? sc->lang : NULL;
}

int
schema_same(const struct schema *a, const struct schema *b)
{
	size_t i, na = a ? a->nattrs : 0, nb = b ? b->nattrs : 0;
	size_t fa = a ? a->nfields : 0, fb = b ? b->nfields : 0;

	if (schema_lang(a) != schema_lang(b) || na != nb || fa != fb)
		return 0;
	for (i = 0; i < fa; i++)
		if (strcmp(a->fields[i].name, b->fields[i].name) != 0)
			return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
		    a->attrs[i].type != b->attrs[i].type ||
		    a->attrs[i].multi != b->attrs[i].multi)
			return 0;
	return 1;
}

const char *
attr_type_name(enum attr_type t)
{
	return t == ATTR_INT ? "int" : t == ATTR_FLOAT ? "float" : "string";
}
