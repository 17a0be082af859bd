/* Unit tests of the JSON Lines reader: src/corpus.c. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "check_run.h"

static void
ck_bad(const char *line, const char *want)
{
	struct corpus_doc d;
	char err[256] = "";

	ck_assert_msg(corpus_parse_line(line, strlen(line), &d, err,
	    sizeof(err)) == -1, "%s parsed", line);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(d.obj);
}

START_TEST(test_fields)
{
	struct corpus_doc d;
	char err[256];
	const char *line = "{\"id\": \"x\\n1\", \"title\": \"T\", "
	    "\"text\": \"caf\xc3\xa9\"}";

	ck_assert_int_eq(corpus_parse_line(line, strlen(line), &d, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(d.id_len, 3);
	ck_assert_int_eq(memcmp(d.id, "x\n1", 3), 0);
	ck_assert_str_eq(d.title, "T");
	ck_assert_uint_eq(d.text_len, 5);
	ck_assert_uint_eq(d.extra.len, 0);
	corpus_doc_free(&d);

	line = "{\"text\": \"\", \"id\": \"\"}";
	ck_assert_int_eq(corpus_parse_line(line, strlen(line), &d, err,
	    sizeof(err)), 1);
	ck_assert_ptr_null(d.title);
	ck_assert_uint_eq(d.text_len, 0);
	corpus_doc_free(&d);
}
END_TEST

START_TEST(test_extra)
{
	struct corpus_doc d;
	char err[256];
	const char *line = "{\"lang\":\"en\",\"id\":\"a\",\"year\":1999,"
	    "\"text\":\"t\",\"tags\":[\"x\",true,null,{\"k\":2.5}],"
	    "\"r\":1.0,\"big\":-12345678901234,\"s\":\"\xc3\xa9\\\"\"}";
	const char *want = "\"lang\": \"en\", \"year\": 1999, "
	    "\"tags\": [\"x\", true, null, {\"k\": 2.5}], \"r\": 1.0, "
	    "\"big\": -12345678901234, \"s\": \"\xc3\xa9\\\"\"";

	ck_assert_int_eq(corpus_parse_line(line, strlen(line), &d, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(d.extra.len, strlen(want));
	ck_assert_int_eq(memcmp(d.extra.data, want, d.extra.len), 0);
	corpus_doc_free(&d);
}
END_TEST

START_TEST(test_blank)
{
	struct corpus_doc d;
	char err[256];

	ck_assert_int_eq(corpus_parse_line("", 0, &d, err, sizeof(err)), 0);
	ck_assert_int_eq(corpus_parse_line(" \t\r", 3, &d, err, sizeof(err)),
	    0);
}
END_TEST

START_TEST(test_errors)
{
	ck_bad("{\"id\": \"a\"", "bad JSON: unexpected end of data");
	ck_bad("{'id': 'a'}", "bad JSON: unexpected character");
	ck_bad("{\"id\": \"a\", \"text\": \"\xc3\x28\"}",
	    "bad JSON: invalid utf-8 string");
	ck_bad("[1, 2]", "not a JSON object");
	ck_bad("17", "not a JSON object");
	ck_bad("\"s\"", "not a JSON object");
	ck_bad("{\"text\": \"t\"}", "missing \"id\"");
	ck_bad("{\"id\": \"a\"}", "missing \"text\"");
	ck_bad("{\"id\": 1, \"text\": \"t\"}", "\"id\" is not a string");
	ck_bad("{\"id\": \"a\", \"text\": null}", "\"text\" is not a string");
	ck_bad("{\"id\": \"a\", \"text\": \"t\", \"title\": 3}",
	    "\"title\" is not a string");
	ck_bad("{\"id\": \"a\", \"text\": \"t\"} x",
	    "trailing data after the JSON value");
	ck_bad("{\"id\": \"a\", \"text\": \"t\"}{}",
	    "trailing data after the JSON value");
}
END_TEST

START_TEST(test_reader_lines)
{
	struct corpus_reader r;
	const char data[] = "one\n\ntwo\r\nlast";
	const char *line;
	char path[64], err[128];
	size_t len;

	check_write_temp(path, sizeof(path), data, strlen(data));
	ck_assert_int_eq(corpus_reader_open(&r, path), 0);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(memcmp(line, "two\r", 4), 0);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(line, "last", 4), 0);
	ck_assert_uint_eq(r.line, 4);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 0);
	corpus_reader_close(&r);
	unlink(path);
}
END_TEST

START_TEST(test_reader_long_lines)
{
	struct corpus_reader r;
	const char *line;
	char path[64], err[128], *data;
	size_t len, n = 3 * CORPUS_READ_SIZE;

	/* A line longer than the read buffer, then one over the limit. */
	data = malloc(CORPUS_LINE_MAX + n + 8);
	memset(data, 'a', CORPUS_LINE_MAX + n + 8);
	data[n] = '\n';
	check_write_temp(path, sizeof(path), data, CORPUS_LINE_MAX + n + 8);
	free(data);
	ck_assert_int_eq(corpus_reader_open(&r, path), 0);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), 1);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "line longer than 67108864 bytes");
	ck_assert_uint_eq(r.line, 2);
	corpus_reader_close(&r);
	unlink(path);
}
END_TEST

START_TEST(test_reader_errors)
{
	struct corpus_reader r;
	const char *line;
	char err[128];
	size_t len;

	ck_assert_int_eq(corpus_reader_open(&r, "/nonexistent/x.jsonl"), -1);
	ck_assert_int_eq(corpus_reader_open(&r, "/"), 0);
	ck_assert_int_eq(corpus_reader_next(&r, &line, &len, err,
	    sizeof(err)), -2);
	ck_assert_str_eq(err, "Is a directory");
	corpus_reader_close(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("corpus");
	TCase *tc = tcase_create("corpus");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_extra);
	tcase_add_test(tc, test_blank);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_reader_lines);
	tcase_add_test(tc, test_reader_long_lines);
	tcase_add_test(tc, test_reader_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
