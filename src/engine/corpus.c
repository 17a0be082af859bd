/* corpus.c: see corpus.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "corpus.h"
#include "jscan.h"
#include "xmalloc.h"

static int
corpus_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

static int
corpus_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!corpus_is_space(s[i]))
			return 0;
	}
	return 1;
}

static void corpus_render(struct buf *, struct json_object *);

static void
corpus_render_array(struct buf *b, struct json_object *v)
{
	size_t i, n = json_object_array_length(v);

	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_add(b, ", ", 2);
		corpus_render(b, json_object_array_get_idx(v, i));
	}
	buf_addc(b, ']');
}

static void
corpus_render_object(struct buf *b, struct json_object *v)
{
	int first = 1;

	buf_addc(b, '{');
	json_object_object_foreach(v, key, val) {
		if (!first)
			buf_add(b, ", ", 2);
		first = 0;
		buf_json_key(b, key);
		corpus_render(b, val);
	}
	buf_addc(b, '}');
}

/* Writes a value as Python's json.dumps(ensure_ascii=False) would. */
static void
corpus_render(struct buf *b, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_adds(b, "null");
		break;
	case json_type_boolean:
		buf_adds(b, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_double:
		buf_json_double(b, json_object_get_double(v));
		break;
	case json_type_int:
		buf_adds(b, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN));
		break;
	case json_type_string:
		buf_json_string(b, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		corpus_render_array(b, v);
		break;
	case json_type_object:
		corpus_render_object(b, v);
		break;
	}
}

static int
corpus_is_field(const char *key)
{
	return strcmp(key, "id") == 0 || strcmp(key, "text") == 0 ||
	    strcmp(key, "title") == 0;
}

/* Finds a string member; 1 found, 0 absent, -1 present but no string. */
static int
corpus_string(struct json_object *obj, const char *key, const char **s,
    size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return 1;
}

static int
corpus_fields(struct corpus_doc *doc, char *err, size_t errlen)
{
	static const char *const need[] = { "id", "text" };
	const char **s[] = { &doc->id, &doc->text };
	size_t *len[] = { &doc->id_len, &doc->text_len };
	size_t i;
	int r;

	for (i = 0; i < 2; i++) {
		r = corpus_string(doc->obj, need[i], s[i], len[i]);
		if (r != 1) {
			snprintf(err, errlen, r == 0 ? "%s: missing" :
			    "%s: not a string", need[i]);
			return -1;
		}
	}
	if (corpus_string(doc->obj, "title", &doc->title,
	    &doc->title_len) == -1) {
		snprintf(err, errlen, "title: not a string");
		return -1;
	}
	json_object_object_foreach(doc->obj, key, val) {
		if (corpus_is_field(key))
			continue;
		if (doc->extra.len > 0)
			buf_add(&doc->extra, ", ", 2);
		buf_json_key(&doc->extra, key);
		corpus_render(&doc->extra, val);
	}
	return 0;
}

static struct json_object *
corpus_json(const char *line, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		/* A lone number or a truncated line: the NUL ends it. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	} else
		end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL) {
		snprintf(err, errlen, "bad JSON: %s",
		    json_tokener_error_desc(jerr));
		return NULL;
	}
	if (!corpus_blank(line + end, len - end)) {
		json_object_put(obj);
		snprintf(err, errlen, "trailing data after the JSON value");
		return NULL;
	}
	return obj;
}

int
corpus_parse_line_json(const char *line, size_t len, struct corpus_doc *doc,
    char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	buf_init(&doc->extra);
	buf_init(&doc->strings);
	if (corpus_blank(line, len))
		return 0;
	if (len > CORPUS_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes",
		    CORPUS_LINE_MAX);
		return -1;
	}
	if ((doc->obj = corpus_json(line, len, err, errlen)) == NULL)
		return -1;
	if (!json_object_is_type(doc->obj, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		corpus_doc_free(doc);
		return -1;
	}
	if (corpus_fields(doc, err, errlen) == -1) {
		corpus_doc_free(doc);
		return -1;
	}
	return 1;
}

enum corpus_field {
	CORPUS_ID,
	CORPUS_TITLE,
	CORPUS_TEXT,
	CORPUS_NFIELDS
};

/* What the fast path found: the three members, as slices of the line. */
struct corpus_fast {
	struct jscan_value	v[CORPUS_NFIELDS];
	int			seen[CORPUS_NFIELDS];
};

/*
 * json-c and jscan may disagree on what a lone surrogate becomes, so a
 * string with any \uD... escape is left to json-c.
 */
static int
corpus_surrogate_escape(const struct jscan_value *v)
{
	const char *p = v->p, *end = v->p + v->len;

	if (!v->escaped)
		return 0;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p >= 3 && p[1] == 'u' && (p[2] == 'd' || p[2] == 'D'))
			return 1;
		p += 2;
	}
	return 0;
}

/* Takes string members id, title and text, once each; stops otherwise. */
static int
corpus_fast_member(void *arg, const struct jscan_value *key,
    const struct jscan_value *val)
{
	static const char *const names[] = { "id", "title", "text" };
	struct corpus_fast *f = arg;
	size_t i;

	if (key->escaped || val->type != JSCAN_STRING ||
	    corpus_surrogate_escape(val))
		return 1;
	for (i = 0; i < CORPUS_NFIELDS; i++) {
		if (key->len == strlen(names[i]) &&
		    memcmp(key->p, names[i], key->len) == 0)
			break;
	}
	if (i == CORPUS_NFIELDS || f->seen[i])
		return 1;
	f->seen[i] = 1;
	f->v[i] = *val;
	return 0;
}

/*
 * Reads the common line, {"id": ..., "title": ..., "text": ...} and
 * nothing else, without building a json-c tree: the strings are copied
 * once into doc->strings.  Returns 0 for any other line.
 */
static int
corpus_fast(const char *line, size_t len, struct corpus_doc *doc)
{
	struct corpus_fast f;
	size_t off[CORPUS_NFIELDS], n[CORPUS_NFIELDS], i;

	memset(&f, 0, sizeof(f));
	if (jscan_object(line, len, corpus_fast_member, &f) != JSCAN_OK ||
	    !f.seen[CORPUS_ID] || !f.seen[CORPUS_TEXT])
		return 0;
	buf_reserve(&doc->strings, f.v[CORPUS_ID].len + f.v[CORPUS_TEXT].len +
	    f.v[CORPUS_TITLE].len + CORPUS_NFIELDS);
	for (i = 0; i < CORPUS_NFIELDS; i++) {
		if (!f.seen[i])
			continue;
		off[i] = doc->strings.len;
		if (f.v[i].escaped)
			jscan_unescape(&f.v[i], &doc->strings);
		else
			buf_add(&doc->strings, f.v[i].p, f.v[i].len);
		n[i] = doc->strings.len - off[i];
		buf_addc(&doc->strings, '\0');
	}
	doc->id = doc->strings.data + off[CORPUS_ID];
	doc->id_len = n[CORPUS_ID];
	doc->text = doc->strings.data + off[CORPUS_TEXT];
	doc->text_len = n[CORPUS_TEXT];
	if (f.seen[CORPUS_TITLE]) {
		doc->title = doc->strings.data + off[CORPUS_TITLE];
		doc->title_len = n[CORPUS_TITLE];
	}
	return 1;
}

int
corpus_parse_line(const char *line, size_t len, struct corpus_doc *doc,
    char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	buf_init(&doc->extra);
	buf_init(&doc->strings);
	if (len <= CORPUS_LINE_MAX && corpus_fast(line, len, doc))
		return 1;
	buf_free(&doc->strings);
	return corpus_parse_line_json(line, len, doc, err, errlen);
}

void
corpus_doc_free(struct corpus_doc *doc)
{
	if (doc->obj != NULL)
		json_object_put(doc->obj);
	buf_free(&doc->extra);
	buf_free(&doc->strings);
	memset(doc, 0, sizeof(*doc));
}

int
corpus_reader_open(struct corpus_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r->cap = CORPUS_READ_SIZE;
	r->buf = xmalloc(r->cap);
	return 0;
}

void
corpus_reader_close(struct corpus_reader *r)
{
	if (r->fd != -1)
		close(r->fd);
	free(r->buf);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* Makes room after the unreturned bytes, growing up to the line limit. */
static void
corpus_reader_make_room(struct corpus_reader *r)
{
	size_t keep = r->len - r->start;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, keep);
		r->scan -= r->start;
		r->start = 0;
		r->len = keep;
	}
	if (r->cap - r->len < CORPUS_READ_SIZE / 2) {
		r->cap *= 2;
		r->buf = xreallocarray(r->buf, 1, r->cap);
	}
}

static int
corpus_reader_fill(struct corpus_reader *r, char *err, size_t errlen)
{
	ssize_t n;

	corpus_reader_make_room(r);
	do
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -2;
	}
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	return 0;
}

int
corpus_reader_next(struct corpus_reader *r, const char **line, size_t *len,
    char *err, size_t errlen)
{
	char *nl;

	for (;;) {
		nl = memchr(r->buf + r->scan, '\n', r->len - r->scan);
		if (nl != NULL || (r->eof && r->start < r->len)) {
			*line = r->buf + r->start;
			*len = (nl != NULL ? (size_t)(nl - r->buf) : r->len) -
			    r->start;
			r->start = r->scan = nl != NULL ?
			    (size_t)(nl - r->buf) + 1 : r->len;
			r->line++;
			break;
		}
		if (r->eof)
			return 0;
		r->scan = r->len;
		if (r->len - r->start > CORPUS_LINE_MAX) {
			snprintf(err, errlen, "line longer than %d bytes",
			    CORPUS_LINE_MAX);
			r->line++;
			return -1;
		}
		if (corpus_reader_fill(r, err, errlen) == -2)
			return -2;
	}
	if (*len > CORPUS_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes",
		    CORPUS_LINE_MAX);
		return -1;
	}
	return 1;
}
