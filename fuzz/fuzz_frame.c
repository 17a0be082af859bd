/*
 * fuzz_frame.c: the wire decoder, driven as conn.c drives it: hand
 * frame_parse() everything buffered from the start of a message, again
 * with more bytes after FRAME_MORE, and move past msg.size after
 * FRAME_READY.
 *
 * Checked besides memory safety:
 *  - the split does not matter: bytes fed all at once and a few at a time
 *    decode to the same messages and the same error;
 *  - json-c is the reference JSON parser: a header the decoder accepts is
 *    a JSON object to json-c, with the same content-type and
 *    content-encoding, and the id echoed as it came is a JSON string or
 *    number (else our reply header would be broken JSON);
 *  - a reply header encoded with frame_encode_header decodes back to the
 *    same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Small, so the too_large path is reachable from small inputs. */
#define FUZZ_MAX_CONTENT	4096
#define FUZZ_MAX_MSGS		64
/* Prefixes up to this long get their own allocation (see feed). */
#define FUZZ_COPY_MAX		2048

struct result {
	size_t		nmsgs;
	size_t		sizes[FUZZ_MAX_MSGS];
	enum frame_status last;
	const char	*code;
};

static json_tokener *tok;

static json_object *
ref_parse(const char *s, size_t len)
{
	json_object *o;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void
same_string(json_object *hdr, const char *key, const struct frame_str *s)
{
	json_object *v;
	struct buf b;

	if (!json_object_object_get_ex(hdr, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		abort();	/* accepted a header json-c reads otherwise */
	buf_init(&b);
	frame_str_copy(s, &b);
	if (b.len != (size_t)json_object_get_string_len(v) ||
	    memcmp(b.data, json_object_get_string(v), b.len) != 0)
		abort();	/* unescaped differently from json-c */
	buf_free(&b);
}

/* A message the decoder accepted, checked against json-c. */
static void
check_msg(const uint8_t *data, const struct frame_msg *msg)
{
	size_t hlen = (size_t)data[0] << 8 | data[1];
	json_object *hdr, *id;

	if (msg->size != FRAME_PREFIX_LEN + hlen + msg->content_length ||
	    msg->content != data + FRAME_PREFIX_LEN + hlen)
		abort();
	if ((hdr = ref_parse((const char *)data + FRAME_PREFIX_LEN,
	    hlen)) == NULL || !json_object_is_type(hdr, json_type_object))
		abort();	/* accepted a header that is not JSON */
	same_string(hdr, "content-type", &msg->content_type);
	same_string(hdr, "content-encoding", &msg->content_encoding);
	json_object_put(hdr);
	if (msg->id != NULL) {
		if ((id = ref_parse(msg->id, msg->id_len)) == NULL ||
		    !(json_object_is_type(id, json_type_string) ||
		    json_object_is_type(id, json_type_int) ||
		    json_object_is_type(id, json_type_double)))
			abort();	/* would echo broken JSON */
		json_object_put(id);
	}
}

/* Our own reply header must decode to what we put in. */
static void
roundtrip(const struct frame_msg *msg)
{
	struct frame_parser p;
	struct frame_msg out;
	struct frame_error err;
	struct buf b, ct, ce, ct2, ce2;

	buf_init(&b);
	buf_init(&ct);
	buf_init(&ce);
	frame_str_copy(&msg->content_type, &ct);
	frame_str_copy(&msg->content_encoding, &ce);
	buf_addc(&ct, '\0');
	buf_addc(&ce, '\0');
	if (frame_encode_header(&b, ct.data, ce.data, msg->content_length,
	    msg->id, msg->id_len) == 0) {
		buf_add(&b, msg->content, msg->content_length);
		frame_parser_init(&p, SIZE_MAX);
		if (frame_parse(&p, (uint8_t *)b.data, b.len, &out, &err) !=
		    FRAME_READY || out.size != b.len ||
		    out.content_length != msg->content_length ||
		    out.id_len != msg->id_len ||
		    (msg->id != NULL &&
		    memcmp(out.id, msg->id, msg->id_len) != 0))
			abort();
		buf_init(&ct2);
		buf_init(&ce2);
		frame_str_copy(&out.content_type, &ct2);
		frame_str_copy(&out.content_encoding, &ce2);
		buf_addc(&ct2, '\0');
		buf_addc(&ce2, '\0');
		/* C strings: the encoder stops at a NUL, so compare so far. */
		if (strcmp(ct.data, ct2.data) != 0 ||
		    strcmp(ce.data, ce2.data) != 0)
			abort();
		buf_free(&ct2);
		buf_free(&ce2);
	}
	buf_free(&b);
	buf_free(&ct);
	buf_free(&ce);
}

/*
 * Decodes data, revealing step more bytes after each FRAME_MORE (0: all
 * at once).  Short prefixes are copied to their own allocation so that a
 * read past what has arrived is an error ASan reports.
 */
static void
feed(const uint8_t *data, size_t size, size_t step, int check,
    struct result *r)
{
	struct frame_parser p;
	struct frame_msg msg;
	struct frame_error err;
	enum frame_status st = FRAME_MORE;
	size_t off = 0, len;
	uint8_t *copy;

	memset(r, 0, sizeof(*r));
	frame_parser_init(&p, FUZZ_MAX_CONTENT);
	len = step ? step : size;
	while (off < size && r->nmsgs < FUZZ_MAX_MSGS) {
		if (len > size - off)
			len = size - off;
		if (!check && len <= FUZZ_COPY_MAX) {
			/* Only msg.size is used after the copy is gone. */
			if ((copy = malloc(len ? len : 1)) == NULL)
				abort();
			memcpy(copy, data + off, len);
			st = frame_parse(&p, copy, len, &msg, &err);
			free(copy);
		} else
			st = frame_parse(&p, data + off, len, &msg, &err);
		if (st == FRAME_FATAL) {
			if (err.code == NULL ||
			    memchr(err.message, '\0', sizeof(err.message)) ==
			    NULL)
				abort();
			r->code = err.code;
			break;
		}
		if (st == FRAME_MORE) {
			if (len == size - off)
				break;	/* conn.c would wait for more */
			len += step ? step : size;
			continue;
		}
		if (msg.size == 0 || msg.size > len)
			abort();	/* a message beyond what was given */
		if (check) {
			check_msg(data + off, &msg);
			if (msg.soft_error == NULL)
				roundtrip(&msg);
		}
		r->sizes[r->nmsgs++] = msg.size;
		off += msg.size;
		len = step ? step : size - off;
	}
	r->last = st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, split;

	if (tok == NULL && (tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH
	    * 64)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	/* Whole buffers are exact libFuzzer allocations; no copy needed. */
	feed(data, size, 0, 1, &whole);
	feed(data, size, 1 + size % 7, 0, &split);
	if (whole.nmsgs != split.nmsgs || whole.last != split.last ||
	    memcmp(whole.sizes, split.sizes, whole.nmsgs *
	    sizeof(whole.sizes[0])) != 0 ||
	    (whole.code == NULL) != (split.code == NULL) ||
	    (whole.code != NULL && strcmp(whole.code, split.code) != 0))
		abort();	/* the split changed the decoding */
	return 0;
}
