/* frame.c: see frame.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "jscan.h"

/* Problems that leave the framing intact; the message is still answered. */
static const struct frame_error frame_bad_byteorder = {
	"bad_byteorder", "byteorder must be \"little\" or \"big\""
};
static const struct frame_error frame_bad_id = {
	"bad_id", "id must be a string or an integer"
};

/* The header members frame_parse reads; the last of each name wins. */
struct frame_fields {
	struct jscan_value	byteorder;
	struct jscan_value	content_type;
	struct jscan_value	content_encoding;
	struct jscan_value	content_length;
	struct jscan_value	id;
	unsigned		seen;
};

#define FRAME_SEEN_BYTEORDER	0x01
#define FRAME_SEEN_TYPE		0x02
#define FRAME_SEEN_ENCODING	0x04
#define FRAME_SEEN_LENGTH	0x08
#define FRAME_SEEN_ID		0x10

static void
frame_error_set(struct frame_error *err, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
frame_error_set(struct frame_error *err, const char *code, const char *fmt,
    ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void
frame_parser_init(struct frame_parser *p, size_t max_content)
{
	p->max_content = max_content;
	p->need = FRAME_PREFIX_LEN;
	p->header_ok = 0;
}

static int
frame_member(void *arg, const struct jscan_value *k,
    const struct jscan_value *v)
{
	struct frame_fields *f = arg;

	if (jscan_string_eq(k, "byteorder")) {
		f->byteorder = *v;
		f->seen |= FRAME_SEEN_BYTEORDER;
	} else if (jscan_string_eq(k, "content-type")) {
		f->content_type = *v;
		f->seen |= FRAME_SEEN_TYPE;
	} else if (jscan_string_eq(k, "content-encoding")) {
		f->content_encoding = *v;
		f->seen |= FRAME_SEEN_ENCODING;
	} else if (jscan_string_eq(k, "content-length")) {
		f->content_length = *v;
		f->seen |= FRAME_SEEN_LENGTH;
	} else if (jscan_string_eq(k, "id")) {
		f->id = *v;
		f->seen |= FRAME_SEEN_ID;
	}
	return 0;
}

static int
frame_require(const struct frame_fields *f, unsigned bit, const char *key,
    const struct jscan_value *v, enum jscan_type type,
    struct frame_error *err)
{
	if ((f->seen & bit) == 0) {
		frame_error_set(err, "bad_header",
		    "header is missing required key \"%s\"", key);
		return -1;
	}
	if (v->type != type || (type == JSCAN_NUMBER && !v->integral)) {
		frame_error_set(err, "bad_header",
		    "header key \"%s\" must be %s", key,
		    type == JSCAN_NUMBER ? "an integer" : "a string");
		return -1;
	}
	return 0;
}

/* Reads and checks the header; its length is known and it is all here. */
static enum frame_status
frame_header(struct frame_parser *p, const uint8_t *hdr, size_t hlen,
    struct frame_fields *f, struct frame_error *err)
{
	const struct jscan_value *cl = &f->content_length;
	enum jscan_error e;

	memset(f, 0, sizeof(*f));
	if ((e = jscan_object((const char *)hdr, hlen, frame_member, f)) !=
	    JSCAN_OK) {
		frame_error_set(err, "bad_header", "header is %s",
		    e == JSCAN_NOT_OBJECT ? "not a JSON object" :
		    e == JSCAN_UTF8 ? "not valid UTF-8" : "not valid JSON");
		return FRAME_FATAL;
	}
	if (frame_require(f, FRAME_SEEN_BYTEORDER, "byteorder", &f->byteorder,
	    JSCAN_STRING, err) == -1 ||
	    frame_require(f, FRAME_SEEN_TYPE, "content-type",
	    &f->content_type, JSCAN_STRING, err) == -1 ||
	    frame_require(f, FRAME_SEEN_ENCODING, "content-encoding",
	    &f->content_encoding, JSCAN_STRING, err) == -1 ||
	    frame_require(f, FRAME_SEEN_LENGTH, "content-length", cl,
	    JSCAN_NUMBER, err) == -1)
		return FRAME_FATAL;
	if (cl->p[0] == '-' && !(cl->fits && cl->i == 0)) {
		frame_error_set(err, "bad_header",
		    "content-length %.*s is negative", (int)(cl->len > 24 ? 24 :
		    cl->len), cl->p);
		return FRAME_FATAL;
	}
	if (!cl->fits || (uint64_t)cl->i > p->max_content) {
		frame_error_set(err, "too_large",
		    "content-length %.*s exceeds max_message_size %zu",
		    (int)(cl->len > 24 ? 24 : cl->len), cl->p, p->max_content);
		return FRAME_FATAL;
	}
	p->need = FRAME_PREFIX_LEN + hlen + (size_t)cl->i;
	p->header_ok = 1;
	return FRAME_MORE;
}

static void
frame_str_set(struct frame_str *s, const struct jscan_value *v)
{
	s->p = v->p;
	s->len = v->len;
	s->escaped = v->escaped;
}

/* The message is all here: describe it. */
static void
frame_fill(const struct frame_fields *f, const uint8_t *data, size_t hlen,
    struct frame_msg *msg)
{
	const struct jscan_value *id = &f->id;

	memset(msg, 0, sizeof(*msg));
	frame_str_set(&msg->content_type, &f->content_type);
	frame_str_set(&msg->content_encoding, &f->content_encoding);
	msg->content = data + FRAME_PREFIX_LEN + hlen;
	msg->content_length = (size_t)f->content_length.i;
	msg->size = FRAME_PREFIX_LEN + hlen + msg->content_length;
	if (jscan_string_eq(&f->byteorder, "big"))
		msg->byteorder = FRAME_BYTEORDER_BIG;
	else if (jscan_string_eq(&f->byteorder, "little"))
		msg->byteorder = FRAME_BYTEORDER_LITTLE;
	else
		msg->soft_error = &frame_bad_byteorder;
	if ((f->seen & FRAME_SEEN_ID) == 0)
		return;
	if (id->type == JSCAN_STRING) {
		/* The literal with its quotes, echoed as it came. */
		msg->id = id->p - 1;
		msg->id_len = id->len + 2;
	} else if (id->type == JSCAN_NUMBER && id->integral) {
		msg->id = id->p;
		msg->id_len = id->len;
	} else if (msg->soft_error == NULL)
		msg->soft_error = &frame_bad_id;
}

enum frame_status
frame_parse(struct frame_parser *p, const uint8_t *data, size_t len,
    struct frame_msg *msg, struct frame_error *err)
{
	struct frame_fields f;
	size_t hlen;

	if (len < FRAME_PREFIX_LEN || len < p->need)
		return FRAME_MORE;
	hlen = (size_t)data[0] << 8 | data[1];
	if (hlen == 0) {
		frame_error_set(err, "bad_frame", "header length is 0");
		return FRAME_FATAL;
	}
	if (len < FRAME_PREFIX_LEN + hlen) {
		p->need = FRAME_PREFIX_LEN + hlen;
		return FRAME_MORE;
	}
	/* A header already checked is read again only once it is needed. */
	if (!p->header_ok) {
		if (frame_header(p, data + FRAME_PREFIX_LEN, hlen, &f, err) ==
		    FRAME_FATAL)
			return FRAME_FATAL;
		if (len < p->need)
			return FRAME_MORE;
	} else
		frame_header(p, data + FRAME_PREFIX_LEN, hlen, &f, err);
	frame_fill(&f, data, hlen, msg);
	frame_parser_init(p, p->max_content);
	return FRAME_READY;
}

/* A header string seen as the jscan value it was read from. */
static void
frame_str_value(const struct frame_str *s, struct jscan_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = JSCAN_STRING;
	v->p = s->p;
	v->len = s->len;
	v->escaped = s->escaped;
}

int
frame_str_eq(const struct frame_str *s, const char *lit)
{
	struct jscan_value v;

	frame_str_value(s, &v);
	return jscan_string_eq(&v, lit);
}

void
frame_str_copy(const struct frame_str *s, struct buf *out)
{
	struct jscan_value v;

	frame_str_value(s, &v);
	jscan_unescape(&v, out);
}

const char *
frame_host_byteorder(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 1 ? "little" : "big";
}

int
frame_encode_header(struct buf *out, const char *content_type,
    const char *content_encoding, size_t len, const char *id, size_t id_len)
{
	size_t start = out->len, hdrlen;

	buf_add(out, "\0\0", FRAME_PREFIX_LEN);
	buf_add(out, "{\"byteorder\": ", 14);
	buf_json_string(out, frame_host_byteorder(),
	    strlen(frame_host_byteorder()));
	buf_add(out, ", \"content-type\": ", 18);
	buf_json_string(out, content_type, strlen(content_type));
	buf_add(out, ", \"content-encoding\": ", 22);
	buf_json_string(out, content_encoding, strlen(content_encoding));
	buf_add(out, ", \"content-length\": ", 20);
	buf_json_uint(out, len);
	if (id != NULL) {
		buf_add(out, ", \"id\": ", 8);
		buf_add(out, id, id_len);
	}
	buf_add(out, "}", 1);

	hdrlen = out->len - start - FRAME_PREFIX_LEN;
	if (hdrlen > FRAME_HEADER_MAX) {
		out->len = start;
		return -1;
	}
	out->data[start] = (char)(hdrlen >> 8);
	out->data[start + 1] = (char)(hdrlen & 0xff);
	return 0;
}
