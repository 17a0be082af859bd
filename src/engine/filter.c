/* filter.c: see filter.h. */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "buf.h"
#include "filter.h"
#include "index.h"
#include "xmalloc.h"

enum filter_op {
	FILTER_AND,
	FILTER_OR,
	FILTER_NOT,
	FILTER_EQ,
	FILTER_LT,
	FILTER_LE,
	FILTER_GT,
	FILTER_GE,
	FILTER_IN,
};

/* A literal: its number, or its string at s_off in the filter's strs. */
struct filter_value {
	int64_t		i;
	double		f;
	size_t		s_off;
	size_t		s_len;
};

/*
 * AND and OR: kids[first] on, n of them; NOT: kids[first]; a comparison:
 * vals[first] on, n of them (one but for IN, whose numbers are sorted).
 */
struct filter_node {
	enum filter_op	op;
	int		attr;
	size_t		first;
	size_t		n;
};

struct filter {
	const struct schema	*sc;
	struct filter_node	*nodes;
	size_t			 nnodes;
	size_t			*kids;
	size_t			 nkids;
	struct filter_value	*vals;
	size_t			 nvals;
	struct buf		 strs;
	size_t			 root;
};

/* A string comparison's value as one segment numbers its strings. */
struct filter_ord {
	uint32_t	ord;		/* the first string >= the value */
	uint32_t	found;		/* 1: that string is the value */
};

#define FILTER_NO_ORD	UINT32_MAX	/* above every string's number */
/* A list of documents is walked when it holds at most 1 in this many. */
#define FILTER_LIST_RATIO	4

struct filter_seg {
	const struct filter	*f;
	const struct index	*ix;
	struct filter_ord	*ords;		/* by value; IN's sorted */
	/* Every document that may pass, when a list says (else NULL). */
	const uint32_t		*docs;
	size_t			 ndocs;
	int			 exact;		/* docs is what passes */
	uint32_t		*merged;	/* docs, when an IN made it */
};

enum filter_tok {
	TOK_END,
	TOK_WORD,
	TOK_STRING,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_COMMA,
	TOK_OP,
};

struct filter_parser {
	struct filter	*f;
	const char	*s;
	size_t		 len;
	size_t		 off;
	/* The token last read: its kind, place, text (unescaped strings). */
	enum filter_tok	 tok;
	size_t		 at;
	enum filter_op	 op;
	int		 negate;	/* != */
	struct buf	 text;
	int		 depth;
	char		*err;
	size_t		 errlen;
};

static int filter_or(struct filter_parser *, size_t *);
static void filter_seg_lists(struct filter_seg *);

static int filter_fail(struct filter_parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
filter_fail(struct filter_parser *p, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "at %zu: %s", p->at + 1, msg);
	return -1;
}

static int
filter_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* strchr, but never true of the NUL that ends set. */
static int
filter_one_of(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static int
filter_bare(char c)
{
	return !filter_space(c) && !filter_one_of(c, "()[],=!<>\"'");
}

static int
filter_quoted(struct filter_parser *p)
{
	char q = p->s[p->off++];

	for (;;) {
		if (p->off == p->len)
			return filter_fail(p, "unbalanced quote");
		if (p->s[p->off] == q) {
			p->off++;
			return 0;
		}
		if (p->s[p->off] == '\\' && p->off + 1 < p->len &&
		    filter_one_of(p->s[p->off + 1], "\"'\\"))
			p->off++;
		buf_addc(&p->text, p->s[p->off++]);
	}
}

/* Reads the next token. */
static int
filter_next(struct filter_parser *p)
{
	static const char punct[] = "()[],";
	static const enum filter_tok kinds[] = { TOK_LPAREN, TOK_RPAREN,
	    TOK_LBRACKET, TOK_RBRACKET, TOK_COMMA };
	const char *c;
	char ch;

	while (p->off < p->len && filter_space(p->s[p->off]))
		p->off++;
	p->at = p->off;
	buf_reset(&p->text);
	if (p->off == p->len) {
		p->tok = TOK_END;
		return 0;
	}
	ch = p->s[p->off];
	if (ch != '\0' && (c = strchr(punct, ch)) != NULL) {
		p->tok = kinds[c - punct];
		p->off++;
		return 0;
	}
	if (ch == '"' || ch == '\'') {
		p->tok = TOK_STRING;
		return filter_quoted(p);
	}
	if (filter_one_of(ch, "=!<>")) {
		p->tok = TOK_OP;
		p->negate = 0;
		p->off++;
		if (ch == '!' && (p->off == p->len || p->s[p->off] != '='))
			return filter_fail(p, "\"!\" without \"=\"");
		if (p->off < p->len && p->s[p->off] == '=' && ch != '=') {
			p->off++;
			p->op = ch == '<' ? FILTER_LE : ch == '>' ? FILTER_GE :
			    FILTER_EQ;
			p->negate = ch == '!';
		} else
			p->op = ch == '<' ? FILTER_LT : ch == '>' ? FILTER_GT :
			    FILTER_EQ;
		return 0;
	}
	p->tok = TOK_WORD;
	while (p->off < p->len && filter_bare(p->s[p->off]))
		buf_addc(&p->text, p->s[p->off++]);
	return 0;
}

static int
filter_is(const struct filter_parser *p, const char *word)
{
	return p->tok == TOK_WORD && p->text.len == strlen(word) &&
	    memcmp(p->text.data, word, p->text.len) == 0;
}

static size_t
filter_node_new(struct filter_parser *p, enum filter_op op, int attr,
    size_t first, size_t n)
{
	struct filter *f = p->f;
	struct filter_node *nd;

	f->nodes = xreallocarray(f->nodes, f->nnodes + 1, sizeof(*f->nodes));
	nd = &f->nodes[f->nnodes];
	nd->op = op;
	nd->attr = attr;
	nd->first = first;
	nd->n = n;
	return f->nnodes++;
}

/* Reads the literal that is the current token, for attribute a. */
static int
filter_value(struct filter_parser *p, const struct attr_def *a)
{
	struct filter *f = p->f;
	struct filter_value v;
	char num[64], *end;

	memset(&v, 0, sizeof(v));
	if (p->tok != TOK_WORD && p->tok != TOK_STRING)
		return filter_fail(p, "a value for %s expected", a->name);
	if (a->type == ATTR_STRING) {
		v.s_off = f->strs.len;
		v.s_len = p->text.len;
		buf_add(&f->strs, p->text.data, p->text.len);
	} else if (p->tok == TOK_STRING || p->text.len >= sizeof(num)) {
		return filter_fail(p, "%s is %s attribute: a number expected",
		    a->name, a->type == ATTR_INT ? "an int" : "a float");
	} else {
		memcpy(num, p->text.data, p->text.len);
		num[p->text.len] = '\0';
		errno = 0;
		if (a->type == ATTR_INT) {
			v.i = strtoll(num, &end, 10);
			if (*end != '\0' || end == num || errno != 0)
				return filter_fail(p, "%s is an int attribute: "
				    "\"%s\" is not an integer", a->name, num);
		} else {
			v.f = strtod(num, &end);
			if (*end != '\0' || end == num || !isfinite(v.f))
				return filter_fail(p, "%s is a float attribute: "
				    "\"%s\" is not a number", a->name, num);
		}
	}
	f->vals = xreallocarray(f->vals, f->nvals + 1, sizeof(*f->vals));
	f->vals[f->nvals++] = v;
	return filter_next(p);
}

static int
filter_cmp_values(const void *pa, const void *pb, void *arg)
{
	const struct filter_value *a = pa, *b = pb;
	const struct attr_def *def = arg;

	if (def->type == ATTR_INT)
		return (a->i > b->i) - (a->i < b->i);
	return (a->f > b->f) - (a->f < b->f);
}

/* [v, ...], after IN. */
static int
filter_list(struct filter_parser *p, const struct attr_def *a, size_t *first)
{
	*first = p->f->nvals;
	if (filter_next(p) == -1)
		return -1;
	if (p->tok != TOK_LBRACKET)
		return filter_fail(p, "\"[\" expected after IN");
	if (filter_next(p) == -1)
		return -1;
	if (p->tok == TOK_RBRACKET)
		return filter_next(p);
	for (;;) {
		if (p->f->nvals - *first == ATTRS_VALUES_MAX)
			return filter_fail(p, "more than %d values in a list",
			    ATTRS_VALUES_MAX);
		if (filter_value(p, a) == -1)
			return -1;
		if (p->tok == TOK_RBRACKET)
			break;
		if (p->tok != TOK_COMMA)
			return filter_fail(p, "\",\" or \"]\" expected");
		if (filter_next(p) == -1)
			return -1;
	}
	if (a->type != ATTR_STRING)
		qsort_r(p->f->vals + *first, p->f->nvals - *first,
		    sizeof(*p->f->vals), filter_cmp_values, (void *)a);
	return filter_next(p);
}

/* NAME op value, NAME IN [...], NAME NOT IN [...]. */
static int
filter_comparison(struct filter_parser *p, size_t *out)
{
	const struct attr_def *a;
	enum filter_op op;
	size_t first, at = p->at;
	int attr, negate = 0;

	if (p->tok != TOK_WORD || filter_is(p, "AND") || filter_is(p, "OR") ||
	    filter_is(p, "IN"))
		return filter_fail(p, p->tok == TOK_END ? "an attribute "
		    "expected at the end" : "an attribute expected");
	if ((attr = schema_find(p->f->sc, p->text.data, p->text.len)) == -1)
		return filter_fail(p, "unknown attribute \"%.*s\"",
		    (int)(p->text.len > 64 ? 64 : p->text.len), p->text.data);
	a = &p->f->sc->attrs[attr];
	if (filter_next(p) == -1)
		return -1;
	if (filter_is(p, "NOT")) {
		negate = 1;
		if (filter_next(p) == -1)
			return -1;
		if (!filter_is(p, "IN"))
			return filter_fail(p, "IN expected after NOT");
	}
	if (filter_is(p, "IN")) {
		if (filter_list(p, a, &first) == -1)
			return -1;
		*out = filter_node_new(p, FILTER_IN, attr, first,
		    p->f->nvals - first);
	} else if (p->tok == TOK_OP) {
		op = p->op;
		negate = p->negate;
		if (filter_next(p) == -1)
			return -1;
		first = p->f->nvals;
		if (filter_value(p, a) == -1)
			return -1;
		*out = filter_node_new(p, op, attr, first, 1);
	} else {
		p->at = at;
		return filter_fail(p, "%s: =, !=, <, <=, >, >=, IN or NOT IN "
		    "expected after it", a->name);
	}
	if (negate) {
		p->f->kids = xreallocarray(p->f->kids, p->f->nkids + 1,
		    sizeof(*p->f->kids));
		p->f->kids[p->f->nkids++] = *out;
		*out = filter_node_new(p, FILTER_NOT, -1, p->f->nkids - 1, 1);
	}
	return 0;
}

static int
filter_unary(struct filter_parser *p, size_t *out)
{
	size_t kid;
	int rc;

	if (p->f->nnodes >= FILTER_NODES_MAX)
		return filter_fail(p, "more than %d comparisons and operators",
		    FILTER_NODES_MAX);
	if (!filter_is(p, "NOT") && p->tok != TOK_LPAREN)
		return filter_comparison(p, out);
	if (++p->depth > FILTER_DEPTH_MAX)
		return filter_fail(p, "nested deeper than %d",
		    FILTER_DEPTH_MAX);
	if (p->tok == TOK_LPAREN) {
		if (filter_next(p) == -1 || filter_or(p, out) == -1)
			return -1;
		if (p->tok != TOK_RPAREN)
			return filter_fail(p, "\")\" expected");
		rc = filter_next(p);
	} else {
		if (filter_next(p) == -1 || filter_unary(p, &kid) == -1)
			return -1;
		p->f->kids = xreallocarray(p->f->kids, p->f->nkids + 1,
		    sizeof(*p->f->kids));
		p->f->kids[p->f->nkids++] = kid;
		*out = filter_node_new(p, FILTER_NOT, -1, p->f->nkids - 1, 1);
		rc = 0;
	}
	p->depth--;
	return rc;
}

/* kid (AND kid)* or kid (OR kid)*, one node for the run. */
static int
filter_run(struct filter_parser *p, enum filter_op op, size_t *out)
{
	struct filter *f = p->f;
	size_t *v = NULL, n = 0, i, kid;
	int rc;

	for (;;) {
		rc = op == FILTER_OR ? filter_run(p, FILTER_AND, &kid) :
		    filter_unary(p, &kid);
		if (rc == -1) {
			free(v);
			return -1;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = kid;
		if (!filter_is(p, op == FILTER_OR ? "OR" : "AND"))
			break;
		if (filter_next(p) == -1) {
			free(v);
			return -1;
		}
	}
	if (n == 1) {
		*out = v[0];
		free(v);
		return 0;
	}
	f->kids = xreallocarray(f->kids, f->nkids + n, sizeof(*f->kids));
	for (i = 0; i < n; i++)
		f->kids[f->nkids + i] = v[i];
	*out = filter_node_new(p, op, -1, f->nkids, n);
	f->nkids += n;
	free(v);
	return 0;
}

static int
filter_or(struct filter_parser *p, size_t *out)
{
	return filter_run(p, FILTER_OR, out);
}

struct filter *
filter_parse(const char *s, size_t len, const struct schema *sc, char *err,
    size_t errlen)
{
	struct filter_parser p;
	struct filter *f;
	const char *nul;
	int rc;

	if (len > FILTER_LEN_MAX) {
		snprintf(err, errlen, "longer than %d bytes", FILTER_LEN_MAX);
		return NULL;
	}
	/* A number's or a name's text ends at the first NUL in C. */
	if ((nul = memchr(s, '\0', len)) != NULL) {
		snprintf(err, errlen, "at %zu: a NUL byte", (size_t)(nul - s) + 1);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->sc = sc;
	/* IN [] has no values, yet points at where they would be. */
	f->vals = xcalloc(1, sizeof(*f->vals));
	buf_init(&f->strs);
	memset(&p, 0, sizeof(p));
	p.f = f;
	p.s = s;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	buf_init(&p.text);
	rc = filter_next(&p);
	if (rc == 0 && p.tok == TOK_END) {
		p.at = 0;
		rc = filter_fail(&p, "an empty filter");
	}
	if (rc == 0)
		rc = filter_or(&p, &f->root);
	if (rc == 0 && p.tok != TOK_END)
		rc = filter_fail(&p, p.tok == TOK_RPAREN ? "\")\" without "
		    "\"(\"" : "AND, OR or the end expected");
	buf_free(&p.text);
	if (rc == -1) {
		filter_free(f);
		return NULL;
	}
	return f;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	free(f->nodes);
	free(f->kids);
	free(f->vals);
	buf_free(&f->strs);
	free(f);
}

static int
filter_cmp_ords(const void *pa, const void *pb)
{
	const struct filter_ord *a = pa, *b = pb;

	return (a->ord > b->ord) - (a->ord < b->ord);
}

struct filter_seg *
filter_bind(const struct filter *f, const struct index *ix)
{
	struct filter_seg *fs = xcalloc(1, sizeof(*fs));
	const struct filter_node *nd;
	const struct filter_value *v;
	size_t i, k;
	int found;

	fs->f = f;
	fs->ix = ix;
	fs->ords = xcalloc(f->nvals + 1, sizeof(*fs->ords));
	for (i = 0; i < f->nnodes; i++) {
		nd = &f->nodes[i];
		if (nd->attr < 0 || f->sc->attrs[nd->attr].type != ATTR_STRING)
			continue;
		for (k = nd->first; k < nd->first + nd->n; k++) {
			v = &f->vals[k];
			fs->ords[k].ord = attr_string_find(&ix->cols[nd->attr],
			    (const char *)buf_bytes(&f->strs, v->s_off),
			    v->s_len, &found);
			fs->ords[k].found = (uint32_t)found;
			/* A list's value no document has matches nothing. */
			if (nd->op == FILTER_IN && !found)
				fs->ords[k].ord = FILTER_NO_ORD;
		}
		if (nd->op == FILTER_IN)
			qsort(fs->ords + nd->first, nd->n, sizeof(*fs->ords),
			    filter_cmp_ords);
	}
	filter_seg_lists(fs);
	return fs;
}

void
filter_seg_free(struct filter_seg *fs)
{
	if (fs == NULL)
		return;
	free(fs->ords);
	free(fs->merged);
	free(fs);
}

const uint32_t *
filter_seg_docs(const struct filter_seg *fs, size_t *n, int *exact)
{
	*n = fs->ndocs;
	*exact = fs->exact;
	return fs->docs;
}

static int
filter_cmp_docs(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/*
 * The documents with a string comparison's values (= or IN), or NULL
 * when they are too many to be worth visiting one by one.
 */
static const uint32_t *
filter_node_docs(struct filter_seg *fs, const struct filter_node *nd,
    size_t *n, uint32_t **merged)
{
	const struct attr_col *c = &fs->ix->cols[nd->attr];
	const struct filter_ord *o = &fs->ords[nd->first];
	uint32_t *v;
	size_t total = 0, k, at, out;

	*merged = NULL;
	for (k = 0; k < nd->n; k++)
		if (o[k].found)
			total += c->ord_offs[o[k].ord + 1] - c->ord_offs[o[k].ord];
	if (total * FILTER_LIST_RATIO > fs->ix->ndocs)
		return NULL;
	*n = total;
	for (k = 0; k < nd->n && !o[k].found; k++)
		;
	if (k == nd->n)
		return c->ord_docs;		/* none: an empty list */
	if (nd->n == 1 || total == c->ord_offs[o[k].ord + 1] -
	    c->ord_offs[o[k].ord])
		return c->ord_docs + c->ord_offs[o[k].ord];
	v = xreallocarray(NULL, total, sizeof(*v));
	for (at = 0, k = 0; k < nd->n; k++)
		if (o[k].found) {
			memcpy(v + at, c->ord_docs + c->ord_offs[o[k].ord],
			    (c->ord_offs[o[k].ord + 1] -
			    c->ord_offs[o[k].ord]) * sizeof(*v));
			at += c->ord_offs[o[k].ord + 1] - c->ord_offs[o[k].ord];
		}
	qsort(v, total, sizeof(*v), filter_cmp_docs);
	for (out = 0, k = 0; k < total; k++)
		if (out == 0 || v[out - 1] != v[k])
			v[out++] = v[k];
	*n = out;
	*merged = v;
	return v;
}

static int
filter_listable(const struct filter *f, const struct filter_node *nd)
{
	return (nd->op == FILTER_EQ || nd->op == FILTER_IN) &&
	    f->sc->attrs[nd->attr].type == ATTR_STRING;
}

/*
 * A filter that is, or is an AND of, a string's = or IN and more passes
 * only documents with those values: the shortest such list, if short.
 */
static void
filter_seg_lists(struct filter_seg *fs)
{
	const struct filter *f = fs->f;
	const struct filter_node *root = &f->nodes[f->root], *nd;
	const uint32_t *docs;
	uint32_t *merged;
	size_t k, n, nkids = root->op == FILTER_AND ? root->n : 1;

	for (k = 0; k < nkids; k++) {
		nd = root->op == FILTER_AND ?
		    &f->nodes[f->kids[root->first + k]] : root;
		if (!filter_listable(f, nd) ||
		    (docs = filter_node_docs(fs, nd, &n, &merged)) == NULL)
			continue;
		if (fs->docs == NULL || n < fs->ndocs) {
			free(fs->merged);
			fs->docs = docs;
			fs->ndocs = n;
			fs->merged = merged;
			fs->exact = nd == root;
		} else
			free(merged);
	}
}

/* Whether a string value (its number) is in a sorted IN list. */
static int
filter_in_ords(const struct filter_ord *v, size_t n, uint32_t ord)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].ord < ord)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].ord == ord;
}

static int
filter_in_numbers(const struct filter_value *v, size_t n, int is_int,
    int64_t i, double x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (is_int ? v[mid].i < i : v[mid].f < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && (is_int ? v[lo].i == i : v[lo].f == x);
}

static int
filter_order(enum filter_op op, int c)
{
	switch (op) {
	case FILTER_EQ:
		return c == 0;
	case FILTER_LT:
		return c < 0;
	case FILTER_LE:
		return c <= 0;
	case FILTER_GT:
		return c > 0;
	default:
		return c >= 0;
	}
}

/* Whether one value of a document satisfies a comparison. */
static int
filter_test(const struct filter_seg *fs, const struct filter_node *nd,
    const struct attr_col *col, uint32_t j)
{
	const struct filter_value *v = &fs->f->vals[nd->first];
	const struct filter_ord *o = &fs->ords[nd->first];
	enum attr_type type = fs->f->sc->attrs[nd->attr].type;
	uint32_t ord;
	int64_t i;
	double x;

	if (type == ATTR_STRING) {
		ord = col->vals.ord[j];
		if (nd->op == FILTER_IN)
			return filter_in_ords(o, nd->n, ord);
		if (nd->op == FILTER_EQ)
			return o->found && ord == o->ord;
		/* o->ord is the first string >= the value, equal if found. */
		return filter_order(nd->op, ord < o->ord ? -1 :
		    ord == o->ord && o->found ? 0 : 1);
	}
	if (type == ATTR_INT) {
		i = col->vals.i[j];
		if (nd->op == FILTER_IN)
			return filter_in_numbers(v, nd->n, 1, i, 0);
		return filter_order(nd->op, (i > v->i) - (i < v->i));
	}
	x = col->vals.f[j];
	if (nd->op == FILTER_IN)
		return filter_in_numbers(v, nd->n, 0, 0, x);
	return filter_order(nd->op, (x > v->f) - (x < v->f));
}

static int
filter_node_match(const struct filter_seg *fs, size_t n, uint32_t doc)
{
	const struct filter *f = fs->f;
	const struct filter_node *nd = &f->nodes[n];
	const struct attr_col *col;
	uint32_t j, end;
	size_t k;

	switch (nd->op) {
	case FILTER_AND:
		for (k = 0; k < nd->n; k++)
			if (!filter_node_match(fs, f->kids[nd->first + k], doc))
				return 0;
		return 1;
	case FILTER_OR:
		for (k = 0; k < nd->n; k++)
			if (filter_node_match(fs, f->kids[nd->first + k], doc))
				return 1;
		return 0;
	case FILTER_NOT:
		return !filter_node_match(fs, f->kids[nd->first], doc);
	default:
		col = &fs->ix->cols[nd->attr];
		end = col->offs[doc + 1];
		for (j = col->offs[doc]; j < end; j++)
			if (filter_test(fs, nd, col, j))
				return 1;
		return 0;
	}
}

int
filter_match(const struct filter_seg *fs, uint32_t doc)
{
	return filter_node_match(fs, fs->f->root, doc);
}
