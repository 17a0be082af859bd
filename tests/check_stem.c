/*
 * Unit tests of stemming: src/common/stem.c against libstemmer itself (the
 * reference), and the words an index in a language gets (words.c).
 */
#include <check.h>
#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stem.h"
#include "words.h"
#include "check_run.h"

/* Folded words (as the tokenizer gives them) of each language tested. */
static const struct {
	const char	*lang;
	const char	*words[12];
} samples[] = {
	{ "english", { "running", "runs", "connection", "connected",
	    "generously", "happiness", "arguing", "universities", "a",
	    "skies", "dying", NULL } },
	{ "french", { "continuation", "chanteur", "chantait", "maisons",
	    "genereuse", "ete", "etes", "nationalement", NULL } },
	{ "german", { "hauser", "haufig", "laufen", "gelaufen", "kinder",
	    "schonheit", "aufeinanderfolgenden", NULL } },
	{ "russian", { "\xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb8",
	    "\xd1\x87\xd0\xb8\xd1\x82\xd0\xb0\xd0\xbb\xd0\xb0",
	    "\xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xbe\xd0\xb9", NULL } },
};

/* What libstemmer itself makes of word. */
static void
reference(const char *lang, const char *word, char *out, size_t outsize)
{
	struct sb_stemmer *st = sb_stemmer_new(lang, "UTF_8");
	const sb_symbol *s;
	int n;

	ck_assert_ptr_nonnull(st);
	s = sb_stemmer_stem(st, (const sb_symbol *)word, (int)strlen(word));
	ck_assert_ptr_nonnull(s);
	n = sb_stemmer_length(st);
	ck_assert_uint_lt((size_t)n, outsize);
	memcpy(out, s, (size_t)n);
	out[n] = '\0';
	sb_stemmer_delete(st);
}

START_TEST(test_same_as_libstemmer)
{
	const char *lang = stem_language(samples[_i].lang);
	char got[256], want[256];
	size_t i, n;

	ck_assert_ptr_nonnull(lang);
	for (i = 0; samples[_i].words[i] != NULL; i++) {
		const char *w = samples[_i].words[i];

		reference(lang, w, want, sizeof(want));
		n = stem_word(lang, w, strlen(w), got, sizeof(got));
		ck_assert_uint_eq(n, strlen(want));
		ck_assert_msg(strcmp(got, want) == 0, "%s %s: %s, not %s",
		    lang, w, got, want);
	}
}
END_TEST

START_TEST(test_languages)
{
	const char **list = sb_stemmer_list();
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		ck_assert_ptr_eq(stem_language(list[i]), list[i]);
		ck_assert_ptr_nonnull(strstr(stem_language_list(), list[i]));
	}
	ck_assert_ptr_null(stem_language("klingon"));
	ck_assert_ptr_null(stem_language("English"));
	ck_assert_ptr_null(stem_language(""));
}
END_TEST

/* A stem cut to fit out ends on a character boundary. */
START_TEST(test_cut)
{
	const char *ru = stem_language("russian");
	const char *w = "\xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb8";
	char out[6];
	size_t n;

	n = stem_word(ru, w, strlen(w), out, sizeof(out));
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out, "\xd0\xba\xd0\xbd");
}
END_TEST

static void *
stem_many(void *arg)
{
	const char *en = stem_language("english");
	char out[64];
	int i, bad = 0;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		stem_word(en, i % 2 ? "connections" : "running",
		    i % 2 ? 11 : 7, out, sizeof(out));
		bad += strcmp(out, i % 2 ? "connect" : "run") != 0;
	}
	stem_thread_end();
	return (void *)(long)bad;
}

/* Each thread has its own stemmers: none sees another's. */
START_TEST(test_threads)
{
	pthread_t t[4];
	void *bad;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, stem_many, NULL),
		    0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

static void
ck_word(const struct words *w, size_t i, const char *term, uint32_t pos)
{
	ck_assert_uint_lt(i, w->n);
	ck_assert_uint_eq(w->v[i].len, strlen(term));
	ck_assert_msg(memcmp(w->terms.data + w->v[i].off, term,
	    strlen(term)) == 0, "word %zu is not %s", i, term);
	ck_assert_uint_eq(w->v[i].pos, pos);
}

/* In a language, each word is its stem and itself, at one position. */
START_TEST(test_words_in_a_language)
{
	struct words w;

	words_init(&w, stem_language("english"));
	ck_assert_uint_eq(words_add(&w, "Runs", 4, "running caf\xc3\xa9s", 14),
	    6);
	ck_word(&w, 0, "run", 0);
	ck_word(&w, 1, "=runs", 0);
	ck_word(&w, 2, "run", 2);
	ck_word(&w, 3, "=running", 2);
	ck_word(&w, 4, "cafe", 3);
	ck_word(&w, 5, "=cafes", 3);
	words_free(&w);
	words_init(&w, NULL);
	ck_assert_uint_eq(words_add(&w, NULL, 0, "running", 7), 1);
	ck_word(&w, 0, "running", 0);
	words_free(&w);
	stem_thread_end();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stem");
	TCase *tc = check_tcase("stem");

	tcase_add_loop_test(tc, test_same_as_libstemmer, 0,
	    sizeof(samples) / sizeof(samples[0]));
	tcase_add_test(tc, test_languages);
	tcase_add_test(tc, test_cut);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_words_in_a_language);
	suite_add_tcase(s, tc);
	return check_run(s);
}
