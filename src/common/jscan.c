/* jscan.c: see jscan.h. */
#include <string.h>

#include "jscan.h"

/* Parser state: the input and a cursor; lives on the caller's stack. */
struct jscan {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;
	enum jscan_error	 err;
};

static int	jscan_value(struct jscan *, struct jscan_value *);

static int
jscan_fail(struct jscan *s, enum jscan_error err)
{
	if (s->err == JSCAN_OK)
		s->err = err;
	return -1;
}

static void
jscan_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
jscan_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence starting at a byte >= 0x80: no overlongs, surrogates
 * or code points past U+10FFFF. */
static int
jscan_utf8(struct jscan *s)
{
	const unsigned char *p = s->p;
	unsigned c = *p, n, i, cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else
		return jscan_fail(s, JSCAN_UTF8);
	if ((size_t)(s->end - p) <= n)
		return jscan_fail(s, JSCAN_UTF8);
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return jscan_fail(s, JSCAN_UTF8);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return jscan_fail(s, JSCAN_UTF8);
	s->p += n + 1;
	return 0;
}

static int
jscan_string(struct jscan *s, struct jscan_value *v)
{
	s->p++;
	v->type = JSCAN_STRING;
	v->p = (const char *)s->p;
	v->escaped = 0;
	while (s->p < s->end) {
		unsigned char c = *s->p;

		if (c == '"') {
			v->len = (size_t)((const char *)s->p - v->p);
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return jscan_fail(s, JSCAN_SYNTAX);
		if (c >= 0x80) {
			if (jscan_utf8(s) == -1)
				return -1;
			continue;
		}
		if (c == '\\') {
			v->escaped = 1;
			if (++s->p == s->end)
				break;
			if (*s->p == 'u') {
				if (s->end - s->p < 5 || jscan_hex(s->p[1]) < 0 ||
				    jscan_hex(s->p[2]) < 0 ||
				    jscan_hex(s->p[3]) < 0 || jscan_hex(s->p[4]) < 0)
					return jscan_fail(s, JSCAN_SYNTAX);
				s->p += 4;
			} else if (strchr("\"\\/bfnrt", *s->p) == NULL ||
			    *s->p == '\0')
				return jscan_fail(s, JSCAN_SYNTAX);
		}
		s->p++;
	}
	return jscan_fail(s, JSCAN_SYNTAX);
}

static int
jscan_digits(struct jscan *s)
{
	const unsigned char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : jscan_fail(s, JSCAN_SYNTAX);
}

static int
jscan_number(struct jscan *s, struct jscan_value *v)
{
	const unsigned char *q;
	uint64_t mag = 0, limit;
	int neg;

	v->type = JSCAN_NUMBER;
	v->p = (const char *)s->p;
	neg = *s->p == '-';
	if (neg)
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (jscan_digits(s) == -1)
		return -1;
	v->integral = 1;
	v->fits = 1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (q = (const unsigned char *)v->p + neg; q < s->p; q++) {
		if (mag > (limit - (uint64_t)(*q - '0')) / 10)
			v->fits = 0;
		else
			mag = mag * 10 + (uint64_t)(*q - '0');
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		v->integral = v->fits = 0;
		if (jscan_digits(s) == -1)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		v->integral = v->fits = 0;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (jscan_digits(s) == -1)
			return -1;
	}
	v->len = (size_t)((const char *)s->p - v->p);
	if (v->fits)
		v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int
jscan_literal(struct jscan *s, struct jscan_value *v, const char *word,
    enum jscan_type type)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return jscan_fail(s, JSCAN_SYNTAX);
	v->type = type;
	v->p = (const char *)s->p;
	v->len = n;
	s->p += n;
	return 0;
}

/* The members of an object or the elements of an array, after the '{'. */
static int
jscan_container(struct jscan *s, int object, jscan_member_fn fn, void *arg)
{
	struct jscan_value key, val;
	unsigned char close = object ? '}' : ']';

	if (++s->depth > JSCAN_MAX_DEPTH)
		return jscan_fail(s, JSCAN_DEPTH);
	s->p++;
	jscan_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (object) {
			if (s->p == s->end || *s->p != '"' ||
			    jscan_string(s, &key) == -1)
				return jscan_fail(s, JSCAN_SYNTAX);
			jscan_ws(s);
			if (s->p == s->end || *s->p++ != ':')
				return jscan_fail(s, JSCAN_SYNTAX);
			jscan_ws(s);
		}
		if (jscan_value(s, &val) == -1)
			return -1;
		if (fn != NULL && fn(arg, object ? &key : NULL, &val) != 0)
			return jscan_fail(s, JSCAN_STOPPED);
		jscan_ws(s);
		if (s->p == s->end)
			return jscan_fail(s, JSCAN_SYNTAX);
		if (*s->p == close)
			break;
		if (*s->p++ != ',')
			return jscan_fail(s, JSCAN_SYNTAX);
		jscan_ws(s);
	}
	s->p++;
	s->depth--;
	return 0;
}

static int
jscan_value(struct jscan *s, struct jscan_value *v)
{
	const unsigned char *start = s->p;

	memset(v, 0, sizeof(*v));
	if (s->p == s->end)
		return jscan_fail(s, JSCAN_SYNTAX);
	switch (*s->p) {
	case '"':
		return jscan_string(s, v);
	case '{':
	case '[':
		v->type = *s->p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
		if (jscan_container(s, *s->p == '{', NULL, NULL) == -1)
			return -1;
		v->p = (const char *)start;
		v->len = (size_t)(s->p - start);
		return 0;
	case 't':
		return jscan_literal(s, v, "true", JSCAN_TRUE);
	case 'f':
		return jscan_literal(s, v, "false", JSCAN_FALSE);
	case 'n':
		return jscan_literal(s, v, "null", JSCAN_NULL);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return jscan_number(s, v);
		return jscan_fail(s, JSCAN_SYNTAX);
	}
}

enum jscan_error
jscan_object(const char *p, size_t len, jscan_member_fn fn, void *arg)
{
	struct jscan s = { (const unsigned char *)p,
	    (const unsigned char *)p + len, 0, JSCAN_OK };
	struct jscan_value v;

	jscan_ws(&s);
	if (s.p < s.end && *s.p != '{') {
		/* Still tell "not JSON" from "JSON, but not an object". */
		if (jscan_value(&s, &v) == -1)
			return s.err;
		jscan_ws(&s);
		return s.p == s.end ? JSCAN_NOT_OBJECT : JSCAN_SYNTAX;
	}
	if (s.p == s.end)
		return JSCAN_SYNTAX;
	if (jscan_container(&s, 1, fn, arg) == -1)
		return s.err;
	jscan_ws(&s);
	return s.p == s.end ? JSCAN_OK : JSCAN_SYNTAX;
}

enum jscan_error
jscan_array(const char *p, size_t len, jscan_member_fn fn, void *arg)
{
	struct jscan s = { (const unsigned char *)p,
	    (const unsigned char *)p + len, 0, JSCAN_OK };

	jscan_ws(&s);
	if (s.p == s.end || *s.p != '[')
		return JSCAN_SYNTAX;
	if (jscan_container(&s, 0, fn, arg) == -1)
		return s.err;
	jscan_ws(&s);
	return s.p == s.end ? JSCAN_OK : JSCAN_SYNTAX;
}

const char *
jscan_strerror(enum jscan_error e)
{
	switch (e) {
	case JSCAN_OK:
		return "no error";
	case JSCAN_SYNTAX:
		return "not valid JSON";
	case JSCAN_UTF8:
		return "not valid UTF-8";
	case JSCAN_NOT_OBJECT:
		return "not a JSON object";
	case JSCAN_DEPTH:
		return "nested too deeply";
	case JSCAN_STOPPED:
		return "stopped";
	}
	return "unknown error";
}

static void
jscan_put_utf8(struct buf *out, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, u, 4);
	}
}

static unsigned
jscan_u4(const char *p)
{
	return (unsigned)(jscan_hex((unsigned char)p[0]) << 12 |
	    jscan_hex((unsigned char)p[1]) << 8 |
	    jscan_hex((unsigned char)p[2]) << 4 | jscan_hex((unsigned char)p[3]));
}

/* The value was validated by jscan_string, so escapes are well formed. */
void
jscan_unescape(const struct jscan_value *v, struct buf *out)
{
	const char *p = v->p, *end = v->p + v->len, *bs;
	unsigned cp, lo;

	while (p < end) {
		if ((bs = memchr(p, '\\', (size_t)(end - p))) == NULL) {
			buf_add(out, p, (size_t)(end - p));
			return;
		}
		buf_add(out, p, (size_t)(bs - p));
		p = bs + 1;
		switch (*p) {
		case 'b': buf_addc(out, '\b'); p++; break;
		case 'f': buf_addc(out, '\f'); p++; break;
		case 'n': buf_addc(out, '\n'); p++; break;
		case 'r': buf_addc(out, '\r'); p++; break;
		case 't': buf_addc(out, '\t'); p++; break;
		case 'u':
			cp = jscan_u4(p + 1);
			p += 5;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    (lo = jscan_u4(p + 2)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;	/* a lone surrogate */
			jscan_put_utf8(out, cp);
			break;
		default:
			buf_addc(out, *p++);
			break;
		}
	}
}

int
jscan_string_eq(const struct jscan_value *v, const char *lit)
{
	struct buf b;
	int eq;

	if (v->type != JSCAN_STRING)
		return 0;
	if (!v->escaped)
		return v->len == strlen(lit) && memcmp(v->p, lit, v->len) == 0;
	buf_init(&b);
	jscan_unescape(v, &b);
	eq = b.len == strlen(lit) && memcmp(b.data, lit, b.len) == 0;
	buf_free(&b);
	return eq;
}
