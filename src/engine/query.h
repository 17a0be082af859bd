/*
 * query.h: the parsed form of a query, independent of any index.
 *
 * Precedence follows SQLite FTS5: the implicit AND between neighbouring
 * words binds tighter than OR, so "a b OR c" is "(a AND b) OR c".  The
 * root is therefore an OR of AND groups; a group holds terms and phrases
 * that must occur and others (-word, -"a phrase") that must not.  Groups
 * with nothing that must occur match nothing and are dropped when parsed,
 * and single children replace their parents, so a root may be of any type.
 */
#ifndef SEARCHD_QUERY_H
#define SEARCHD_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct schema;

enum query_type {
	QUERY_TERM,		/* term, or every term starting with it */
	QUERY_PHRASE,		/* kids: terms at adjacent positions, in order */
	QUERY_AND,		/* kids must all match, neg must not */
	QUERY_OR,		/* any of kids */
};

/* A node; the query owns every node, array and string. */
struct query_node {
	enum query_type		  type;
	char			 *term;		/* folded, NUL-terminated */
	size_t			  term_len;
	int			  prefix;
	uint32_t		  leaf;		/* a term's place in leaves */
	uint32_t		  fields;	/* a term's fields; 0: any */
	struct query_node	**kids;
	size_t			  nkids;
	struct query_node	**neg;
	size_t			  nneg;
};

/*
 * Arena bytes inside the query: a few words fit, and the whole struct
 * stays within the size glibc's malloc serves from its per-thread cache.
 */
#define QUERY_FIRST_BLOCK	960

struct query {
	struct query_node	 *root;		/* NULL: matches nothing */
	/* Every term that must occur somewhere, for marking snippets. */
	struct query_node	**terms;
	size_t			  nterms;
	/* Every term node, numbered by its leaf, even one a group dropped. */
	struct query_node	**leaves;
	size_t			  nleaves;
	const char		 *lang;		/* stem.h; NULL: none */
	/* Holds every node, array and string; a few words fit in first. */
	struct arena		  arena;
	char			  first[QUERY_FIRST_BLOCK];
};
_Static_assert(sizeof(struct query) <= 1032, "a query fits the tcache");

/*
 * Parses a query: words (AND), OR, -word, "a phrase", word*, =word.
 * With a language (stem.h) words are stemmed as an index in it stems
 * them, except exact ones (=word, ="a phrase", or all when exact is set)
 * and prefixes, which match words as written.  Returns NULL and writes
 * the reason into err for a malformed query (unbalanced quote, a lone
 * "-", a bare "*", ...).  A query with no words parses and matches
 * nothing.
 */
struct query	*query_parse(const char *, size_t, const char *lang,
		    int exact, char *err, size_t errlen);
/*
 * The same under a schema: its language, and its fields (schema.h).  A
 * word, phrase or prefix after NAME: and no space, where NAME is a
 * declared field, matches in that field only (title:rabbit, -title:x,
 * title:"a phrase", title:rab*, title:=rabbit); any other colon
 * separates words as before.  fields, when not 0, is the mask of the
 * fields every other word may match in.
 */
struct query	*query_parse_schema(const char *, size_t,
		    const struct schema *, int exact, uint32_t fields,
		    char *err, size_t errlen);
void		 query_free(struct query *);
/*
 * Whether a folded word as written matches one of the query's positive
 * terms (stemmed first for the terms that are stems).
 */
int		 query_matches_term(const struct query *, const char *, size_t);

#endif
