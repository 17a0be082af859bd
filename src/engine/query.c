/* query.c: see query.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "query.h"
#include "schema.h"
#include "stem.h"
#include "tokenize.h"
#include "utf8.h"
#include "words.h"
#include "xmalloc.h"

/* Where the parser is between two units. */
enum query_state {
	QUERY_START,
	QUERY_AFTER_UNIT,
	QUERY_AFTER_OR,
};

/* One parse; err and errlen are the caller's. */
struct query_parser {
	const char		*s;
	size_t			 len;
	size_t			 off;
	struct query		*q;
	struct query_node	*or;
	struct query_node	*group;
	int			 exact;		/* every word, as "exact" asks */
	const struct schema	*sc;		/* its fields; NULL: none */
	char			*err;
	size_t			 errlen;
};

/* Appends to a vector whose capacity is the next power of two from 4. */
static void
query_push(struct query *q, struct query_node ***v, size_t *n,
    struct query_node *node)
{
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0))
		*v = arena_grow(&q->arena, *v, *n, *n ? *n : 4, sizeof(**v));
	(*v)[(*n)++] = node;
}

static struct query_node *
query_node_new(struct query *q, enum query_type type)
{
	struct query_node *node;

	node = arena_alloc(&q->arena, sizeof(*node));
	node->type = type;
	return node;
}

void
query_free(struct query *q)
{
	if (q == NULL)
		return;
	arena_free(&q->arena);
	free(q);
}

static int
query_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int
query_valid_utf8(const char *s, size_t len)
{
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;
	size_t off = 0;

	while (off < len) {
		if ((unsigned char)s[off] < 0x80) {
			off++;
			continue;
		}
		n = utf8proc_iterate((const utf8proc_uint8_t *)s + off,
		    (utf8proc_ssize_t)(len - off), &cp);
		if (n <= 0 || cp < 0)
			return 0;
		off += (size_t)n;
	}
	return 1;
}

static int
query_error(struct query_parser *p, const char *reason)
{
	snprintf(p->err, p->errlen, "%s", reason);
	return -1;
}

/*
 * The name a word is looked up by.  With a language, an exact word or a
 * prefix is matched against words as written (WORDS_EXACT before them),
 * any other word by its stem.
 */
static void
query_term_name(struct query *q, struct query_node *node,
    const struct tokenize *t, int exact)
{
	char s[TOKENIZE_TERM_MAX + 1];

	if (q->lang == NULL) {
		node->term = arena_strndup(&q->arena, t->term, t->term_len);
		node->term_len = t->term_len;
	} else if (exact) {
		node->term_len = words_exact(t->term, t->term_len, s);
		node->term = arena_strndup(&q->arena, s, node->term_len);
	} else {
		node->term_len = stem_word(q->lang, t->term, t->term_len, s,
		    sizeof(s));
		node->term = arena_strndup(&q->arena, s, node->term_len);
	}
}

static struct query_node *
query_term_new(struct query *q, const struct tokenize *t, int exact)
{
	struct query_node *node;

	node = query_node_new(q, QUERY_TERM);
	query_term_name(q, node, t, exact);
	node->leaf = (uint32_t)q->nleaves;
	query_push(q, &q->leaves, &q->nleaves, node);
	return node;
}

/*
 * Turns the text of a word or phrase into a node: nothing when it holds
 * no words, a term for one word and a phrase for several ("e-mail" or
 * two CJK ideographs are phrases too).  A prefix applies to the last word.
 */
static struct query_node *
query_words(struct query_parser *p, const char *s, size_t len, int prefix,
    int exact)
{
	struct query_node *phrase, *node = NULL;
	struct tokenize t, last;

	phrase = query_node_new(p->q, QUERY_PHRASE);
	tokenize_init(&t, s, len);
	while (tokenize_next(&t) == 1) {
		node = query_term_new(p->q, &t, exact);
		query_push(p->q, &phrase->kids, &phrase->nkids, node);
		if (prefix)
			last = t;
	}
	if (node == NULL)
		return NULL;
	node->prefix = prefix;
	/* A prefix of a stem would be no prefix of the words it stems. */
	if (prefix && !exact)
		query_term_name(p->q, node, &last, 1);
	return phrase->nkids == 1 ? node : phrase;
}

static void
query_add_terms(struct query *q, struct query_node *node)
{
	size_t i;

	if (node->type == QUERY_TERM) {
		query_push(q, &q->terms, &q->nterms, node);
		return;
	}
	for (i = 0; i < node->nkids; i++)
		query_push(q, &q->terms, &q->nterms, node->kids[i]);
}

static int
query_add_unit(struct query_parser *p, const char *s, size_t len,
    int prefix, int neg, int exact, uint32_t fields)
{
	struct query_node *node;
	size_t first = p->q->nleaves;

	node = query_words(p, s, len, prefix, exact || p->exact);
	for (; first < p->q->nleaves; first++)
		p->q->leaves[first]->fields = fields;
	if (node == NULL) {
		if (prefix)
			return query_error(p, "\"*\" not attached to a word");
		return 0;
	}
	if (neg)
		query_push(p->q, &p->group->neg, &p->group->nneg, node);
	else {
		query_push(p->q, &p->group->kids, &p->group->nkids, node);
		query_add_terms(p->q, node);
	}
	return 0;
}

static int
query_phrase(struct query_parser *p, int neg, int exact, uint32_t fields)
{
	const char *start = p->s + p->off + 1, *end;
	size_t i, len;
	int prefix;

	end = memchr(start, '"', p->len - p->off - 1);
	if (end == NULL)
		return query_error(p, "unbalanced quote");
	len = (size_t)(end - start);
	for (i = 0; i < len && query_is_space(start[i]); i++)
		;
	if (i == len)
		return query_error(p, "empty phrase");
	p->off = (size_t)(end - p->s) + 1;
	prefix = p->off < p->len && p->s[p->off] == '*';
	if (prefix)
		p->off++;
	return query_add_unit(p, start, len, prefix, neg, exact, fields);
}

/* A bare word runs to the next space or quote. */
static size_t
query_word_end(const struct query_parser *p)
{
	size_t end = p->off;

	while (end < p->len && !query_is_space(p->s[end]) && p->s[end] != '"')
		end++;
	return end;
}

/*
 * A declared field's name and a colon with something after it: skips
 * them and returns the field's bit, or 0 (the text is words as before).
 */
static uint32_t
query_field(struct query_parser *p)
{
	size_t end = p->off;
	int f;

	if (p->sc == NULL || p->sc->nfields == 0)
		return 0;
	while (end < p->len && (p->s[end] == '_' ||
	    (p->s[end] >= 'a' && p->s[end] <= 'z') ||
	    (p->s[end] >= 'A' && p->s[end] <= 'Z') ||
	    (p->s[end] >= '0' && p->s[end] <= '9')))
		end++;
	if (end == p->off || end + 1 >= p->len || p->s[end] != ':' ||
	    query_is_space(p->s[end + 1]))
		return 0;
	f = schema_find_field(p->sc, p->s + p->off, end - p->off);
	if (f == -1)
		return 0;
	p->off = end + 1;
	return (uint32_t)1 << f;
}

static int
query_unit(struct query_parser *p)
{
	size_t end;
	int neg = 0, exact = 0, prefix;
	uint32_t fields;

	if (p->s[p->off] == '-') {
		neg = 1;
		p->off++;
		if (p->off == p->len || query_is_space(p->s[p->off]))
			return query_error(p, "\"-\" with nothing to exclude");
	}
	fields = query_field(p);
	if (p->s[p->off] == '=') {
		p->off++;
		/* A lone "=" separates words, as other punctuation does. */
		if (p->off == p->len || query_is_space(p->s[p->off]))
			return neg ? query_error(p, "\"-\" with nothing to "
			    "exclude") : 0;
		exact = 1;
	}
	if (p->s[p->off] == '"')
		return query_phrase(p, neg, exact, fields);
	end = query_word_end(p);
	prefix = p->s[end - 1] == '*';
	if (prefix && end - 1 == p->off)
		return query_error(p, "\"*\" not attached to a word");
	if (query_add_unit(p, p->s + p->off, end - p->off - prefix, prefix,
	    neg, exact, fields) == -1)
		return -1;
	p->off = end;
	return 0;
}

static int
query_is_or(const struct query_parser *p)
{
	return query_word_end(p) - p->off == 2 &&
	    memcmp(p->s + p->off, "OR", 2) == 0;
}

/* Closes the current AND group into the OR, if it can match anything. */
static void
query_end_group(struct query_parser *p)
{
	struct query_node *g = p->group;

	if (g->nkids == 1 && g->nneg == 0)
		g = g->kids[0];
	if (g->nkids > 0 || g->type != QUERY_AND)
		query_push(p->q, &p->or->kids, &p->or->nkids, g);
	p->group = query_node_new(p->q, QUERY_AND);
}

static int
query_run(struct query_parser *p)
{
	enum query_state state = QUERY_START;

	for (;;) {
		while (p->off < p->len && query_is_space(p->s[p->off]))
			p->off++;
		if (p->off == p->len)
			break;
		if (query_is_or(p)) {
			if (state == QUERY_START)
				return query_error(p, "OR at the start");
			if (state == QUERY_AFTER_OR)
				return query_error(p, "OR twice in a row");
			query_end_group(p);
			state = QUERY_AFTER_OR;
			p->off += 2;
			continue;
		}
		if (query_unit(p) == -1)
			return -1;
		state = QUERY_AFTER_UNIT;
	}
	if (state == QUERY_AFTER_OR)
		return query_error(p, "OR at the end");
	query_end_group(p);
	return 0;
}

struct query *
query_parse(const char *s, size_t len, const char *lang, int exact, char *err,
    size_t errlen)
{
	struct schema sc;

	memset(&sc, 0, sizeof(sc));
	sc.lang = lang;
	return query_parse_schema(s, len, &sc, exact, 0, err, errlen);
}

struct query *
query_parse_schema(const char *s, size_t len, const struct schema *sc,
    int exact, uint32_t fields, char *err, size_t errlen)
{
	const char *lang = schema_lang(sc);
	size_t i;
	struct query_parser p;
	struct query *q;

	if (!query_valid_utf8(s, len)) {
		snprintf(err, errlen, "invalid UTF-8");
		return NULL;
	}
	q = xmalloc(sizeof(*q));
	q->root = NULL;
	q->terms = NULL;
	q->nterms = 0;
	q->leaves = NULL;
	q->nleaves = 0;
	q->lang = lang;
	arena_init(&q->arena, q->first, sizeof(q->first));
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.len = len;
	p.q = q;
	p.err = err;
	p.errlen = errlen;
	p.exact = exact;
	p.sc = sc;
	p.or = query_node_new(q, QUERY_OR);
	p.group = query_node_new(q, QUERY_AND);
	if (query_run(&p) == -1) {
		query_free(q);
		return NULL;
	}
	for (i = 0; fields != 0 && i < q->nleaves; i++)
		if (q->leaves[i]->fields == 0)
			q->leaves[i]->fields = fields;
	if (p.or->nkids == 1)
		q->root = p.or->kids[0];
	else if (p.or->nkids > 1)
		q->root = p.or;
	return q;
}

static int
query_term_matches(const struct query_node *t, const char *s, size_t len)
{
	/* The first byte settles most words without a call to memcmp. */
	if (t->term_len > 0 && (len == 0 || s[0] != t->term[0]))
		return 0;
	if (t->prefix)
		return len >= t->term_len && memcmp(s, t->term, t->term_len) == 0;
	return len == t->term_len && memcmp(s, t->term, len) == 0;
}

/* A word as written against an exact term or prefix (WORDS_EXACT first). */
static int
query_term_matches_exact(const struct query_node *t, const char *s,
    size_t len)
{
	size_t n = t->term_len - 1;

	if (t->prefix)
		return len >= n && memcmp(s, t->term + 1, n) == 0;
	/* The index holds the word cut as words_exact cuts it. */
	len = utf8_clip(s, len, TOKENIZE_TERM_MAX - 1);
	return len == n && memcmp(s, t->term + 1, len) == 0;
}

int
query_matches_term(const struct query *q, const char *s, size_t len)
{
	const struct query_node *t;
	char stem[TOKENIZE_TERM_MAX + 1];
	size_t i, stem_len = 0;

	for (i = 0; i < q->nterms; i++) {
		t = q->terms[i];
		if (q->lang == NULL) {
			if (query_term_matches(t, s, len))
				return 1;
			continue;
		}
		if (t->term[0] == WORDS_EXACT) {
			if (query_term_matches_exact(t, s, len))
				return 1;
			continue;
		}
		if (stem_len == 0)
			stem_len = stem_word(q->lang, s, len, stem,
			    sizeof(stem));
		if (query_term_matches(t, stem, stem_len))
			return 1;
	}
	return 0;
}
