/* Unit tests of the wire codec: src/proto/frame.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "check_run.h"

#define MAX_CONTENT	(1024 * 1024)

/* The tutorial's request for "morpheus", byte for byte. */
static const char tutorial_morpheus[] =
    "\x00" "d" "{\"byteorder\": \"big\", \"content-type\": \"text/json\", "
    "\"content-encoding\": \"utf-8\", \"content-length\": 41}"
    "{\"action\": \"search\", \"value\": \"morpheus\"}";

/* A decoded message, copied out of the parser for comparison. */
struct decoded {
	char	ctype[64];
	char	enc[32];
	char	content[256];
	size_t	clen;
	int	big;
	char	id[64];
	char	soft[32];
};

/*
 * Feeds bytes the way conn.c does: accumulate, and hand the parser all of
 * them from the start of the message under way.
 */
struct feeder {
	struct frame_parser	 p;
	struct buf		 in;
	size_t			 off;
	struct decoded		 out[16];
	int			 n;
	const char		*fatal;
};

static void
feeder_init(struct feeder *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	frame_parser_init(&f->p, max);
	buf_init(&f->in);
}

static void
feeder_free(struct feeder *f)
{
	buf_free(&f->in);
}

static void
decoded_set(struct decoded *d, const struct frame_msg *m)
{
	struct buf b;

	memset(d, 0, sizeof(*d));
	buf_init(&b);
	frame_str_copy(&m->content_type, &b);
	snprintf(d->ctype, sizeof(d->ctype), "%.*s", (int)b.len, b.data);
	buf_reset(&b);
	frame_str_copy(&m->content_encoding, &b);
	snprintf(d->enc, sizeof(d->enc), "%.*s", (int)b.len, b.data);
	buf_free(&b);
	memcpy(d->content, m->content, m->content_length <
	    sizeof(d->content) ? m->content_length : sizeof(d->content) - 1);
	d->clen = m->content_length;
	d->big = m->byteorder == FRAME_BYTEORDER_BIG;
	if (m->id != NULL)
		snprintf(d->id, sizeof(d->id), "%.*s", (int)m->id_len, m->id);
	if (m->soft_error != NULL)
		snprintf(d->soft, sizeof(d->soft), "%s", m->soft_error->code);
}

static void
feeder_push(struct feeder *f, const void *data, size_t len)
{
	struct frame_error err;
	struct frame_msg m;

	buf_add(&f->in, data, len);
	while (f->fatal == NULL) {
		switch (frame_parse(&f->p, buf_bytes(&f->in, f->off),
		    f->in.len - f->off, &m, &err)) {
		case FRAME_FATAL:
			f->fatal = err.code;
			return;
		case FRAME_MORE:
			return;
		case FRAME_READY:
			ck_assert_int_lt(f->n, 16);
			decoded_set(&f->out[f->n++], &m);
			f->off += m.size;
			break;
		}
	}
}

/* Builds a message with the given header text and content. */
static size_t
mkmsg(char *out, const char *hdr, const char *content, size_t clen)
{
	size_t hlen = strlen(hdr);

	out[0] = (char)(hlen >> 8);
	out[1] = (char)(hlen & 0xff);
	memcpy(out + 2, hdr, hlen);
	memcpy(out + 2 + hlen, content, clen);
	return 2 + hlen + clen;
}

START_TEST(test_tutorial_request)
{
	struct feeder f;

	feeder_init(&f, MAX_CONTENT);
	feeder_push(&f, tutorial_morpheus, sizeof(tutorial_morpheus) - 1);
	ck_assert_ptr_null(f.fatal);
	ck_assert_int_eq(f.n, 1);
	ck_assert_str_eq(f.out[0].ctype, "text/json");
	ck_assert_str_eq(f.out[0].enc, "utf-8");
	ck_assert_int_eq(f.out[0].big, 1);
	ck_assert_uint_eq(f.out[0].clen, 41);
	ck_assert_str_eq(f.out[0].content,
	    "{\"action\": \"search\", \"value\": \"morpheus\"}");
	ck_assert_str_eq(f.out[0].id, "");
	ck_assert_uint_eq(f.off, f.in.len);
	feeder_free(&f);
}
END_TEST

/* Three messages back to back: JSON, empty binary, and one with an id. */
static size_t
three_messages(char *buf)
{
	size_t n = 0;

	memcpy(buf, tutorial_morpheus, sizeof(tutorial_morpheus) - 1);
	n += sizeof(tutorial_morpheus) - 1;
	n += mkmsg(buf + n, "{\"byteorder\": \"little\", \"content-type\": "
	    "\"binary/x\", \"content-encoding\": \"binary\", "
	    "\"content-length\": 0}", "", 0);
	n += mkmsg(buf + n, "{\"content-length\": 5, \"id\": \"q7\", "
	    "\"byteorder\": \"big\", \"content-type\": \"binary/y\", "
	    "\"content-encoding\": \"binary\", \"extra\": [1, 2]}", "a\0b\xff"
	    "c", 5);
	return n;
}

static void
check_three(const struct feeder *f)
{
	ck_assert_ptr_null(f->fatal);
	ck_assert_int_eq(f->n, 3);
	ck_assert_uint_eq(f->out[0].clen, 41);
	ck_assert_str_eq(f->out[1].ctype, "binary/x");
	ck_assert_uint_eq(f->out[1].clen, 0);
	ck_assert_int_eq(f->out[1].big, 0);
	ck_assert_str_eq(f->out[2].id, "\"q7\"");
	ck_assert_uint_eq(f->out[2].clen, 5);
	ck_assert_int_eq(memcmp(f->out[2].content, "a\0b\xff" "c", 5), 0);
}

START_TEST(test_every_split_point)
{
	char buf[1024];
	size_t n = three_messages(buf), k;
	struct feeder f;

	for (k = 0; k <= n; k++) {
		feeder_init(&f, MAX_CONTENT);
		feeder_push(&f, buf, k);
		feeder_push(&f, buf + k, n - k);
		check_three(&f);
		feeder_free(&f);
	}
}
END_TEST

START_TEST(test_byte_at_a_time)
{
	char buf[1024];
	size_t n = three_messages(buf), k;
	struct feeder f;

	feeder_init(&f, MAX_CONTENT);
	for (k = 0; k < n; k++)
		feeder_push(&f, buf + k, 1);
	check_three(&f);
	feeder_free(&f);
}
END_TEST

/* Each header that breaks framing, with the error code it must give. */
static const struct {
	const char	*hdr;
	const char	*code;
} fatal_headers[] = {
	{ "not json at all", "bad_header" },
	{ "[1, 2, 3]", "bad_header" },
	{ "\"a string\"", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"text/json\", "
	    "\"content-encoding\": \"utf-8\", \"content-length\": 1} trailing",
	    "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"text/json\"",
	    "bad_header" },
	{ "{\"byteorder\": \"b\xff\xfe\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": 1}", "bad_header" },
	{ "{\"content-type\": \"t\", \"content-encoding\": \"u\", "
	    "\"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-encoding\": \"u\", "
	    "\"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\"}", "bad_header" },
	{ "{\"byteorder\": 1, \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": null, "
	    "\"content-encoding\": \"u\", \"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": [], \"content-length\": 1}", "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": \"41\"}",
	    "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": 41.0}",
	    "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": -1}",
	    "bad_header" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", \"content-length\": 1025}",
	    "too_large" },
	{ "{\"byteorder\": \"big\", \"content-type\": \"t\", "
	    "\"content-encoding\": \"u\", "
	    "\"content-length\": 99999999999999999999999}", "too_large" },
};

START_TEST(test_fatal_header)
{
	char buf[1024];
	size_t n;
	struct feeder f;

	feeder_init(&f, 1024);
	/* No content follows: a fatal header must not wait for it. */
	n = mkmsg(buf, fatal_headers[_i].hdr, "", 0);
	feeder_push(&f, buf, n);
	ck_assert_msg(f.fatal != NULL, "accepted: %s", fatal_headers[_i].hdr);
	ck_assert_str_eq(f.fatal, fatal_headers[_i].code);
	ck_assert_int_eq(f.n, 0);
	feeder_free(&f);
}
END_TEST

START_TEST(test_zero_header_length)
{
	struct feeder f;

	feeder_init(&f, 1024);
	feeder_push(&f, "\0\0{}", 4);
	ck_assert_str_eq(f.fatal, "bad_frame");
	feeder_free(&f);
}
END_TEST

START_TEST(test_content_at_limit)
{
	static char content[1024];
	char *buf = malloc(2048);
	size_t n;
	struct feeder f;

	feeder_init(&f, sizeof(content));
	memset(content, 'x', sizeof(content));
	n = mkmsg(buf, "{\"byteorder\": \"big\", \"content-type\": \"b\", "
	    "\"content-encoding\": \"binary\", \"content-length\": 1024}",
	    content, sizeof(content));
	feeder_push(&f, buf, n);
	ck_assert_ptr_null(f.fatal);
	ck_assert_int_eq(f.n, 1);
	feeder_free(&f);
	free(buf);
}
END_TEST

START_TEST(test_soft_errors)
{
	char buf[1024];
	size_t n = 0;
	struct feeder f;

	n += mkmsg(buf + n, "{\"byteorder\": \"middle\", \"content-type\": "
	    "\"b\", \"content-encoding\": \"binary\", \"content-length\": 2}",
	    "ab", 2);
	n += mkmsg(buf + n, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"b\", \"content-encoding\": \"binary\", \"content-length\": 1, "
	    "\"id\": 1.5}", "c", 1);
	n += mkmsg(buf + n, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"b\", \"content-encoding\": \"binary\", \"content-length\": 1, "
	    "\"id\": 42}", "d", 1);
	feeder_init(&f, 1024);
	feeder_push(&f, buf, n);
	ck_assert_ptr_null(f.fatal);
	ck_assert_int_eq(f.n, 3);
	ck_assert_str_eq(f.out[0].soft, "bad_byteorder");
	ck_assert_str_eq(f.out[1].soft, "bad_id");
	ck_assert_str_eq(f.out[2].soft, "");
	ck_assert_str_eq(f.out[2].id, "42");
	ck_assert_str_eq(f.out[2].content, "d");
	feeder_free(&f);
}
END_TEST

START_TEST(test_encode_tutorial_reply)
{
	static const char want[] = "\x00" "g" "{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 43}";
	static const char want_bin[] = "\x00\x7f" "{\"byteorder\": \"little\", "
	    "\"content-type\": \"binary/custom-server-binary-type\", "
	    "\"content-encoding\": \"binary\", \"content-length\": 37}";
	struct buf b;

	if (strcmp(frame_host_byteorder(), "little") != 0)
		return;		/* the tutorial's bytes are a little-endian host's */
	buf_init(&b);
	ck_assert_int_eq(frame_encode_header(&b, "text/json", "utf-8", 43,
	    NULL, 0), 0);
	ck_assert_uint_eq(b.len, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(b.data, want, b.len), 0);
	buf_reset(&b);
	ck_assert_int_eq(frame_encode_header(&b,
	    "binary/custom-server-binary-type", "binary", 37, NULL, 0), 0);
	ck_assert_uint_eq(b.len, sizeof(want_bin) - 1);
	ck_assert_int_eq(memcmp(b.data, want_bin, b.len), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_encode_id)
{
	struct buf b;
	const char *tail;

	buf_init(&b);
	ck_assert_int_eq(frame_encode_header(&b, "text/json", "utf-8", 0,
	    "\"a\\\"b\"", 6), 0);
	tail = "\"content-length\": 0, \"id\": \"a\\\"b\"}";
	ck_assert_int_eq(memcmp(b.data + b.len - strlen(tail), tail,
	    strlen(tail)), 0);
	ck_assert_uint_eq((size_t)((uint8_t)b.data[0] << 8 | (uint8_t)b.data[1]),
	    b.len - 2);
	buf_reset(&b);
	ck_assert_int_eq(frame_encode_header(&b, "text/json", "utf-8", 0,
	    "-7", 2), 0);
	tail = "\"id\": -7}";
	ck_assert_int_eq(memcmp(b.data + b.len - strlen(tail), tail,
	    strlen(tail)), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_encode_too_large)
{
	struct buf b;
	char *big = malloc(70000);

	memset(big, 'x', 70000);
	big[0] = big[69999] = '"';
	buf_init(&b);
	buf_add(&b, "keep", 4);
	ck_assert_int_eq(frame_encode_header(&b, "text/json", "utf-8", 1, big,
	    70000), -1);
	ck_assert_uint_eq(b.len, 4);
	buf_free(&b);
	free(big);
}
END_TEST

/* Ids are echoed as they came, whatever their size or escapes. */
START_TEST(test_id_verbatim)
{
	char buf[512];
	size_t n = 0;
	struct feeder f;

	n += mkmsg(buf + n, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"b\", \"content-encoding\": \"binary\", \"content-length\": 0, "
	    "\"id\": 123456789012345678901234567890}", "", 0);
	n += mkmsg(buf + n, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"b\", \"content-encoding\": \"binary\", \"content-length\": 0, "
	    "\"id\": \"\\u00e9\\\"\"}", "", 0);
	feeder_init(&f, 1024);
	feeder_push(&f, buf, n);
	ck_assert_int_eq(f.n, 2);
	ck_assert_str_eq(f.out[0].id, "123456789012345678901234567890");
	ck_assert_str_eq(f.out[1].id, "\"\\u00e9\\\"\"");
	feeder_free(&f);
}
END_TEST

/* A round trip: what the encoder writes, the decoder reads back. */
START_TEST(test_round_trip)
{
	struct buf b;
	struct feeder f;

	buf_init(&b);
	frame_encode_header(&b, "text/json", "utf-8", 4, "\"r1\"", 4);
	buf_add(&b, "{}  ", 4);
	feeder_init(&f, 1024);
	feeder_push(&f, b.data, b.len);
	ck_assert_int_eq(f.n, 1);
	ck_assert_str_eq(f.out[0].id, "\"r1\"");
	ck_assert_str_eq(f.out[0].content, "{}  ");
	ck_assert_str_eq(f.out[0].ctype, "text/json");
	feeder_free(&f);
	buf_free(&b);
}
END_TEST

/* Escapes in header strings are decoded before they are compared. */
START_TEST(test_escaped_content_type)
{
	char buf[256];
	size_t n;
	struct feeder f;

	n = mkmsg(buf, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"text\\/json\", \"content-encoding\": \"utf-\\u0038\", "
	    "\"content-length\": 2}", "{}", 2);
	feeder_init(&f, 1024);
	feeder_push(&f, buf, n);
	ck_assert_int_eq(f.n, 1);
	ck_assert_str_eq(f.out[0].ctype, "text/json");
	ck_assert_str_eq(f.out[0].enc, "utf-8");
	feeder_free(&f);
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = check_tcase("decode");

	tcase_add_test(tc, test_tutorial_request);
	tcase_add_test(tc, test_every_split_point);
	tcase_add_test(tc, test_byte_at_a_time);
	tcase_add_loop_test(tc, test_fatal_header, 0,
	    sizeof(fatal_headers) / sizeof(fatal_headers[0]));
	tcase_add_test(tc, test_zero_header_length);
	tcase_add_test(tc, test_content_at_limit);
	tcase_add_test(tc, test_soft_errors);
	suite_add_tcase(s, tc);
	tc = check_tcase("encode");
	tcase_add_test(tc, test_encode_tutorial_reply);
	tcase_add_test(tc, test_encode_id);
	tcase_add_test(tc, test_encode_too_large);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_id_verbatim);
	tcase_add_test(tc, test_escaped_content_type);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(frame_suite());
}
