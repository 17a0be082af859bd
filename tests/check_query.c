/* Unit tests of the query parser: src/engine/query.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "query.h"
#include "stem.h"
#include "check_run.h"

static void
render(struct buf *b, const struct query_node *n)
{
	size_t i;

	switch (n->type) {
	case QUERY_TERM:
		buf_add(b, n->term, n->term_len);
		if (n->prefix)
			buf_addc(b, '*');
		return;
	case QUERY_PHRASE:
		buf_addc(b, '"');
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			render(b, n->kids[i]);
		}
		buf_addc(b, '"');
		return;
	case QUERY_AND:
	case QUERY_OR:
		buf_adds(b, n->type == QUERY_AND ? "(and" : "(or");
		for (i = 0; i < n->nkids; i++) {
			buf_addc(b, ' ');
			render(b, n->kids[i]);
		}
		for (i = 0; i < n->nneg; i++) {
			buf_adds(b, " -");
			render(b, n->neg[i]);
		}
		buf_addc(b, ')');
		return;
	}
}

/*
 * Parses s in lang (NULL: none) and compares its tree, "" for one that
 * matches nothing.
 */
static void
ck_parse_in(const char *lang, int exact, const char *s, const char *want)
{
	struct query *q;
	struct buf b;
	char err[128];

	q = query_parse(s, strlen(s), lang, exact, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s: %s", s, err);
	buf_init(&b);
	if (q->root != NULL)
		render(&b, q->root);
	buf_addc(&b, '\0');
	ck_assert_msg(strcmp(b.data, want) == 0, "%s: got %s, want %s", s,
	    b.data, want);
	buf_free(&b);
	query_free(q);
}

static void
ck_parse(const char *s, const char *want)
{
	ck_parse_in(NULL, 0, s, want);
}

static void
ck_error(const char *s, const char *want)
{
	char err[128] = "";

	ck_assert_msg(query_parse(s, strlen(s), NULL, 0, err, sizeof(err)) == NULL,
	    "%s parsed", s);
	ck_assert_str_eq(err, want);
}

START_TEST(test_words)
{
	ck_parse("rabbit", "rabbit");
	ck_parse("  White   RABBIT ", "(and white rabbit)");
	ck_parse("caf\xc3\xa9", "cafe");
	ck_parse("a b c", "(and a b c)");
}
END_TEST

START_TEST(test_or_precedence)
{
	/* As in FTS5, AND binds tighter: (a b) OR c. */
	ck_parse("a b OR c", "(or (and a b) c)");
	ck_parse("a OR b c", "(or a (and b c))");
	ck_parse("a OR b OR c", "(or a b c)");
	/* Only the uppercase word is the operator. */
	ck_parse("a or b", "(and a or b)");
	ck_parse("a \"OR\" b", "(and a or b)");
}
END_TEST

START_TEST(test_exclusion)
{
	ck_parse("a -b", "(and a -b)");
	ck_parse("-b a", "(and a -b)");
	ck_parse("a -\"b c\"", "(and a -\"b c\")");
	/* Only exclusions: nothing can match, not an error. */
	ck_parse("-b", "");
	ck_parse("-b -c", "");
	ck_parse("-b OR c", "c");
}
END_TEST

START_TEST(test_phrase)
{
	ck_parse("\"white rabbit\"", "\"white rabbit\"");
	ck_parse("\"Rabbit\"", "rabbit");
	ck_parse("x\"a b\"y", "(and x \"a b\" y)");
	/* Words the tokenizer splits become phrases. */
	ck_parse("e-mail", "\"e mail\"");
	ck_parse("\xe6\x9d\xb1\xe4\xba\xac", "\"\xe6\x9d\xb1 \xe4\xba\xac\"");
}
END_TEST

START_TEST(test_prefix)
{
	ck_parse("rab*", "rab*");
	ck_parse("-rab* x", "(and x -rab*)");
	ck_parse("\"white rab\"*", "\"white rab*\"");
	ck_parse("Caf\xc3\xa9*", "cafe*");
}
END_TEST

START_TEST(test_no_words)
{
	ck_parse("\xf0\x9f\x90\xb6", "");
	ck_parse("!!! ...", "");
	ck_parse("", "");
	ck_parse("   ", "");
	ck_parse("\"\xf0\x9f\x90\xb6\"", "");
	ck_parse("\xf0\x9f\x90\xb0 rabbit", "rabbit");
}
END_TEST

START_TEST(test_errors)
{
	ck_error("\"white rabbit", "unbalanced quote");
	ck_error("a \"b\" \"c", "unbalanced quote");
	ck_error("-", "\"-\" with nothing to exclude");
	ck_error("a - b", "\"-\" with nothing to exclude");
	ck_error("*", "\"*\" not attached to a word");
	ck_error("a * b", "\"*\" not attached to a word");
	ck_error("-*", "\"*\" not attached to a word");
	ck_error("\xf0\x9f\x90\xb6*", "\"*\" not attached to a word");
	ck_error("OR a", "OR at the start");
	ck_error("a OR", "OR at the end");
	ck_error("a OR OR b", "OR twice in a row");
	ck_error("OR", "OR at the start");
	ck_error("\"\"", "empty phrase");
	ck_error("a \"  \" b", "empty phrase");
	ck_error("caf\xc3", "invalid UTF-8");
	ck_error("\xff", "invalid UTF-8");
	ck_error("-=", "\"-\" with nothing to exclude");
}
END_TEST

/*
 * With a language, words are looked up by their stems; exact words and
 * prefixes by the words as written, after WORDS_EXACT.
 */
START_TEST(test_stemmed)
{
	const char *en = stem_language("english");

	ck_parse_in(en, 0, "Running connections", "(and run connect)");
	ck_parse_in(en, 0, "=running connections", "(and =running connect)");
	ck_parse_in(en, 0, "runn* -=runs", "(and =runn* -=runs)");
	ck_parse_in(en, 0, "\"running fast\" OR =\"ran far\"",
	    "(or \"run fast\" \"=ran =far\")");
	ck_parse_in(en, 1, "running \"runs fast\" conn*",
	    "(and =running \"=runs =fast\" =conn*)");
	/* A lone = separates words, as other punctuation does. */
	ck_parse_in(en, 0, "E = mc2", "(and e mc2)");
	ck_parse("=", "");
	/* Without a language, = changes nothing: every word is as written. */
	ck_parse_in(NULL, 0, "=running runs", "(and running runs)");
	ck_parse_in(NULL, 1, "running", "running");
}
END_TEST

START_TEST(test_matches_stemmed)
{
	const char *en = stem_language("english");
	const char *s = "connection =runs walk*";
	struct query *q;
	char err[128];

	q = query_parse(s, strlen(s), en, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(query_matches_term(q, "connected", 9), 1);
	ck_assert_int_eq(query_matches_term(q, "connect", 7), 1);
	ck_assert_int_eq(query_matches_term(q, "runs", 4), 1);
	ck_assert_int_eq(query_matches_term(q, "running", 7), 0);
	ck_assert_int_eq(query_matches_term(q, "walking", 7), 1);
	ck_assert_int_eq(query_matches_term(q, "wal", 3), 0);
	query_free(q);
}
END_TEST

START_TEST(test_matches_term)
{
	struct query *q;
	char err[128];
	const char *s = "white rab* -black \"big dog\"";

	q = query_parse(s, strlen(s), NULL, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(query_matches_term(q, "white", 5), 1);
	ck_assert_int_eq(query_matches_term(q, "whit", 4), 0);
	ck_assert_int_eq(query_matches_term(q, "rabbit", 6), 1);
	ck_assert_int_eq(query_matches_term(q, "ra", 2), 0);
	ck_assert_int_eq(query_matches_term(q, "black", 5), 0);
	ck_assert_int_eq(query_matches_term(q, "dog", 3), 1);
	query_free(q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = check_tcase("query");

	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_or_precedence);
	tcase_add_test(tc, test_exclusion);
	tcase_add_test(tc, test_phrase);
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_no_words);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_matches_term);
	tcase_add_test(tc, test_stemmed);
	tcase_add_test(tc, test_matches_stemmed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
