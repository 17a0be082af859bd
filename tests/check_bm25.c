/*
 * Unit tests of BM25 ranking: scores of a tiny corpus worked out by hand
 * from the formula, with the counts written out, not taken from the index.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_engine.h"
#include "check_run.h"
#include "engine.h"

/*
 * d1: title "Rabbit", text "white rabbit runs"	dl 4 (rabbit 2, white 1)
 * d2: text "the white cat"				dl 3 (white 1)
 * d3: text "Rabbit rabbit RABBIT hole"		dl 4 (rabbit 3)
 * d4: text "black dog, whale"			dl 3 (whale 1)
 */
static const char corpus[] =
    "{\"id\": \"d1\", \"title\": \"Rabbit\", \"text\": \"white rabbit runs\"}\n"
    "{\"id\": \"d2\", \"text\": \"the white cat\"}\n"
    "{\"id\": \"d3\", \"text\": \"Rabbit rabbit RABBIT hole\"}\n"
    "{\"id\": \"d4\", \"text\": \"black dog, whale\"}\n";

#define N	4.0
#define AVGDL	(14.0 / 4.0)

static struct index *ix;
static char path[64];

static double
bm25(double tf, double dl, double n)
{
	double idf = log(1 + (N - n + 0.5) / (n + 0.5));

	return idf * tf * (1.2 + 1) / (tf + 1.2 * (1 - 0.75 + 0.75 * dl /
	    AVGDL));
}

static void
setup(void)
{
	const char *paths[] = { path };
	char err[256];

	check_write_temp(path, sizeof(path), corpus, strlen(corpus));
	ix = import_files(paths, 1, NULL, err, sizeof(err));
	ck_assert_msg(ix != NULL, "%s", err);
}

static void
teardown(void)
{
	index_free(ix);
	unlink(path);
}

/* Runs q and checks the hits' ids and scores, best first. */
static void
ck_scores(const char *q, size_t n, const char *const *ids,
    const double *scores)
{
	struct index_hit hits[10];
	struct index_doc d;
	struct query *pq;
	uint64_t total;
	char err[128];
	size_t i;

	pq = query_parse(q, strlen(q), NULL, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(pq);
	ck_assert_uint_eq(check_search(ix, q, strlen(q), pq, 0, 10, hits,
	    &total), n);
	ck_assert_uint_eq(total, n);
	for (i = 0; i < n; i++) {
		index_doc(ix, hits[i].doc, &d);
		ck_assert_msg(d.id_len == strlen(ids[i]) &&
		    memcmp(d.id, ids[i], d.id_len) == 0, "%s: hit %zu", q, i);
		ck_assert_double_eq_tol(hits[i].score, scores[i], 1e-9);
	}
	query_free(pq);
}

START_TEST(test_single_term)
{
	const char *ids[] = { "d3", "d1" };
	double s[] = { bm25(3, 4, 2), bm25(2, 4, 2) };

	/* Title words count in tf and dl. */
	ck_scores("rabbit", 2, ids, s);
	/* The same, worked out in Python. */
	ck_assert_double_eq_tol(s[0], 1.0568778792696196, 1e-9);
}
END_TEST

START_TEST(test_length_norm)
{
	const char *ids[] = { "d2", "d1" };
	double s[] = { bm25(1, 3, 2), bm25(1, 4, 2) };

	/* Same tf: the shorter document wins. */
	ck_scores("white", 2, ids, s);
}
END_TEST

START_TEST(test_sum_and_or)
{
	const char *and_ids[] = { "d1" };
	double and_s[] = { bm25(1, 4, 2) + bm25(2, 4, 2) };
	const char *or_ids[] = { "d1", "d3", "d2" };
	double or_s[] = { bm25(1, 4, 2) + bm25(2, 4, 2), bm25(3, 4, 2),
	    bm25(1, 3, 2) };

	ck_scores("white rabbit", 1, and_ids, and_s);
	ck_scores("\"white rabbit\"", 1, and_ids, and_s);
	ck_scores("white OR rabbit", 3, or_ids, or_s);
}
END_TEST

START_TEST(test_prefix_terms)
{
	const char *ids[] = { "d4", "d2", "d1" };
	double s[] = { bm25(1, 3, 1), bm25(1, 3, 2), bm25(1, 4, 2) };

	/* "wh*" expands to white (in 2 documents) and whale (in 1). */
	ck_scores("wh*", 3, ids, s);
}
END_TEST

START_TEST(test_idf_everywhere)
{
	struct index_info info;

	index_info(ix, &info);
	ck_assert_uint_eq(info.ndocs, 4);
	/* rabbit white runs the cat hole black dog whale */
	ck_assert_uint_eq(info.nterms, 9);
	ck_assert_uint_eq(info.npostings, 3 + 3 + 2 + 3);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bm25");
	TCase *tc = check_tcase("bm25");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_single_term);
	tcase_add_test(tc, test_length_norm);
	tcase_add_test(tc, test_sum_and_or);
	tcase_add_test(tc, test_prefix_terms);
	tcase_add_test(tc, test_idf_everywhere);
	suite_add_tcase(s, tc);
	return check_run(s);
}
