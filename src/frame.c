/* frame.c: see frame.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

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

/* Problems that leave the framing intact; the message is still answered. */
static const struct frame_error frame_bad_byteorder = {
	"bad_byteorder", "byteorder must be \"little\" or \"big\""
};
static const struct frame_error frame_bad_id = {
	"bad_id", "id must be a string or an integer"
};

void
frame_parser_init(struct frame_parser *p, json_tokener *tok,
    size_t max_content)
{
	memset(p, 0, sizeof(*p));
	p->tok = tok;
	p->max_content = max_content;
	p->state = FRAME_STATE_PREFIX;
	p->need = FRAME_PREFIX_LEN;
}

void
frame_parser_clear(struct frame_parser *p)
{
	if (p->header != NULL)
		json_object_put(p->header);
	p->header = NULL;
	memset(&p->msg, 0, sizeof(p->msg));
	p->state = FRAME_STATE_PREFIX;
	p->need = FRAME_PREFIX_LEN;
}

size_t
frame_need(const struct frame_parser *p)
{
	return p->need;
}

int
frame_partial(const struct frame_parser *p, size_t buffered)
{
	return p->state != FRAME_STATE_PREFIX || buffered > 0;
}

static json_object *
frame_get(json_object *hdr, const char *key, json_type type,
    struct frame_error *err)
{
	json_object *v;

	if (!json_object_object_get_ex(hdr, key, &v)) {
		frame_error_set(err, "bad_header",
		    "header is missing required key \"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(v, type)) {
		frame_error_set(err, "bad_header",
		    "header key \"%s\" must be %s", key,
		    type == json_type_int ? "an integer" : "a string");
		return NULL;
	}
	return v;
}

/* Checks the header and fills p->msg; the content is not yet known. */
static enum frame_status
frame_header_check(struct frame_parser *p, struct frame_error *err)
{
	json_object *bo, *ct, *ce, *cl, *id;
	const char *order;
	int64_t len;

	if ((bo = frame_get(p->header, "byteorder", json_type_string,
	    err)) == NULL ||
	    (ct = frame_get(p->header, "content-type", json_type_string,
	    err)) == NULL ||
	    (ce = frame_get(p->header, "content-encoding", json_type_string,
	    err)) == NULL ||
	    (cl = frame_get(p->header, "content-length", json_type_int,
	    err)) == NULL)
		return FRAME_FATAL;

	len = json_object_get_int64(cl);
	if (len < 0) {
		frame_error_set(err, "bad_header",
		    "content-length %lld is negative", (long long)len);
		return FRAME_FATAL;
	}
	if ((uint64_t)len > p->max_content) {
		frame_error_set(err, "too_large",
		    "content-length %lld exceeds max_message_size %zu",
		    (long long)len, p->max_content);
		return FRAME_FATAL;
	}

	p->msg.content_type = json_object_get_string(ct);
	p->msg.content_encoding = json_object_get_string(ce);
	p->msg.content_length = (size_t)len;
	p->msg.soft_error = NULL;

	order = json_object_get_string(bo);
	if (strcmp(order, "big") == 0)
		p->msg.byteorder = FRAME_BYTEORDER_BIG;
	else if (strcmp(order, "little") == 0)
		p->msg.byteorder = FRAME_BYTEORDER_LITTLE;
	else
		p->msg.soft_error = &frame_bad_byteorder;

	p->msg.id = NULL;
	if (json_object_object_get_ex(p->header, "id", &id)) {
		if (json_object_is_type(id, json_type_string) ||
		    json_object_is_type(id, json_type_int))
			p->msg.id = id;
		else if (p->msg.soft_error == NULL)
			p->msg.soft_error = &frame_bad_id;
	}
	return FRAME_MORE;
}

static enum frame_status
frame_parse_header(struct frame_parser *p, const uint8_t *data, size_t len,
    struct frame_error *err)
{
	json_object *obj;
	enum json_tokener_error jerr;

	json_tokener_reset(p->tok);
	json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(p->tok, (const char *)data, (int)len);
	jerr = json_tokener_get_error(p->tok);
	if (obj == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			frame_error_set(err, "bad_header",
			    "header is truncated JSON");
		else
			frame_error_set(err, "bad_header",
			    "header is not valid UTF-8 JSON: %s",
			    json_tokener_error_desc(jerr));
		json_object_put(obj);
		return FRAME_FATAL;
	}
	if (json_tokener_get_parse_end(p->tok) != len) {
		frame_error_set(err, "bad_header",
		    "header has bytes after the JSON value");
		json_object_put(obj);
		return FRAME_FATAL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		frame_error_set(err, "bad_header",
		    "header is not a JSON object");
		json_object_put(obj);
		return FRAME_FATAL;
	}
	p->header = obj;
	return frame_header_check(p, err);
}

enum frame_status
frame_parse(struct frame_parser *p, const uint8_t *data, size_t len,
    struct frame_msg **msgp, struct frame_error *err)
{
	enum frame_status st;

	*msgp = NULL;
	if (len < p->need) {
		frame_error_set(err, "internal", "short unit");
		return FRAME_FATAL;
	}
	switch (p->state) {
	case FRAME_STATE_PREFIX:
		if (p->header != NULL)
			frame_parser_clear(p);
		p->need = (size_t)data[0] << 8 | data[1];
		if (p->need == 0) {
			frame_error_set(err, "bad_frame",
			    "header length is 0");
			return FRAME_FATAL;
		}
		p->state = FRAME_STATE_HEADER;
		return FRAME_MORE;
	case FRAME_STATE_HEADER:
		if ((st = frame_parse_header(p, data, p->need, err)) != FRAME_MORE)
			return st;
		p->state = FRAME_STATE_CONTENT;
		p->need = p->msg.content_length;
		return FRAME_MORE;
	case FRAME_STATE_CONTENT:
		p->msg.content = data;
		*msgp = &p->msg;
		p->state = FRAME_STATE_PREFIX;
		p->need = FRAME_PREFIX_LEN;
		return FRAME_READY;
	}
	frame_error_set(err, "internal", "bad parser state");
	return FRAME_FATAL;
}

const char *
frame_host_byteorder(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 1 ? "little" : "big";
}

int
frame_encode_header(struct buf *out, const char *content_type,
    const char *content_encoding, size_t len, json_object *id)
{
	size_t start = out->len, hdrlen;

	buf_add(out, "\0\0", FRAME_PREFIX_LEN);
	buf_add(out, "{", 1);
	buf_json_key(out, "byteorder");
	buf_json_string(out, frame_host_byteorder(),
	    strlen(frame_host_byteorder()));
	buf_add(out, ", ", 2);
	buf_json_key(out, "content-type");
	buf_json_string(out, content_type, strlen(content_type));
	buf_add(out, ", ", 2);
	buf_json_key(out, "content-encoding");
	buf_json_string(out, content_encoding, strlen(content_encoding));
	buf_add(out, ", ", 2);
	buf_json_key(out, "content-length");
	buf_json_uint(out, len);
	if (id != NULL) {
		buf_add(out, ", ", 2);
		buf_json_key(out, "id");
		if (json_object_is_type(id, json_type_int))
			buf_json_int(out, json_object_get_int64(id));
		else
			buf_json_string(out, json_object_get_string(id),
			    (size_t)json_object_get_string_len(id));
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
