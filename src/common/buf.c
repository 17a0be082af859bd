/* buf.c: see buf.h. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_grow(struct buf *b, size_t more)
{
	size_t cap;

	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			cap = b->len + more;
		else
			cap *= 2;
	}
	b->data = xreallocarray(b->data, 1, cap);
	b->cap = cap;
}

void
buf_trim(struct buf *b, size_t keep)
{
	if (b->cap <= keep)
		return;
	b->len = 0;
	b->data = xreallocarray(b->data, 1, keep);
	b->cap = keep;
}

void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	buf_reserve(b, len);
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		buf_add(b, tmp, (size_t)n);
		return;
	}
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Bytes that need no escape, eight at a time: none below 0x20 and no '"'
 * or '\\' (the classic has-zero-byte tests; bytes >= 0x80 pass).
 */
static size_t
buf_json_plain(const unsigned char *p, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t w, quote, bslash, ctrl;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		quote = w ^ (ones * '"');
		bslash = w ^ (ones * '\\');
		ctrl = (w - ones * 0x20) & ~w;
		if (((((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
		    ctrl) & high) != 0)
			break;
	}
	while (i < len && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

void
buf_json_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run;

	buf_reserve(b, len + 2);
	buf_addc(b, '"');
	for (i = 0; i < len; i = run + 1) {
		run = i + buf_json_plain(p + i, len - i);
		buf_add(b, p + i, run - i);
		if (run == len)
			break;
		switch (p[run]) {
		case '"':
			buf_add(b, "\\\"", 2);
			break;
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		case '\b':
			buf_add(b, "\\b", 2);
			break;
		case '\f':
			buf_add(b, "\\f", 2);
			break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0',
			    hex[p[run] >> 4], hex[p[run] & 0xf] };
			buf_add(b, esc, sizeof(esc));
			break;
		}
		}
	}
	buf_addc(b, '"');
}

void
buf_json_key(struct buf *b, const char *key)
{
	buf_json_string(b, key, strlen(key));
	buf_add(b, ": ", 2);
}

/* Digits written backwards into a small buffer: no printf on the hot path. */
void
buf_json_uint(struct buf *b, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
buf_json_int(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		buf_json_uint(b, (uint64_t)0 - (uint64_t)v);
	} else
		buf_json_uint(b, (uint64_t)v);
}

#ifdef __SIZEOF_INT128__
static const uint64_t buf_pow10[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
};

/*
 * printf's "%.15g" for 1e-4 <= |v| < 1e15, where it prints no exponent,
 * in exact integer arithmetic: v = f / 2^k, so the fifteen digits are
 * f * 10^s / 2^k rounded half to even, as glibc rounds.  snprintf costs
 * 190 ns a call and a reply has ten scores.  Returns 0 for other values.
 */
static size_t
buf_g15(double v, char *out)
{
	static const uint64_t lo = 100000000000000ULL, hi = lo * 10;
	unsigned __int128 n, rem, half;
	uint64_t q, ten;
	double a = fabs(v);
	char d[15], *p = out;
	int ex, e, k, i, last;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	n = (unsigned __int128)ldexp(frexp(a, &ex), 53);
	k = 53 - ex;
	/* A first guess, which log10's rounding may leave one off. */
	e = (int)floor(log10(a));
	e = e < -4 ? -4 : e > 14 ? 14 : e;
	for (;;) {
		ten = buf_pow10[14 - e];
		q = (uint64_t)((n * ten) >> k);
		if (q >= hi && e < 14)
			e++;
		else if (q < lo && e > -4)
			e--;
		else
			break;
	}
	if (q < lo || q >= hi)
		return 0;
	rem = (n * ten) & (((unsigned __int128)1 << k) - 1);
	half = (unsigned __int128)1 << (k - 1);
	if (rem > half || (rem == half && (q & 1)))
		q++;
	if (q == hi) {
		if (e == 14)
			return 0;	/* 1e+15: printf switches to an exponent */
		q = lo;
		e++;
	}
	for (i = 14; i >= 0; i--, q /= 10)
		d[i] = (char)('0' + q % 10);
	for (last = 14; last > 0 && last > e && d[last] == '0'; last--)
		;
	if (v < 0)
		*p++ = '-';
	if (e < 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = e + 1; i < 0; i++)
			*p++ = '0';
	}
	for (i = 0; i <= last; i++) {
		if (i == e + 1 && e >= 0)
			*p++ = '.';
		*p++ = d[i];
	}
	return (size_t)(p - out);
}
#else
static size_t
buf_g15(double v, char *out)
{
	(void)v;
	(void)out;
	return 0;
}
#endif

/*
 * Fifteen significant digits: every double prints distinctly enough for a
 * score (finding the shortest exact form costs a strtod per try, on every
 * hit of every reply).
 */
void
buf_json_double(struct buf *b, double v)
{
	char tmp[32];
	size_t n;

	if (!isfinite(v)) {
		buf_add(b, "0", 1);
		return;
	}
	if (v == 0) {
		/* An exact-id hit that matched no word scores 0. */
		buf_adds(b, signbit(v) ? "-0.0" : "0.0");
		return;
	}
	if ((n = buf_g15(v, tmp)) == 0)
		n = (size_t)snprintf(tmp, sizeof(tmp), "%.15g", v);
	buf_add(b, tmp, n);
	if (memchr(tmp, '.', n) == NULL && memchr(tmp, 'e', n) == NULL)
		buf_add(b, ".0", 2);
}
