/* tokenize.c: see tokenize.h. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenize.h"

#define TOKENIZE_FOLD (UTF8PROC_STABLE | UTF8PROC_COMPOSE | \
	UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK)

enum tokenize_class {
	TOKENIZE_SPACE,		/* separates words */
	TOKENIZE_WORD,		/* letter or digit */
	TOKENIZE_MARK,		/* combining mark: part of a word in progress */
	TOKENIZE_CJK,		/* a word by itself */
};

/*
 * Scripts written without spaces between words.  utf8proc has no script
 * property, so these are the Unicode blocks themselves.
 */
static const struct {
	int32_t	first;
	int32_t	last;
} tokenize_cjk[] = {
	{ 0x3005, 0x3007 },	/* ideographic iteration mark, number zero */
	{ 0x3021, 0x3029 },	/* Hangzhou numerals */
	{ 0x3040, 0x30ff },	/* Hiragana, Katakana */
	{ 0x31f0, 0x31ff },	/* Katakana phonetic extensions */
	{ 0x3400, 0x4dbf },	/* CJK extension A */
	{ 0x4e00, 0x9fff },	/* CJK unified ideographs */
	{ 0xac00, 0xd7af },	/* Hangul syllables */
	{ 0xf900, 0xfaff },	/* CJK compatibility ideographs */
	{ 0xff66, 0xff9f },	/* halfwidth Katakana */
	{ 0x20000, 0x323af },	/* CJK extensions B to H */
};

static int
tokenize_is_cjk(int32_t cp)
{
	size_t i;

	if (cp < tokenize_cjk[0].first)
		return 0;
	for (i = 0; i < sizeof(tokenize_cjk) / sizeof(tokenize_cjk[0]); i++) {
		if (cp >= tokenize_cjk[i].first && cp <= tokenize_cjk[i].last)
			return 1;
	}
	return 0;
}

/* Most text is ASCII: its letters and digits are words, the rest space. */
static int
tokenize_ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static enum tokenize_class
tokenize_classify(int32_t cp)
{
	utf8proc_category_t cat;

	if (cp < 0x80)
		return tokenize_ascii_word((unsigned char)cp) ? TOKENIZE_WORD :
		    TOKENIZE_SPACE;
	cat = utf8proc_category(cp);
	switch (cat) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return tokenize_is_cjk(cp) ? TOKENIZE_CJK : TOKENIZE_WORD;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return TOKENIZE_MARK;
	default:
		return TOKENIZE_SPACE;
	}
}

/* Decodes the character at off; returns its length or -1 if invalid. */
static int
tokenize_decode(const struct tokenize *t, size_t off, int32_t *cp)
{
	const unsigned char *p = (const unsigned char *)t->s + off;
	utf8proc_ssize_t n;

	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	n = utf8proc_iterate(p, (utf8proc_ssize_t)(t->len - off), cp);
	if (n <= 0 || *cp < 0)
		return -1;
	return (int)n;
}

/* Cuts a folded term back to a character boundary within max bytes. */
static size_t
tokenize_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static int
tokenize_fold(const char *s, size_t len, char *out, size_t outsize)
{
	utf8proc_uint8_t *mapped;
	utf8proc_ssize_t n;
	size_t i, cut;
	int ascii = 1;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			ascii = 0;
			break;
		}
	}
	if (ascii) {
		cut = len < outsize - 1 ? len : outsize - 1;
		for (i = 0; i < cut; i++) {
			out[i] = s[i];
			if (s[i] >= 'A' && s[i] <= 'Z')
				out[i] = (char)(s[i] - 'A' + 'a');
		}
		out[cut] = '\0';
		return (int)cut;
	}
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
	    &mapped, TOKENIZE_FOLD);
	if (n < 0)
		return -1;
	cut = tokenize_cut((const char *)mapped, (size_t)n, outsize - 1);
	memcpy(out, mapped, cut);
	out[cut] = '\0';
	free(mapped);
	return (int)cut;
}

void
tokenize_init(struct tokenize *t, const char *s, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->s = s;
	t->len = len;
}

/* Finds the end of the word starting at t->start; returns -1 if invalid. */
static int
tokenize_word_end(struct tokenize *t, size_t off)
{
	enum tokenize_class cls;
	int32_t cp;
	int n;

	while (off < t->len) {
		if ((unsigned char)t->s[off] < 0x80) {
			if (!tokenize_ascii_word((unsigned char)t->s[off]))
				break;
			off++;
			continue;
		}
		if ((n = tokenize_decode(t, off, &cp)) < 0)
			return -1;
		cls = tokenize_classify(cp);
		if (cls != TOKENIZE_WORD && cls != TOKENIZE_MARK)
			break;
		off += (size_t)n;
	}
	t->end = off;
	return 0;
}

/* An ASCII letter or digit, lower-cased; 0 for any other byte. */
static inline char
tokenize_ascii_fold(unsigned char c)
{
	if ((unsigned)(c - 'a') < 26 || (unsigned)(c - '0') < 10)
		return (char)c;
	if ((unsigned)(c - 'A') < 26)
		return (char)(c - 'A' + 'a');
	return 0;
}

/*
 * Most words are ASCII: scans and folds one in a single pass.  Returns 0,
 * leaving t as it was, when a non-ASCII byte continues the word.
 */
static int
tokenize_ascii(struct tokenize *t)
{
	size_t off = t->off, n = 0;
	char f;

	while (off < t->len && (f = tokenize_ascii_fold(
	    (unsigned char)t->s[off])) != 0) {
		if (n < sizeof(t->term) - 1)
			t->term[n++] = f;
		off++;
	}
	if (off < t->len && (unsigned char)t->s[off] >= 0x80)
		return 0;
	t->term[n] = '\0';
	t->term_len = n;
	t->start = t->off;
	t->end = t->off = off;
	return 1;
}

int
tokenize_next(struct tokenize *t)
{
	enum tokenize_class cls;
	int32_t cp;
	int n, len;

	while (t->off < t->len) {
		if ((unsigned char)t->s[t->off] < 0x80) {
			if (!tokenize_ascii_word((unsigned char)t->s[t->off])) {
				t->off++;
				continue;
			}
			if (tokenize_ascii(t))
				return 1;
		}
		if ((n = tokenize_decode(t, t->off, &cp)) < 0)
			return -1;
		cls = tokenize_classify(cp);
		t->start = t->off;
		if (cls == TOKENIZE_CJK)
			t->end = t->off + (size_t)n;
		else if (cls == TOKENIZE_WORD) {
			if (tokenize_word_end(t, t->off + (size_t)n) == -1)
				return -1;
		} else {
			t->off += (size_t)n;
			continue;
		}
		t->off = t->end;
		len = tokenize_fold(t->s + t->start, t->end - t->start,
		    t->term, sizeof(t->term));
		if (len < 0)
			return -1;
		if (len == 0)
			continue;
		t->term_len = (size_t)len;
		return 1;
	}
	return 0;
}
