/* Unit tests of word splitting and folding: src/engine/tokenize.c. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"
#include "check_run.h"

/* Checks that s splits into exactly the given terms (NULL-terminated). */
static void
ck_terms(const char *s, ...)
{
	struct tokenize t;
	const char *want;
	va_list ap;

	tokenize_init(&t, s, strlen(s));
	va_start(ap, s);
	while ((want = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(tokenize_next(&t) == 1, "%s: no word for %s",
		    s, want);
		ck_assert_str_eq(t.term, want);
		ck_assert_uint_eq(t.term_len, strlen(want));
	}
	va_end(ap);
	ck_assert_msg(tokenize_next(&t) == 0, "%s: extra word %s", s, t.term);
}

START_TEST(test_ascii)
{
	ck_terms("Follow the white rabbit.", "follow", "the", "white",
	    "rabbit", NULL);
	ck_terms("  --hello,,World!! ", "hello", "world", NULL);
	ck_terms("", NULL);
	ck_terms("...!?", NULL);
	ck_terms("don't e-mail", "don", "t", "e", "mail", NULL);
	/* An ASCII word ended by non-ASCII punctuation or space. */
	ck_terms("wait\xe2\x80\xa6 A\xc2\xa0" "B", "wait", "a", "b", NULL);
}
END_TEST

START_TEST(test_digits)
{
	ck_terms("R2D2 route66 1999 3.14", "r2d2", "route66", "1999", "3",
	    "14", NULL);
	/* Arabic-Indic digits are digits (Nd), kept as they are. */
	ck_terms("x\xd9\xa3y", "x\xd9\xa3y", NULL);
}
END_TEST

START_TEST(test_case_and_diacritics)
{
	ck_terms("Cafe caf\xc3\xa9 CAF\xc3\x89", "cafe", "cafe", "cafe", NULL);
	/* A decomposed e + U+0301 is the same word. */
	ck_terms("cafe\xcc\x81", "cafe", NULL);
	ck_terms("na\xc3\xafve \xc3\x85ngstr\xc3\xb6m", "naive", "angstrom",
	    NULL);
	/* Case folding, not lowercasing: German sharp s folds to "ss". */
	ck_terms("Stra\xc3\x9f" "e STRASSE", "strasse", "strasse", NULL);
	ck_terms("\xce\x9f\xce\xb4\xcf\x8d\xcf\x83\xcf\x83\xce\xb5\xce\xb9\xce"
	    "\xb1", "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xce\xb9"
	    "\xce\xb1", NULL);
}
END_TEST

START_TEST(test_nfkc)
{
	/* Fullwidth letters and digits. */
	ck_terms("\xef\xbc\xa1\xef\xbd\x82\xef\xbd\x83\xef\xbc\x91",
	    "abc1", NULL);
	/* The "fi" ligature U+FB01. */
	ck_terms("\xef\xac\x81nal", "final", NULL);
	/* Superscript two is a digit, NFKC gives "2". */
	ck_terms("x\xc2\xb2", "x2", NULL);
}
END_TEST

START_TEST(test_cjk)
{
	/* 東京タワー: each ideograph and kana is a word. */
	ck_terms("\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf",
	    "\xe6\x9d\xb1", "\xe4\xba\xac", "\xe3\x82\xbf", "\xe3\x83\xaf",
	    NULL);
	/* Latin glued to Han splits at the ideograph. */
	ck_terms("abc\xe4\xb8\xad" "def", "abc", "\xe4\xb8\xad", "def", NULL);
	/* Hangul syllables, one word each. */
	ck_terms("\xed\x95\x9c\xea\xb8\x80", "\xed\x95\x9c", "\xea\xb8\x80",
	    NULL);
}
END_TEST

START_TEST(test_emoji)
{
	ck_terms("\xf0\x9f\x90\xb6", NULL);
	ck_terms("\xf0\x9f\x90\xbe Playing ball! \xf0\x9f\x8f\x90", "playing",
	    "ball", NULL);
	ck_terms("rabbit\xf0\x9f\x90\xb0hole", "rabbit", "hole", NULL);
}
END_TEST

START_TEST(test_offsets)
{
	struct tokenize t;
	const char *s = "  caf\xc3\xa9, ok";

	tokenize_init(&t, s, strlen(s));
	ck_assert_int_eq(tokenize_next(&t), 1);
	ck_assert_uint_eq(t.start, 2);
	ck_assert_uint_eq(t.end, 7);
	ck_assert_int_eq(tokenize_next(&t), 1);
	ck_assert_uint_eq(t.start, 9);
	ck_assert_uint_eq(t.end, 11);
	ck_assert_int_eq(tokenize_next(&t), 0);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	struct tokenize t;
	static const char *bad[] = {
		"ok \xc3",		/* truncated */
		"ok \xff",		/* never valid */
		"\xc0\xaf",		/* overlong */
		"\xed\xa0\x80",		/* surrogate */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tokenize_init(&t, bad[i], strlen(bad[i]));
		while (tokenize_next(&t) == 1)
			ck_assert_str_eq(t.term, "ok");
		tokenize_init(&t, bad[i], strlen(bad[i]));
		if (strncmp(bad[i], "ok", 2) == 0)
			ck_assert_int_eq(tokenize_next(&t), 1);
		ck_assert_int_eq(tokenize_next(&t), -1);
	}
}
END_TEST

START_TEST(test_long_word)
{
	struct tokenize t;
	char s[400];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	/* A cut in the middle of a 2-byte alpha backs off to a boundary. */
	memcpy(s + TOKENIZE_TERM_MAX - 1, "\xce\xb1", 2);
	tokenize_init(&t, s, strlen(s));
	ck_assert_int_eq(tokenize_next(&t), 1);
	ck_assert_uint_eq(t.end, strlen(s));
	ck_assert_uint_eq(t.term_len, TOKENIZE_TERM_MAX - 1);
	ck_assert_int_eq(tokenize_next(&t), 0);

	/* All ASCII: cut at the limit, the word still spans its bytes. */
	memset(s, 'B', sizeof(s) - 1);
	tokenize_init(&t, s, strlen(s));
	ck_assert_int_eq(tokenize_next(&t), 1);
	ck_assert_uint_eq(t.end, strlen(s));
	ck_assert_uint_eq(t.term_len, TOKENIZE_TERM_MAX);
	ck_assert_int_eq(t.term[0], 'b');
	ck_assert_int_eq(t.term[TOKENIZE_TERM_MAX], '\0');
	ck_assert_int_eq(tokenize_next(&t), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tokenize");
	TCase *tc = check_tcase("tokenize");

	tcase_add_test(tc, test_ascii);
	tcase_add_test(tc, test_digits);
	tcase_add_test(tc, test_case_and_diacritics);
	tcase_add_test(tc, test_nfkc);
	tcase_add_test(tc, test_cjk);
	tcase_add_test(tc, test_emoji);
	tcase_add_test(tc, test_offsets);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_long_word);
	suite_add_tcase(s, tc);
	return check_run(s);
}
