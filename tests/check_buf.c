/* Unit tests of the buffer and its JSON writers: src/common/buf.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_run.h"

static void
ck_buf(struct buf *b, const char *want)
{
	ck_assert_uint_eq(b->len, strlen(want));
	ck_assert_int_eq(memcmp(b->data, want, b->len), 0);
	buf_reset(b);
}

START_TEST(test_string_escapes)
{
	struct buf b;

	buf_init(&b);
	buf_json_string(&b, "plain", 5);
	ck_buf(&b, "\"plain\"");
	buf_json_string(&b, "q\"b\\s/", 6);
	ck_buf(&b, "\"q\\\"b\\\\s/\"");
	buf_json_string(&b, "\n\r\t\b\f\x01\x1f", 7);
	ck_buf(&b, "\"\\n\\r\\t\\b\\f\\u0001\\u001f\"");
	buf_json_string(&b, "a\0b", 3);
	ck_buf(&b, "\"a\\u0000b\"");
	/* Non-ASCII stays UTF-8, as json.dumps(ensure_ascii=False) does. */
	buf_json_string(&b, "caf\xc3\xa9 \xf0\x9f\x90\xb0", 10);
	ck_buf(&b, "\"caf\xc3\xa9 \xf0\x9f\x90\xb0\"");
	buf_json_string(&b, "", 0);
	ck_buf(&b, "\"\"");
	buf_free(&b);
}
END_TEST

/* The obvious byte-by-byte escaper, to check the word-at-a-time one. */
static void
naive_escape(struct buf *b, const unsigned char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\f': buf_adds(b, "\\f"); break;
		default:
			if (p[i] < 0x20) {
				buf_adds(b, "\\u00");
				buf_addc(b, hex[p[i] >> 4]);
				buf_addc(b, hex[p[i] & 0xf]);
			} else
				buf_addc(b, (char)p[i]);
		}
	}
	buf_addc(b, '"');
}

START_TEST(test_string_escapes_random)
{
	static const unsigned char alphabet[] = { 'a', 'Z', ' ', '"', '\\',
	    '\n', 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x00, '/' };
	unsigned char s[64];
	struct buf got, want;
	unsigned seed = 7;
	size_t len, i;
	int round;

	buf_init(&got);
	buf_init(&want);
	for (round = 0; round < 20000; round++) {
		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof(s);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			/* Mostly plain letters, so long plain runs occur. */
			s[i] = (seed >> 16) % 4 ? 'a' + (seed >> 20) % 26 :
			    alphabet[(seed >> 20) % sizeof(alphabet)];
		}
		buf_reset(&got);
		buf_reset(&want);
		buf_json_string(&got, (const char *)s, len);
		naive_escape(&want, s, len);
		ck_assert_uint_eq(got.len, want.len);
		ck_assert_int_eq(memcmp(got.data, want.data, got.len), 0);
	}
	buf_free(&got);
	buf_free(&want);
}
END_TEST

START_TEST(test_numbers)
{
	struct buf b;

	buf_init(&b);
	buf_json_int(&b, -9223372036854775807LL - 1);
	ck_buf(&b, "-9223372036854775808");
	buf_json_uint(&b, 18446744073709551615ULL);
	ck_buf(&b, "18446744073709551615");
	buf_json_double(&b, 0.1);
	ck_buf(&b, "0.1");
	buf_json_double(&b, 2.0);
	ck_buf(&b, "2.0");
	buf_json_double(&b, 1.0 / 3.0);
	ck_buf(&b, "0.333333333333333");
	buf_json_double(&b, 1.5e-300);
	ck_buf(&b, "1.5e-300");
	buf_json_double(&b, 1e300 * 1e300);
	ck_buf(&b, "0");
	buf_free(&b);
}
END_TEST

/* What printf makes of v, with ".0" when it reads as an integer. */
static void
ck_double_as_printf(double v)
{
	struct buf b;
	char want[40];
	int n;

	n = snprintf(want, sizeof(want) - 2, "%.15g", v);
	if (strpbrk(want, ".e") == NULL)
		memcpy(want + n, ".0", 3);
	buf_init(&b);
	buf_json_double(&b, v);
	buf_addc(&b, '\0');
	ck_assert_msg(strcmp(b.data, want) == 0, "%a: %s, printf %s", v,
	    b.data, want);
	buf_free(&b);
}

/* The integer formatter against printf, on every kind of score. */
START_TEST(test_double_formatter)
{
	static const double edges[] = {
		1e-4, 0.000099999999999999991, 0.0001000000000000001,
		1e15, 999999999999999.5, 999999999999999.4, 99999999999999.95,
		123456789012345.5, 123456789012344.5, 0.5, 1.25, 2.5, 10.0,
		100.0, 1e14, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 9.5,
		0.00012345678901234567, 4503599627370495.5, 12.000000000000001,
		-7.25, -0.001, -123456.789, 5e-5, 3.0e15, 0.0, -0.0,
	};
	uint64_t bits;
	double v;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		ck_double_as_printf(edges[i]);
	/* Random doubles from 1e-6 to 1e17, and random BM25-sized ones. */
	srandom(5);
	for (i = 0; i < 200000; i++) {
		bits = (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^
		    (uint64_t)random();
		bits = (bits & 0x000fffffffffffffULL) |
		    (uint64_t)(1003 + random() % 77) << 52;
		memcpy(&v, &bits, sizeof(v));
		ck_double_as_printf(i % 2 ? v : -v);
		ck_double_as_printf((double)(random() % 100000) / 1000 +
		    (double)random() / 1e15);
	}
}
END_TEST

START_TEST(test_growth)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_int_eq(b.data[99999], 'a' + 99999 % 26);
	buf_addf(&b, "%d-%s", 42, "x");
	ck_assert_int_eq(memcmp(b.data + 100000, "42-x", 4), 0);
	buf_trim(&b, 1024);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 1024);
	buf_json_key(&b, "k");
	ck_buf(&b, "\"k\": ");
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = check_tcase("buf");

	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_string_escapes_random);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_double_formatter);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return check_run(s);
}
