/* Unit tests of loading and searching an index: src/engine/import.c, search.c. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_engine.h"
#include "check_run.h"
#include "engine.h"

static const char file_a[] =
    "{\"id\": \"a1\", \"title\": \"White Rabbit\", "
    "\"text\": \"Follow the white rabbit into the hole.\", \"lang\": \"en\"}\n"
    "   \n"
    "{\"id\": \"a2\", \"text\": \"The black cat sat.\"}\n"
    "{\"id\": \"a3\", \"text\": \"A white cat and a black rabbit.\", "
    "\"year\": 1999, \"by\": {\"name\": \"Ren\\u00e9\"}}\n";
static const char file_b[] =
    "{\"id\": \"b1\", \"text\": \"Rabbit holes are deep. Rabbits dig.\"}\n"
    "{\"id\": \"rabbit\", \"text\": \"An id that is also a word: cat.\"}\n"
    "{\"id\": \"deep\", \"text\": \"deep deep water\"}\n"
    "{\"id\": \"tie1\", \"text\": \"zebra stripes\"}\n"
    "{\"id\": \"tie2\", \"text\": \"Zebra, stripes!\"}\n";

static char path_a[64], path_b[64];
static struct index *ix;

static void
write_temp(char *path, size_t size, const char *data)
{
	check_write_temp(path, size, data, strlen(data));
}

static void
setup(void)
{
	const char *paths[2];
	char err[256];

	write_temp(path_a, sizeof(path_a), file_a);
	write_temp(path_b, sizeof(path_b), file_b);
	paths[0] = path_a;
	paths[1] = path_b;
	ix = import_files(paths, 2, NULL, err, sizeof(err));
	ck_assert_msg(ix != NULL, "%s", err);
}

static void
teardown(void)
{
	index_free(ix);
	unlink(path_a);
	unlink(path_b);
}

/* Searches and compares the hits' ids, space separated, and the total. */
static void
ck_search_at(struct index *x, const char *value, size_t offset,
    size_t limit, const char *want, uint64_t want_total)
{
	struct index_hit hits[SEARCH_LIMIT_MAX];
	struct index_doc d;
	struct query *q;
	struct buf got;
	uint64_t total;
	char err[128];
	size_t i, n;

	q = query_parse(value, strlen(value), NULL, 0, err, sizeof(err));
	n = check_search(x, value, strlen(value), q, offset, limit, hits,
	    &total);
	buf_init(&got);
	for (i = 0; i < n; i++) {
		index_doc(x, hits[i].doc, &d);
		if (i > 0)
			buf_addc(&got, ' ');
		buf_add(&got, d.id, d.id_len);
	}
	buf_addc(&got, '\0');
	ck_assert_msg(strcmp(got.data, want) == 0, "%s: got \"%s\", want "
	    "\"%s\"", value, got.data, want);
	ck_assert_msg(total == want_total, "%s: total %llu, want %llu", value,
	    (unsigned long long)total, (unsigned long long)want_total);
	buf_free(&got);
	query_free(q);
}

static void
ck_search(const char *value, const char *want, uint64_t want_total)
{
	ck_search_at(ix, value, 0, SEARCH_LIMIT_DEFAULT, want, want_total);
}

START_TEST(test_exact_id_first)
{
	struct index_hit hits[10];
	struct query *q;
	uint64_t total;
	char err[64];

	/* The id's document has no "rabbit" in its text, yet comes first. */
	ck_search("rabbit", "rabbit a1 b1 a3", 4);
	ck_search("a2", "a2", 1);
	/* It matches the text too: first, once, with its full-text score. */
	ck_search("deep", "deep b1", 2);
	q = query_parse("deep", 4, NULL, 0, err, sizeof(err));
	ck_assert_uint_eq(check_search(ix, "deep", 4, q, 0, 10, hits, &total),
	    2);
	ck_assert(hits[0].score > hits[1].score);
	query_free(q);
	q = query_parse("rabbit", 6, NULL, 0, err, sizeof(err));
	ck_assert_uint_eq(check_search(ix, "rabbit", 6, q, 0, 10, hits,
	    &total), 4);
	ck_assert(hits[0].score == 0);
	query_free(q);
	/* Byte comparison: no folding for ids. */
	ck_search("A2", "", 0);
	/* A value that does not parse still finds its id. */
	ck_assert_uint_eq(check_search(ix, "a3", 2, NULL, 0, 10, hits,
	    &total), 1);
	ck_assert_uint_eq(total, 1);
}
END_TEST

START_TEST(test_and_or_not)
{
	ck_search("white rabbit", "a1 a3", 2);
	ck_search("WHITE   Rabbit.", "a1 a3", 2);
	ck_search("cat OR hole", "a1 a2 a3 rabbit", 4);
	ck_search("rabbit -black", "a1 b1", 2);
	ck_search("black -cat OR dig", "b1", 1);
	ck_search("-rabbit", "", 0);
	ck_search("white nothing", "", 0);
	ck_search("nothing OR zebra", "tie1 tie2", 2);
}
END_TEST

START_TEST(test_phrase)
{
	ck_search("\"white rabbit\"", "a1", 1);
	ck_search("\"black rabbit\"", "a3", 1);
	ck_search("\"rabbit white\"", "", 0);
	/* Title and text are not one run of words. */
	ck_search("\"rabbit follow\"", "", 0);
	ck_search("\"the white\"", "a1", 1);
	ck_search("-\"white rabbit\" rabbit", "b1 a3", 2);
	ck_search("\"white rab\"*", "a1", 1);
}
END_TEST

START_TEST(test_prefix)
{
	ck_search("rabbit*", "b1 a1 a3", 3);
	ck_search("hol*", "b1 a1", 2);
	ck_search("zzz*", "", 0);
	ck_search("stri* zeb*", "tie1 tie2", 2);
}
END_TEST

START_TEST(test_ties_limit_offset)
{
	ck_search("zebra", "tie1 tie2", 2);
	ck_search_at(ix, "zebra", 1, 1, "tie2", 2);
	ck_search_at(ix, "zebra", 0, 1, "tie1", 2);
	ck_search_at(ix, "zebra", 2, 10, "", 2);
	ck_search_at(ix, "zebra", 0, 0, "", 2);
	ck_search_at(ix, "rabbit", 1, 2, "a1 b1", 4);
	ck_search_at(ix, "rabbit", 3, 5, "a3", 4);
	ck_search_at(ix, "rabbit", 0, 1, "rabbit", 4);
	ck_search_at(ix, "rabbit", 99, 1000, "", 4);
}
END_TEST

START_TEST(test_docs)
{
	struct index_info info;
	struct index_doc d;

	index_info(ix, &info);
	ck_assert_uint_eq(info.ndocs, 8);
	ck_assert(info.memory > 0);
	ck_assert(info.build_seconds >= 0);
	index_doc(ix, 0, &d);
	ck_assert_str_eq(d.id, "a1");
	ck_assert_str_eq(d.title, "White Rabbit");
	ck_assert_uint_eq(d.extra_len, strlen("\"lang\": \"en\""));
	ck_assert_int_eq(memcmp(d.extra, "\"lang\": \"en\"", d.extra_len), 0);
	index_doc(ix, 1, &d);
	ck_assert_ptr_null(d.title);
	ck_assert_ptr_null(d.extra);
	ck_assert_str_eq(d.text, "The black cat sat.");
	index_doc(ix, 2, &d);
	ck_assert_str_eq(d.extra,
	    "\"year\": 1999, \"by\": {\"name\": \"Ren\xc3\xa9\"}");
}
END_TEST

START_TEST(test_builtin)
{
	struct index *b = import_builtin(NULL);
	struct index_info info;
	struct index_doc d;

	index_info(b, &info);
	ck_assert_uint_eq(info.ndocs, 3);
	index_doc(b, 2, &d);
	ck_assert_str_eq(d.id, "\xf0\x9f\x90\xb6");
	ck_assert_str_eq(d.text,
	    "\xf0\x9f\x90\xbe Playing ball! \xf0\x9f\x8f\x90");
	ck_assert_ptr_null(d.title);
	ck_assert_ptr_null(d.extra);
	ck_search_at(b, "morpheus", 0, 10, "morpheus", 1);
	ck_search_at(b, "\xf0\x9f\x90\xb6", 0, 10, "\xf0\x9f\x90\xb6", 1);
	ck_search_at(b, "the", 0, 10, "ring morpheus", 2);
	ck_search_at(b, "misty mountains", 0, 10, "ring", 1);
	index_free(b);
}
END_TEST

static void
ck_snippet(struct index *x, const char *q, uint32_t doc, const char *want)
{
	struct query *pq = NULL;
	struct buf b;
	char err[64];

	if (q != NULL)
		pq = query_parse(q, strlen(q), NULL, 0, err, sizeof(err));
	buf_init(&b);
	snippet_write(x, pq, doc, &b);
	buf_addc(&b, '\0');
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
	query_free(pq);
}

START_TEST(test_snippet)
{
	struct index *b = import_builtin(NULL);

	ck_snippet(b, "rabbit", 0, "Follow the white [rabbit]. \xf0\x9f\x90\xb0");
	ck_snippet(b, "rab* -follow", 0,
	    "Follow the white [rabbit]. \xf0\x9f\x90\xb0");
	ck_snippet(b, NULL, 1, "In the caves beneath the Misty Mountains. "
	    "\xf0\x9f\x92\x8d");
	ck_snippet(b, "\"playing ball\"", 2,
	    "\xf0\x9f\x90\xbe [Playing] [ball]! \xf0\x9f\x8f\x90");
	index_free(b);
}
END_TEST

START_TEST(test_snippet_window)
{
	const char *paths[1];
	struct index *x;
	char path[64], err[128], line[2048];
	struct buf text;
	int i;

	buf_init(&text);
	for (i = 0; i < 100; i++)
		buf_addf(&text, "w%02d ", i);
	buf_addc(&text, '\0');
	snprintf(line, sizeof(line), "{\"id\": \"l\", \"text\": \"%s "
	    "needle \xc3\xa9t\xc3\xa9 end\"}\n", text.data);
	buf_free(&text);
	write_temp(path, sizeof(path), line);
	paths[0] = path;
	x = import_files(paths, 1, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(x);
	ck_snippet(x, "w50", 0, "\xe2\x80\xa6w45 w46 w47 w48 w49 [w50] w51 w52 "
	    "w53 w54 w55 w56 w57 w58 w59 w60 w61 w62 w63 w64 w65 w66 w67 w68 "
	    "w69 w70 w71 w72 w73 w74 w75 w76 w77 w78 w79 w80 w81 w82 w83 "
	    "w84\xe2\x80\xa6");
	ck_snippet(x, "w02", 0, "w00 w01 [w02] w03 w04 w05 w06 w07 w08 w09 w10 "
	    "w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 "
	    "w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 "
	    "w39\xe2\x80\xa6");
	ck_snippet(x, "ete", 0, "\xe2\x80\xa6w96 w97 w98 w99  needle "
	    "[\xc3\xa9t\xc3\xa9] end");
	/* No query (a hit by id): the start, cut after a whole word. */
	ck_snippet(x, NULL, 0, "w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 "
	    "w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 "
	    "w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 "
	    "w39\xe2\x80\xa6");
	index_free(x);
	unlink(path);
}
END_TEST

/*
 * Loads files with the given contents and checks the error message: the
 * bad file's path, then rest, then (if tail) the first file's path, tail.
 */
static void
ck_load_error(const char *a, const char *b, int bad, const char *rest,
    const char *tail)
{
	const char *paths[2];
	char pa[64], pb[64], err[256], want[512];

	write_temp(pa, sizeof(pa), a);
	write_temp(pb, sizeof(pb), b);
	paths[0] = pa;
	paths[1] = pb;
	ck_assert_ptr_null(import_files(paths, 2, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s%s%s%s", paths[bad], rest,
	    tail != NULL ? pa : "", tail != NULL ? tail : "");
	ck_assert_str_eq(err, want);
	unlink(pa);
	unlink(pb);
}

START_TEST(test_load_errors)
{
	const char *ok = "{\"id\": \"x\", \"text\": \"t\"}\n";
	const char *paths[] = { "/nonexistent/corpus.jsonl" };
	char err[256];

	ck_load_error(ok, "\n{\"id\": \"y\", \"text\": \"t\"}\n{\"id\": \"y\","
	    " \"text\": \"u\"}\n", 1, ":3: duplicate id \"y\" (first on "
	    "line 2)", NULL);
	ck_load_error(ok, "{\"id\": \"x\", \"text\": \"u\"}", 1,
	    ":1: duplicate id \"x\" (first on ", ":1)");
	ck_load_error("{\"id\": \"a\", \"text\": 1}\n", ok, 0,
	    ":1: text: not a string", NULL);
	ck_load_error(ok, "\n\n{\"id\": \"q\", \"text\": \"t\"} junk\n", 1,
	    ":3: trailing data after the JSON value", NULL);
	ck_load_error("{\"id\": \"z\", \"text\": \"\xff\"}\n", ok, 0,
	    ":1: bad JSON: invalid utf-8 string", NULL);
	ck_assert_ptr_null(import_files(paths, 1, NULL, err, sizeof(err)));
	ck_assert_str_eq(err,
	    "/nonexistent/corpus.jsonl: No such file or directory");
}
END_TEST

/* Enough documents for many blocks: AND, NOT and phrases must skip. */
START_TEST(test_many_blocks)
{
	const char *paths[1];
	struct index *x;
	struct buf data;
	char path[64], err[128], want[32];
	int i, n = 5000, rare = 0, both = 0;

	buf_init(&data);
	for (i = 0; i < n; i++) {
		buf_addf(&data, "{\"id\": \"%d\", \"text\": \"common%s%s "
		    "filler\"}\n", i, i % 97 == 0 ? " rare" : "",
		    i % 3 == 0 ? " three" : "");
		rare += i % 97 == 0;
		both += i % 97 == 0 && i % 3 == 0;
	}
	buf_addc(&data, '\0');
	write_temp(path, sizeof(path), data.data);
	buf_free(&data);
	paths[0] = path;
	x = import_files(paths, 1, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(x);
	ck_search_at(x, "common rare three", 0, 2, "0 291", both);
	ck_search_at(x, "rare common -three", 0, 1, "97", rare - both);
	ck_search_at(x, "\"rare three\"", 0, 1, "0", both);
	ck_search_at(x, "\"common filler\"", 0, 0, "",
	    n - (n / 3 + 1) - rare + both);
	snprintf(want, sizeof(want), "%d", n - 1);
	ck_search_at(x, want, 0, 10, want, 1);
	ck_search_at(x, "filler -common", 0, 10, "", 0);
	ck_search_at(x, "three OR rare", 0, 0, "", n / 3 + 1 + rare - both);
	index_free(x);
	unlink(path);
}
END_TEST

static const char *const thread_queries[] = {
	"rabbit", "white OR cat", "\"white rabbit\"", "rab* -black", "deep",
};

/* Runs every query many times; returns non-NULL on a wrong answer. */
static void *
thread_search(void *arg)
{
	const uint64_t *want = arg;
	struct index_hit hits[10];
	struct query *q;
	uint64_t total;
	const char *v;
	char err[64];
	size_t i, r;

	for (r = 0; r < 300; r++) {
		for (i = 0; i < 5; i++) {
			v = thread_queries[i];
			q = query_parse(v, strlen(v), NULL, 0, err, sizeof(err));
			check_search(ix, v, strlen(v), q, 0, 10, hits, &total);
			query_free(q);
			if (total != want[i] || hits[0].doc != want[5 + i])
				return (void *)1;
		}
	}
	return NULL;
}

/* The index is read-only: concurrent searches agree with a lone one. */
START_TEST(test_threads)
{
	pthread_t t[4];
	struct index_hit hits[10];
	struct query *q;
	uint64_t want[10];
	const char *v;
	char err[64];
	void *bad;
	size_t i;

	for (i = 0; i < 5; i++) {
		v = thread_queries[i];
		q = query_parse(v, strlen(v), NULL, 0, err, sizeof(err));
		check_search(ix, v, strlen(v), q, 0, 10, hits, &want[i]);
		want[5 + i] = hits[0].doc;
		query_free(q);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_search,
		    want), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("index");
	TCase *tc = check_tcase("index");
	TCase *tl = check_tcase("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exact_id_first);
	tcase_add_test(tc, test_and_or_not);
	tcase_add_test(tc, test_phrase);
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_ties_limit_offset);
	tcase_add_test(tc, test_docs);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	tcase_add_test(tl, test_builtin);
	tcase_add_test(tl, test_snippet);
	tcase_add_test(tl, test_snippet_window);
	tcase_add_test(tl, test_load_errors);
	tcase_add_test(tl, test_many_blocks);
	suite_add_tcase(s, tl);
	return check_run(s);
}
