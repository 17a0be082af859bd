/* attrs.c: see attrs.h. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "buf.h"
#include "fields.h"
#include "index.h"
#include "jscan.h"
#include "xmalloc.h"

/* One value of a document, as read: a number, or a string in strs. */
struct attrs_value {
	int64_t		i;
	double		f;
	size_t		s_off;
	size_t		s_len;
};

/* One document's attribute values, reused from document to document. */
struct attrs_doc {
	const struct schema	*sc;
	struct attrs_value	*v;
	size_t			 n;
	size_t			 cap;
	size_t			*first;		/* by attribute, into v */
	size_t			*count;
	struct buf		 strs;		/* the strings, unescaped */
	struct buf		 key;
	const struct attr_def	*cur;		/* reading its array */
	char			*err;
	size_t			 errlen;
};

static void
attrs_doc_init(struct attrs_doc *d, const struct schema *sc)
{
	memset(d, 0, sizeof(*d));
	d->sc = sc;
	d->first = xcalloc(sc->nattrs + 1, sizeof(*d->first));
	d->count = xcalloc(sc->nattrs + 1, sizeof(*d->count));
	buf_init(&d->strs);
	buf_init(&d->key);
}

static void
attrs_doc_free(struct attrs_doc *d)
{
	free(d->v);
	free(d->first);
	free(d->count);
	buf_free(&d->strs);
	buf_free(&d->key);
}

static int
attrs_fail(struct attrs_doc *d, const char *what)
{
	snprintf(d->err, d->errlen, "%s: %s", d->cur->name, what);
	return -1;
}

/* A JSON number's value; a long one (many digits) is copied to the heap. */
static double
attrs_number(const struct jscan_value *v, char *num, size_t size)
{
	char *p = v->len < size ? num : xmalloc(v->len + 1);
	double x;

	memcpy(p, v->p, v->len);
	p[v->len] = '\0';
	x = strtod(p, NULL);
	if (p != num)
		free(p);
	return x;
}

/* Reads one scalar of the attribute being read into a new value. */
static int
attrs_scalar(struct attrs_doc *d, const struct jscan_value *v)
{
	const struct attr_def *a = d->cur;
	struct attrs_value *x;
	char num[64];
	size_t start;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	x = &d->v[d->n];
	memset(x, 0, sizeof(*x));
	switch (a->type) {
	case ATTR_STRING:
		if (v->type != JSCAN_STRING)
			return attrs_fail(d, a->multi ? "not an array of "
			    "strings" : "not a string");
		start = d->strs.len;
		jscan_unescape(v, &d->strs);
		if (d->strs.len - start > ATTRS_STRING_MAX)
			return attrs_fail(d, "a string longer than 1024 bytes");
		x->s_off = start;
		x->s_len = d->strs.len - start;
		break;
	case ATTR_INT:
		if (v->type != JSCAN_NUMBER || !v->integral)
			return attrs_fail(d, a->multi ? "not an array of "
			    "integers" : "not an integer");
		if (!v->fits)
			return attrs_fail(d, "an integer out of range");
		x->i = v->i;
		break;
	case ATTR_FLOAT:
		if (v->type != JSCAN_NUMBER)
			return attrs_fail(d, a->multi ? "not an array of "
			    "numbers" : "not a number");
		x->f = attrs_number(v, num, sizeof(num));
		if (!isfinite(x->f))
			return attrs_fail(d, "a number out of range");
		/* -0 is 0, as filters and sorts compare them. */
		if (x->f == 0)
			x->f = 0;
		break;
	}
	d->n++;
	return 0;
}

static int
attrs_element(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct attrs_doc *d = arg;

	(void)key;
	if (d->n - d->first[d->cur - d->sc->attrs] == ATTRS_VALUES_MAX) {
		attrs_fail(d, "more than 1024 values");
		return 1;
	}
	return attrs_scalar(d, v) == -1;
}

static int
attrs_member(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct attrs_doc *d = arg;
	int at;

	buf_reset(&d->key);
	jscan_unescape(key, &d->key);
	if ((at = schema_find(d->sc, d->key.data, d->key.len)) == -1)
		return 0;
	/* Of two members with one name, the last counts, as in json-c. */
	d->cur = &d->sc->attrs[at];
	d->first[at] = d->n;
	d->count[at] = 0;
	if (v->type == JSCAN_NULL)
		return 0;
	if (d->cur->multi) {
		if (v->type != JSCAN_ARRAY)
			return attrs_fail(d, d->cur->type == ATTR_STRING ?
			    "not an array of strings" : d->cur->type ==
			    ATTR_INT ? "not an array of integers" :
			    "not an array of numbers") == -1;
		if (jscan_array(v->p, v->len, attrs_element, d) != JSCAN_OK)
			return 1;
	} else if (attrs_scalar(d, v) == -1)
		return 1;
	d->count[at] = d->n - d->first[at];
	return 0;
}

/* Reads a document's values; -1 with "key: reason" in err. */
static int
attrs_read(struct attrs_doc *d, const char *extra, size_t len,
    struct buf *scratch, char *err, size_t errlen)
{
	size_t i;

	d->n = 0;
	buf_reset(&d->strs);
	for (i = 0; i < d->sc->nattrs; i++)
		d->count[i] = 0;
	if (len == 0)
		return 0;
	d->err = err;
	d->errlen = errlen;
	err[0] = '\0';
	buf_reset(scratch);
	buf_addc(scratch, '{');
	buf_add(scratch, extra, len);
	buf_addc(scratch, '}');
	if (jscan_object(scratch->data, scratch->len, attrs_member, d) !=
	    JSCAN_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "members are not JSON");
		return -1;
	}
	return 0;
}

int
attrs_check(const struct schema *sc, const char *extra, size_t len,
    char *err, size_t errlen)
{
	struct attrs_doc d;
	struct buf scratch;
	int rc;

	if (fields_check(sc, extra, len, err, errlen) == -1)
		return -1;
	if (sc == NULL || sc->nattrs == 0 || len == 0)
		return 0;
	attrs_doc_init(&d, sc);
	buf_init(&scratch);
	rc = attrs_read(&d, extra, len, &scratch, err, errlen);
	buf_free(&scratch);
	attrs_doc_free(&d);
	return rc;
}

/* A column being made: values appended document by document. */
struct attrs_make {
	struct attr_col		 col;
	size_t			 cap;
	struct buf		 strs;		/* every string value, unsorted */
	uint64_t		*s_off;		/* by value */
	uint32_t		*s_len;
};

static void
attrs_make_push(struct attrs_make *m, const struct attr_def *a,
    const struct attrs_doc *d, const struct attrs_value *x)
{
	if (m->col.nvals == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		if (a->type == ATTR_STRING) {
			m->s_off = xreallocarray(m->s_off, m->cap,
			    sizeof(*m->s_off));
			m->s_len = xreallocarray(m->s_len, m->cap,
			    sizeof(*m->s_len));
		} else
			m->col.vals.i = xreallocarray(m->col.vals.i, m->cap,
			    sizeof(int64_t));
	}
	if (a->type == ATTR_STRING) {
		m->s_off[m->col.nvals] = m->strs.len;
		m->s_len[m->col.nvals] = (uint32_t)x->s_len;
		buf_add(&m->strs, buf_bytes(&d->strs, x->s_off), x->s_len);
	} else if (a->type == ATTR_INT) {
		m->col.vals.i[m->col.nvals] = x->i;
		if (m->col.nvals == 0 || x->i < m->col.min)
			m->col.min = x->i;
		if (m->col.nvals == 0 || x->i > m->col.max)
			m->col.max = x->i;
	}
	else
		m->col.vals.f[m->col.nvals] = x->f;
	m->col.nvals++;
}


static int
attrs_cmp(const void *pa, const void *pb, void *arg)
{
	const struct attrs_make *m = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return attr_bytes_cmp((const char *)buf_bytes(&m->strs, m->s_off[a]),
	    m->s_len[a], (const char *)buf_bytes(&m->strs, m->s_off[b]),
	    m->s_len[b]);
}

/* Numbers the distinct strings in byte order; the values become them. */
static void
attrs_make_strings(struct attrs_make *m)
{
	struct attr_col *c = &m->col;
	struct buf str;
	uint32_t *order, i, n = 0;

	order = xreallocarray(NULL, c->nvals ? c->nvals : 1, sizeof(*order));
	for (i = 0; i < c->nvals; i++)
		order[i] = i;
	qsort_r(order, c->nvals, sizeof(*order), attrs_cmp, m);
	c->vals.ord = xreallocarray(NULL, c->nvals ? c->nvals : 1,
	    sizeof(*c->vals.ord));
	c->str_offs = xreallocarray(NULL, c->nvals + 1, sizeof(*c->str_offs));
	buf_init(&str);
	for (i = 0; i < c->nvals; i++) {
		if (i == 0 || attrs_cmp(&order[i - 1], &order[i], m) != 0) {
			c->str_offs[n++] = str.len;
			buf_add(&str, buf_bytes(&m->strs, m->s_off[order[i]]),
			    m->s_len[order[i]]);
		}
		c->vals.ord[order[i]] = n - 1;
	}
	c->str_offs[n] = str.len;
	c->nstr = n;
	c->str = str.data != NULL ? str.data : xmalloc(1);
	free(order);
	free(m->s_off);
	free(m->s_len);
	buf_free(&m->strs);
}

void
attrs_make_lists(struct attr_col *c, uint32_t ndocs)
{
	uint32_t *last, d, j, o, n = 0;

	c->ord_offs = xcalloc((size_t)c->nstr + 1, sizeof(*c->ord_offs));
	last = xreallocarray(NULL, (size_t)c->nstr + 1, sizeof(*last));
	memset(last, 0xff, ((size_t)c->nstr + 1) * sizeof(*last));
	for (d = 0; d < ndocs; d++)
		for (j = c->offs[d]; j < c->offs[d + 1]; j++) {
			o = c->vals.ord[j];
			if (last[o] != d) {
				last[o] = d;
				c->ord_offs[o + 1]++;
				n++;
			}
		}
	for (o = 0; o < c->nstr; o++)
		c->ord_offs[o + 1] += c->ord_offs[o];
	c->ord_docs = xreallocarray(NULL, n ? n : 1, sizeof(*c->ord_docs));
	memset(last, 0xff, ((size_t)c->nstr + 1) * sizeof(*last));
	/* ord_offs[o] is, as this goes, where o's next document goes. */
	for (d = 0; d < ndocs; d++)
		for (j = c->offs[d]; j < c->offs[d + 1]; j++) {
			o = c->vals.ord[j];
			if (last[o] != d) {
				last[o] = d;
				c->ord_docs[c->ord_offs[o]++] = d;
			}
		}
	for (o = c->nstr; o > 0; o--)
		c->ord_offs[o] = c->ord_offs[o - 1];
	c->ord_offs[0] = 0;
	free(last);
}

int
attrs_attach(struct index *ix, char *err, size_t errlen)
{
	const struct schema *sc = ix->schema;
	struct attrs_make *m;
	struct attrs_doc d;
	struct index_doc doc;
	struct buf scratch;
	char why[256];
	uint32_t i;
	size_t a, k;
	int rc = 0;

	if (sc == NULL || sc->nattrs == 0)
		return 0;
	m = xcalloc(sc->nattrs, sizeof(*m));
	for (a = 0; a < sc->nattrs; a++) {
		m[a].col.offs = xreallocarray(NULL, (size_t)ix->ndocs + 1,
		    sizeof(*m[a].col.offs));
		buf_init(&m[a].strs);
	}
	attrs_doc_init(&d, sc);
	buf_init(&scratch);
	for (i = 0; i < ix->ndocs && rc == 0; i++) {
		index_doc(ix, i, &doc);
		if (attrs_read(&d, doc.extra, doc.extra ? doc.extra_len : 0,
		    &scratch, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "document \"%.*s\": %s",
			    (int)(doc.id_len > 200 ? 200 : doc.id_len), doc.id,
			    why);
			rc = -1;
			break;
		}
		for (a = 0; a < sc->nattrs; a++) {
			m[a].col.offs[i] = (uint32_t)m[a].col.nvals;
			for (k = 0; k < d.count[a]; k++)
				attrs_make_push(&m[a], &sc->attrs[a], &d,
				    &d.v[d.first[a] + k]);
			if (m[a].col.nvals > UINT32_MAX - ATTRS_VALUES_MAX) {
				snprintf(err, errlen, "%s: more than 2^32 "
				    "values in one segment", sc->attrs[a].name);
				rc = -1;
			}
		}
	}
	attrs_doc_free(&d);
	buf_free(&scratch);
	if (rc == -1) {
		/* The columns stop at the document that did not fit. */
		for (a = 0; a < sc->nattrs; a++) {
			free(m[a].col.offs);
			free(m[a].col.vals.i);
			free(m[a].s_off);
			free(m[a].s_len);
			buf_free(&m[a].strs);
		}
		free(m);
		return -1;
	}
	ix->cols = xcalloc(sc->nattrs, sizeof(*ix->cols));
	for (a = 0; a < sc->nattrs; a++) {
		m[a].col.offs[ix->ndocs] = (uint32_t)m[a].col.nvals;
		if (sc->attrs[a].type == ATTR_STRING) {
			attrs_make_strings(&m[a]);
			attrs_make_lists(&m[a].col, ix->ndocs);
		}
		ix->cols[a] = m[a].col;
	}
	free(m);
	ix->memory += attrs_memory(ix->cols, sc->nattrs, ix->ndocs);
	return 0;
}

uint32_t
attr_string_find(const struct attr_col *c, const char *s, size_t len,
    int *found)
{
	uint32_t lo = 0, hi = c->nstr, mid;
	const char *x;
	size_t xl;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		x = attr_string(c, mid, &xl);
		if (attr_bytes_cmp(x, xl, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	if (lo < c->nstr) {
		x = attr_string(c, lo, &xl);
		*found = xl == len && memcmp(x, s, len) == 0;
	}
	return lo;
}
