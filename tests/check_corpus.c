/* Unit tests of the JSON Lines reader: src/engine/corpus.c. */
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

/* Both readers must agree on every line: same verdict, same bytes. */
static void
ck_same(const char *line)
{
	struct corpus_doc a, b;
	char ea[256] = "", eb[256] = "";
	int ra, rb;

	ra = corpus_parse_line(line, strlen(line), &a, ea, sizeof(ea));
	rb = corpus_parse_line_json(line, strlen(line), &b, eb, sizeof(eb));
	ck_assert_msg(ra == rb, "%s: %d against json-c's %d", line, ra, rb);
	if (ra == -1)
		ck_assert_str_eq(ea, eb);
	if (ra != 1)
		return;
	ck_assert_mem_eq(a.id, b.id, b.id_len + 1);
	ck_assert_uint_eq(a.id_len, b.id_len);
	ck_assert_uint_eq(a.text_len, b.text_len);
	ck_assert_mem_eq(a.text, b.text, b.text_len + 1);
	ck_assert_int_eq(a.title == NULL, b.title == NULL);
	if (b.title != NULL) {
		ck_assert_uint_eq(a.title_len, b.title_len);
		ck_assert_mem_eq(a.title, b.title, b.title_len + 1);
	}
	ck_assert_uint_eq(a.extra.len, b.extra.len);
	if (b.extra.len > 0)
		ck_assert_mem_eq(a.extra.data, b.extra.data, b.extra.len);
	corpus_doc_free(&a);
	corpus_doc_free(&b);
}

START_TEST(test_fast_path_agrees)
{
	static const char *const lines[] = {
		"{\"id\": \"d1\", \"title\": \"T\", \"text\": \"plain words\"}",
		"{\"text\":\"a\\n\\t\\\"q\\\" \\\\ \\/\",\"id\":\"e\"}",
		"{\"id\": \"u\", \"text\": \"caf\\u00e9 \\u00C9\"}",
		"{\"id\": \"p\", \"text\": \"\\ud83d\\ude00 pair\"}",
		"{\"id\": \"l\", \"text\": \"lone \\ud800 x\"}",
		"{\"id\": \"l2\", \"text\": \"lone \\udc00\"}",
		"{\"id\": \"n\\u0000ul\", \"text\": \"a\\u0000b\"}",
		"{\"id\": \"k\", \"text\": \"x\", \"id\": \"k2\"}",
		"{\"\\u0069d\": \"esc\", \"text\": \"key escaped\"}",
		"{\"id\": \"x\", \"text\": \"t\", \"lang\": \"en\"}",
		"{\"id\": \"x\", \"text\": \"t\", \"title\": null}",
		"{\"id\": \"x\", \"text\": 5}",
		"  {\"id\":\"w\",\"text\":\"\"}\t\r",
		"{\"id\": \"x\", \"text\": \"t\"}\f",
		"\xef\xbb\xbf{\"id\": \"bom\", \"text\": \"t\"}",
		"{\"id\": \"x\", \"text\": \"bad \xc3\x28\"}",
		"{\"id\": \"x\", \"text\": \"raw\ttab\"}",
		"{\"id\": \"x\", \"text\": \"t\"",
		"{\"id\": \"x\", \"text\": \"t\"} {}",
		"{\"id\": \"x\"}",
		"{}",
		"[]",
	};
	struct corpus_doc d;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_same(lines[i]);

	/* The common line skips json-c; one with other keys does not. */
	ck_assert_int_eq(corpus_parse_line(lines[1], strlen(lines[1]), &d, err,
	    sizeof(err)), 1);
	ck_assert_ptr_null(d.obj);
	corpus_doc_free(&d);
	ck_assert_int_eq(corpus_parse_line(lines[9], strlen(lines[9]), &d, err,
	    sizeof(err)), 1);
	ck_assert_ptr_nonnull(d.obj);
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
	ck_bad("{\"text\": \"t\"}", "id: missing");
	ck_bad("{\"id\": \"a\"}", "text: missing");
	ck_bad("{\"id\": 1, \"text\": \"t\"}", "id: not a string");
	ck_bad("{\"id\": \"a\", \"text\": null}", "text: not a string");
	ck_bad("{\"id\": \"a\", \"text\": \"t\", \"title\": 3}",
	    "title: not a string");
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
	TCase *tc = check_tcase("corpus");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_extra);
	tcase_add_test(tc, test_fast_path_agrees);
	tcase_add_test(tc, test_blank);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_reader_lines);
	tcase_add_test(tc, test_reader_long_lines);
	tcase_add_test(tc, test_reader_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
