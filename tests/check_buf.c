/* Unit tests of the buffer and its JSON writers: src/buf.c. */
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
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_string_escapes_random);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return check_run(s);
}
