/*
 * Unit tests of loading through the reader thread: src/load.c and
 * index_load.  The files are several batches long, so that errors and
 * duplicates fall after batches were handed over, or across them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "corpus.h"
#include "engine.h"
#include "load.h"
#include "check_run.h"

/* Documents that fill a batch by count, and ones that fill it by size. */
#define SMALL_TEXT	"small words"
#define BIG_WORDS	200

static char paths[3][64];

/* Appends documents "d<from>" to "d<to - 1>", one a line. */
static void
gen(struct buf *b, int from, int to, int big)
{
	int i, j;

	for (i = from; i < to; i++) {
		buf_addf(b, "{\"id\": \"d%d\", \"title\": \"T%d\", "
		    "\"text\": \"", i, i % 7);
		if (!big)
			buf_adds(b, SMALL_TEXT);
		for (j = 0; big && j < BIG_WORDS; j++)
			buf_addf(b, "w%d ", (i + j) % 101);
		buf_adds(b, "\"}\n");
	}
}

static void
put(int n, struct buf *b)
{
	check_write_temp(paths[n], sizeof(paths[n]), b->data, b->len);
	buf_free(b);
}

static void
unlink_all(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (paths[i][0] != '\0')
			unlink(paths[i]);
		paths[i][0] = '\0';
	}
}

static void
ck_load_fails(size_t n, const char *want)
{
	const char *p[3] = { paths[0], paths[1], paths[2] };
	char err[512];

	ck_assert_ptr_null(import_files(p, n, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, want);
}

static struct index *
ck_load(size_t n)
{
	const char *p[3] = { paths[0], paths[1], paths[2] };
	struct index *ix;
	char err[512];

	ix = import_files(p, n, NULL, err, sizeof(err));
	ck_assert_msg(ix != NULL, "%s", err);
	return ix;
}

static void
ck_id(const struct index *ix, uint32_t doc, const char *want)
{
	struct index_doc d;

	index_doc(ix, doc, &d);
	ck_assert_uint_eq(d.id_len, strlen(want));
	ck_assert_int_eq(memcmp(d.id, want, d.id_len), 0);
}

/* A bad line after several full batches: its line, nothing before it. */
START_TEST(test_bad_line)
{
	struct buf b;
	char want[256];
	int big = _i, bad = big ? 2000 : 2 * LOAD_BATCH_DOCS + 100;

	buf_init(&b);
	gen(&b, 1, bad, big);
	buf_adds(&b, "{\"id\": \"bad\", \"title\": \"no text\"}\n");
	gen(&b, bad + 1, bad + 5000, big);
	put(0, &b);
	snprintf(want, sizeof(want), "%s:%d: text: missing", paths[0], bad);
	ck_load_fails(1, want);
	unlink_all();
}
END_TEST

/*
 * A duplicate before a bad line is reported, as it comes first, whether
 * the bad line is in its batch or a later one.
 */
START_TEST(test_dup_before_bad_line)
{
	struct buf b;
	char want[256];

	buf_init(&b);
	gen(&b, 1, 1000, 0);
	gen(&b, 5, 6, 0);
	gen(&b, 1000, _i ? 5000 : 1500, 0);
	buf_adds(&b, "{\"id\": \"bad\", \"text\": 3}\n");
	put(0, &b);
	snprintf(want, sizeof(want), "%s:1000: duplicate id \"d5\" (first on "
	    "line 5)", paths[0]);
	ck_load_fails(1, want);
	unlink_all();
}
END_TEST

START_TEST(test_dup_across_batches)
{
	struct buf b;
	char want[256];
	int n = 3 * LOAD_BATCH_DOCS + 5;

	buf_init(&b);
	buf_adds(&b, "\n");
	gen(&b, 1, n, 0);
	gen(&b, 7, 8, 0);
	gen(&b, n, n + 3 * LOAD_BATCH_DOCS, 0);
	put(0, &b);
	snprintf(want, sizeof(want), "%s:%d: duplicate id \"d7\" (first on "
	    "line 8)", paths[0], n + 1);
	ck_load_fails(1, want);
	unlink_all();
}
END_TEST

START_TEST(test_dup_across_files)
{
	struct buf a, b;
	char want[256];

	buf_init(&a);
	gen(&a, 0, 9000, 0);
	put(0, &a);
	buf_init(&b);
	gen(&b, 20000, 20010, 1);
	gen(&b, 8000, 8001, 1);
	gen(&b, 20010, 23000, 1);
	put(1, &b);
	snprintf(want, sizeof(want), "%s:11: duplicate id \"d8000\" (first on "
	    "%s:8001)", paths[1], paths[0]);
	ck_load_fails(2, want);
	unlink_all();
}
END_TEST

/* The first file loads in many batches; the second cannot be read. */
START_TEST(test_unreadable_second)
{
	struct buf a;
	char want[256];

	buf_init(&a);
	gen(&a, 0, 3000, 1);
	put(0, &a);
	snprintf(paths[1], sizeof(paths[1]), "/nonexistent/corpus.jsonl");
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    paths[1]);
	ck_load_fails(2, want);
	/* It opens, but reading fails. */
	snprintf(paths[1], sizeof(paths[1]), "/");
	ck_load_fails(2, "/: Is a directory");
	paths[1][0] = '\0';
	/* A duplicate in the first file comes first. */
	buf_init(&a);
	gen(&a, 0, 3000, 1);
	gen(&a, 2, 3, 1);
	unlink(paths[0]);
	put(0, &a);
	snprintf(paths[1], sizeof(paths[1]), "/nonexistent/corpus.jsonl");
	snprintf(want, sizeof(want), "%s:3001: duplicate id \"d2\" (first on "
	    "line 3)", paths[0]);
	ck_load_fails(2, want);
	paths[1][0] = '\0';
	unlink_all();
}
END_TEST

START_TEST(test_empty_files)
{
	struct buf a, b, c;
	struct index *ix;
	struct index_info info;

	buf_init(&a);
	put(0, &a);
	buf_init(&b);
	gen(&b, 0, 2 * LOAD_BATCH_DOCS, 0);
	put(1, &b);
	buf_init(&c);
	buf_adds(&c, "\n \n");
	put(2, &c);
	ix = ck_load(3);
	index_info(ix, &info);
	ck_assert_uint_eq(info.ndocs, 2 * LOAD_BATCH_DOCS);
	ck_id(ix, 0, "d0");
	index_free(ix);
	ix = ck_load(1);
	index_info(ix, &info);
	ck_assert_uint_eq(info.ndocs, 0);
	ck_assert_uint_eq(info.nterms, 0);
	index_free(ix);
	unlink_all();
}
END_TEST

/* The last line has no newline; the next file starts at line 1. */
START_TEST(test_no_trailing_newline)
{
	struct buf a, b;
	struct index *ix;
	struct index_info info;
	char want[256], id[16];
	uint32_t i;

	buf_init(&a);
	gen(&a, 0, 5000, 1);
	a.len--;
	put(0, &a);
	buf_init(&b);
	gen(&b, 5000, 5000 + LOAD_BATCH_DOCS, 0);
	b.len--;
	put(1, &b);
	ix = ck_load(2);
	index_info(ix, &info);
	ck_assert_uint_eq(info.ndocs, 5000 + LOAD_BATCH_DOCS);
	for (i = 0; i < info.ndocs; i++) {
		snprintf(id, sizeof(id), "d%u", i);
		ck_id(ix, i, id);
	}
	index_free(ix);
	unlink(paths[1]);
	buf_init(&b);
	gen(&b, 9000, 9002, 0);
	buf_adds(&b, "{\"id\": \"d4999\", \"text\": \"again\"}");
	put(1, &b);
	snprintf(want, sizeof(want), "%s:3: duplicate id \"d4999\" (first on "
	    "%s:5000)", paths[1], paths[0]);
	ck_load_fails(2, want);
	unlink_all();
}
END_TEST

/* Builds from the same files one document at a time with build_add. */
static struct index *
load_serial(size_t n)
{
	struct corpus_reader r;
	struct corpus_doc cd;
	struct build *b;
	const char *line;
	char err[256];
	size_t i, len;
	uint32_t dup;

	b = build_new(NULL);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(corpus_reader_open(&r, paths[i]), 0);
		while (corpus_reader_next(&r, &line, &len, err,
		    sizeof(err)) == 1) {
			if (corpus_parse_line(line, len, &cd, err,
			    sizeof(err)) != 1)
				continue;
			ck_assert_int_eq(build_add(b, &cd, &dup), 0);
			corpus_doc_free(&cd);
		}
		corpus_reader_close(&r);
	}
	return build_finish(b);
}

static void
ck_same_index(const struct index *x, const struct index *y)
{
	uint32_t i;

	ck_assert_uint_eq(x->ndocs, y->ndocs);
	ck_assert_uint_eq(x->nterms, y->nterms);
	ck_assert_uint_eq(x->npostings, y->npostings);
	ck_assert_uint_eq(x->text_len, y->text_len);
	ck_assert_uint_eq(x->names_len, y->names_len);
	ck_assert_uint_eq(x->postings.len, y->postings.len);
	ck_assert_uint_eq(x->postings.nskips, y->postings.nskips);
	ck_assert_uint_eq(x->ids_mask, y->ids_mask);
	ck_assert_uint_eq(x->memory, y->memory);
	ck_assert_int_eq(memcmp(x->docs, y->docs, x->ndocs *
	    sizeof(*x->docs)), 0);
	ck_assert_int_eq(memcmp(x->text, y->text, x->text_len), 0);
	ck_assert_int_eq(memcmp(x->dl, y->dl, x->ndocs * sizeof(*x->dl)), 0);
	ck_assert_uint_eq(x->total_dl, y->total_dl);
	ck_assert_int_eq(memcmp(x->ids, y->ids, (x->ids_mask + 1) *
	    sizeof(*x->ids)), 0);
	ck_assert_int_eq(memcmp(x->names, y->names, x->names_len), 0);
	ck_assert_int_eq(memcmp(x->postings.data, y->postings.data,
	    x->postings.len), 0);
	for (i = 0; i < x->nterms; i++) {
		ck_assert_uint_eq(x->terms[i].name_off, y->terms[i].name_off);
		ck_assert_uint_eq(x->terms[i].name_len, y->terms[i].name_len);
		ck_assert_int_eq(memcmp(&x->terms[i].postings,
		    &y->terms[i].postings, sizeof(struct postings)), 0);
	}
	for (i = 0; i < x->postings.nskips; i++) {
		ck_assert_uint_eq(x->postings.skips[i].doc_off,
		    y->postings.skips[i].doc_off);
		ck_assert_uint_eq(x->postings.skips[i].pos_off,
		    y->postings.skips[i].pos_off);
		ck_assert_uint_eq(x->postings.skips[i].last_doc,
		    y->postings.skips[i].last_doc);
	}
}

/* Titles, empty titles, Unicode, long terms, extras, blank lines. */
START_TEST(test_same_as_serial)
{
	static const char *const words[] = {
		"caf\xc3\xa9", "CAF\xc3\x89", "Stra\xc3\x9f" "e",
		"\xe6\x9d\xb1\xe4\xba\xac", "x\xcc\x81y",
		"supercalifragilisticexpialidocious", "42", "rabbit", "Rabbit",
		"hole", "\xef\xac\x81ne",
	};
	struct index *x, *y;
	struct buf b;
	int i, j, nw = sizeof(words) / sizeof(words[0]);

	buf_init(&b);
	for (i = 0; i < 3 * LOAD_BATCH_DOCS; i++) {
		buf_addf(&b, "{\"id\": \"%d\", ", i);
		if (i % 3 == 0)
			buf_addf(&b, "\"title\": \"%s %s\", ", words[i % nw],
			    words[(i / 3) % nw]);
		else if (i % 5 == 0)
			buf_adds(&b, "\"title\": \"!!\", ");
		buf_adds(&b, "\"text\": \"");
		for (j = 0; j < i % 50; j++)
			buf_addf(&b, "%s w%d ", words[(i * j) % nw], j % 13);
		buf_adds(&b, i % 11 == 0 ? "\", \"n\": [1, null]}\n\n" :
		    "\"}\n");
	}
	put(0, &b);
	x = ck_load(1);
	y = load_serial(1);
	ck_same_index(x, y);
	index_free(x);
	index_free(y);
	unlink_all();
}
END_TEST

/* The caller may stop taking batches at any point, and nothing leaks. */
START_TEST(test_stop_early)
{
	struct load *l;
	struct load_batch *lb;
	struct buf b;
	const char *p[1];
	int i;

	buf_init(&b);
	gen(&b, 0, 20 * LOAD_BATCH_DOCS, 0);
	put(0, &b);
	p[0] = paths[0];
	for (i = 0; i < 4; i++) {
		l = load_start(p, 1, NULL);
		if (i > 0) {
			lb = load_next(l);
			ck_assert_ptr_nonnull(lb);
			ck_assert_uint_eq(lb->ndocs, LOAD_BATCH_DOCS);
			ck_assert_int_eq(lb->last, 0);
			if (i > 1)
				load_done(l, lb);
		}
		if (i > 2)
			usleep(100 * 1000);
		load_free(l);
	}
	unlink_all();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("load");
	TCase *tc = check_tcase("load");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_line, 0, 2);
	tcase_add_loop_test(tc, test_dup_before_bad_line, 0, 2);
	tcase_add_test(tc, test_dup_across_batches);
	tcase_add_test(tc, test_dup_across_files);
	tcase_add_test(tc, test_unreadable_second);
	tcase_add_test(tc, test_empty_files);
	tcase_add_test(tc, test_no_trailing_newline);
	tcase_add_test(tc, test_same_as_serial);
	tcase_add_test(tc, test_stop_early);
	suite_add_tcase(s, tc);
	return check_run(s);
}
