/* Unit tests of the request-path JSON scanner: src/common/jscan.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jscan.h"
#include "check_run.h"

static const struct {
	const char		*text;
	enum jscan_error	 want;
} cases[] = {
	{ "{}", JSCAN_OK },
	{ " \t\r\n{ }\n ", JSCAN_OK },
	{ "{\"a\": 1, \"b\": \"x\", \"c\": [1, {\"d\": null}], \"e\": true, "
	    "\"f\": false, \"g\": -0.5e+3, \"h\": {}}", JSCAN_OK },
	{ "{\"k\": \"caf\xc3\xa9 \xf0\x9f\x90\xb6 \\u00e9 \\ud83d\\udc36\"}",
	    JSCAN_OK },
	{ "{\"esc\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", JSCAN_OK },
	{ "", JSCAN_SYNTAX },
	{ "{", JSCAN_SYNTAX },
	{ "{\"a\"}", JSCAN_SYNTAX },
	{ "{\"a\": }", JSCAN_SYNTAX },
	{ "{\"a\": 1,}", JSCAN_SYNTAX },
	{ "{,}", JSCAN_SYNTAX },
	{ "{\"a\": 1} x", JSCAN_SYNTAX },
	{ "{\"a\": 1}{}", JSCAN_SYNTAX },
	{ "{'a': 1}", JSCAN_SYNTAX },
	{ "{a: 1}", JSCAN_SYNTAX },
	{ "{\"a\": 01}", JSCAN_SYNTAX },
	{ "{\"a\": 1.}", JSCAN_SYNTAX },
	{ "{\"a\": .5}", JSCAN_SYNTAX },
	{ "{\"a\": -}", JSCAN_SYNTAX },
	{ "{\"a\": 1e}", JSCAN_SYNTAX },
	{ "{\"a\": +1}", JSCAN_SYNTAX },
	{ "{\"a\": NaN}", JSCAN_SYNTAX },
	{ "{\"a\": tru}", JSCAN_SYNTAX },
	{ "{\"a\": \"x\ty\"}", JSCAN_SYNTAX },
	{ "{\"a\": \"\\x\"}", JSCAN_SYNTAX },
	{ "{\"a\": \"\\u12G4\"}", JSCAN_SYNTAX },
	{ "{\"a\": \"\\u12\"}", JSCAN_SYNTAX },
	{ "{\"a\": \"unterminated}", JSCAN_SYNTAX },
	{ "{\"a\": [1, 2}", JSCAN_SYNTAX },
	{ "{\"a\" 1}", JSCAN_SYNTAX },
	{ "{\"a\": \"\xff\"}", JSCAN_UTF8 },
	{ "{\"a\": \"\xc0\xaf\"}", JSCAN_UTF8 },
	{ "{\"a\": \"\xe0\x80\xaf\"}", JSCAN_UTF8 },
	{ "{\"a\": \"\xed\xa0\x80\"}", JSCAN_UTF8 },
	{ "{\"a\": \"\xf4\x90\x80\x80\"}", JSCAN_UTF8 },
	{ "{\"a\": \"\xf0\x9f\x90\"}", JSCAN_UTF8 },
	{ "{\"\xfe\": 1}", JSCAN_UTF8 },
	{ "[1, 2]", JSCAN_NOT_OBJECT },
	{ "\"ping\"", JSCAN_NOT_OBJECT },
	{ " 42 ", JSCAN_NOT_OBJECT },
	{ "null", JSCAN_NOT_OBJECT },
	{ "[1, 2", JSCAN_SYNTAX },
};

START_TEST(test_cases)
{
	const char *t = cases[_i].text;

	ck_assert_msg(jscan_object(t, strlen(t), NULL, NULL) == cases[_i].want,
	    "%s: got %s", t, jscan_strerror(jscan_object(t, strlen(t), NULL,
	    NULL)));
}
END_TEST

START_TEST(test_depth)
{
	char text[256];
	int i, n = 0;

	n += sprintf(text + n, "{\"a\": ");
	for (i = 0; i < JSCAN_MAX_DEPTH; i++)
		text[n++] = '[';
	for (i = 0; i < JSCAN_MAX_DEPTH; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	ck_assert_int_eq(jscan_object(text, (size_t)n, NULL, NULL),
	    JSCAN_DEPTH);
	/* One level less fits: the object itself is a level. */
	memmove(text + 6, text + 7, (size_t)n - 7);
	memmove(text + 6 + JSCAN_MAX_DEPTH - 1, text + 6 + JSCAN_MAX_DEPTH,
	    (size_t)n - 7 - JSCAN_MAX_DEPTH);
	n -= 2;
	ck_assert_int_eq(jscan_object(text, (size_t)n, NULL, NULL), JSCAN_OK);
}
END_TEST

struct seen {
	char	keys[8][32];
	struct jscan_value vals[8];
	int	n;
};

static int
collect(void *arg, const struct jscan_value *k, const struct jscan_value *v)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%.*s", (int)k->len, k->p);
	s->vals[s->n++] = *v;
	return 0;
}

START_TEST(test_members)
{
	static const char t[] = "{\"byteorder\": \"big\", \"content-length\": "
	    "41, \"big\": 99999999999999999999, \"neg\": -9223372036854775808, "
	    "\"f\": 2.5, \"nest\": {\"x\": [1]}, \"s\": \"a\\\"b\\u00e9\"}";
	struct seen s = { .n = 0 };
	struct buf b;

	ck_assert_int_eq(jscan_object(t, sizeof(t) - 1, collect, &s), JSCAN_OK);
	ck_assert_int_eq(s.n, 7);
	ck_assert_str_eq(s.keys[0], "byteorder");
	ck_assert_int_eq(s.vals[0].type, JSCAN_STRING);
	ck_assert(jscan_string_eq(&s.vals[0], "big"));
	ck_assert(!jscan_string_eq(&s.vals[0], "bi"));
	ck_assert(s.vals[1].integral && s.vals[1].fits);
	ck_assert_int_eq(s.vals[1].i, 41);
	ck_assert(s.vals[2].integral && !s.vals[2].fits);
	ck_assert(s.vals[3].fits);
	ck_assert(s.vals[3].i == INT64_MIN);
	ck_assert(!s.vals[4].integral);
	ck_assert_int_eq(s.vals[5].type, JSCAN_OBJECT);
	ck_assert_int_eq((int)s.vals[5].len, 10);
	ck_assert(s.vals[6].escaped);
	ck_assert(jscan_string_eq(&s.vals[6], "a\"b\xc3\xa9"));
	buf_init(&b);
	jscan_unescape(&s.vals[6], &b);
	ck_assert_uint_eq(b.len, 5);
	buf_free(&b);
}
END_TEST

START_TEST(test_unescape_surrogates)
{
	static const char t[] = "{\"s\": \"\\ud83d\\udc36 \\udc36 \\ud83d\"}";
	struct seen s = { .n = 0 };
	struct buf b;

	ck_assert_int_eq(jscan_object(t, sizeof(t) - 1, collect, &s), JSCAN_OK);
	buf_init(&b);
	jscan_unescape(&s.vals[0], &b);
	ck_assert_uint_eq(b.len, 4 + 1 + 3 + 1 + 3);
	ck_assert_int_eq(memcmp(b.data, "\xf0\x9f\x90\xb6 \xef\xbf\xbd "
	    "\xef\xbf\xbd", b.len), 0);
	buf_free(&b);
}
END_TEST

static int
stop_at_second(void *arg, const struct jscan_value *k,
    const struct jscan_value *v)
{
	return ++*(int *)arg == 2;
}

START_TEST(test_stop)
{
	static const char t[] = "{\"a\": 1, \"b\": 2, \"c\": 3}";
	int n = 0;

	ck_assert_int_eq(jscan_object(t, sizeof(t) - 1, stop_at_second, &n),
	    JSCAN_STOPPED);
	ck_assert_int_eq(n, 2);
}
END_TEST

/*
 * Differential test: on thousands of mutated messages jscan must accept
 * exactly the objects json-c's strict, UTF-8 validating parser accepts.
 * json-c takes numbers RFC 8259 forbids ("01", "1."), so the mutations
 * leave number syntax alone; test_cases covers those.
 */
static int
jsonc_accepts(const char *p, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	int ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, p, (int)len);
	ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len &&
	    json_object_is_type(o, json_type_object);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

START_TEST(test_agrees_with_json_c)
{
	static const char *const seeds[] = {
		"{\"byteorder\": \"big\", \"content-type\": \"text/json\", "
		    "\"content-encoding\": \"utf-8\", \"content-length\": 41}",
		"{\"action\": \"search\", \"value\": \"caf\xc3\xa9 \\u00e9\", "
		    "\"limit\": 10, \"x\": [true, false, null, -1.5e3, {}]}",
	};
	static const char alphabet[] = "{}[]\":,\\ -1eE+tfnu\xc3\xa9\xff";
	char buf[256];
	unsigned seed = 12345;
	size_t len, i, k;
	int round, disagreements = 0;

	for (round = 0; round < 20000; round++) {
		const char *s = seeds[round % 2];

		len = strlen(s);
		memcpy(buf, s, len);
		for (k = 0; k < 1 + (unsigned)round % 3; k++) {
			seed = seed * 1103515245 + 12345;
			i = (seed >> 8) % len;
			seed = seed * 1103515245 + 12345;
			buf[i] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		if ((jscan_object(buf, len, NULL, NULL) == JSCAN_OK) !=
		    jsonc_accepts(buf, len)) {
			if (disagreements++ < 5)
				fprintf(stderr, "disagree on: %.*s\n", (int)len,
				    buf);
		}
	}
	ck_assert_int_eq(disagreements, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jscan");
	TCase *tc = check_tcase("jscan");

	tcase_add_loop_test(tc, test_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_unescape_surrogates);
	tcase_add_test(tc, test_stop);
	tcase_add_test(tc, test_agrees_with_json_c);
	suite_add_tcase(s, tc);
	return check_run(s);
}
