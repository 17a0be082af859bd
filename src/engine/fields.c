/* fields.c: see fields.h. */

#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "jscan.h"

void
fields_doc_init(struct fields_doc *fd)
{
	memset(fd, 0, sizeof(*fd));
	buf_init(&fd->strs);
	buf_init(&fd->wrap);
	buf_init(&fd->key);
}

void
fields_doc_free(struct fields_doc *fd)
{
	buf_free(&fd->strs);
	buf_free(&fd->wrap);
	buf_free(&fd->key);
	fields_doc_init(fd);
}

static int
fields_member(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct fields_doc *fd = arg;
	int f;

	buf_reset(&fd->key);
	jscan_unescape(key, &fd->key);
	f = schema_find_field(fd->sc, fd->key.data, fd->key.len);
	if (f == -1)
		return 0;
	/* Of two members with one name, the last counts, as in json-c. */
	fd->own[f] = 0;
	if (v->type == JSCAN_NULL)
		return 0;
	if (v->type != JSCAN_STRING) {
		snprintf(fd->err, fd->errlen, "%s: not a string",
		    fd->sc->fields[f].name);
		return 1;
	}
	fd->own[f] = 1;
	fd->off[f] = fd->strs.len;
	jscan_unescape(v, &fd->strs);
	fd->olen[f] = fd->strs.len - fd->off[f];
	return 0;
}

/* Reads the fields among the other members into strs. */
static int
fields_scan(struct fields_doc *fd, const struct schema *sc, const char *extra,
    size_t len, char *err, size_t errlen)
{
	size_t i;

	fd->sc = sc;
	fd->err = err;
	fd->errlen = errlen;
	err[0] = '\0';
	buf_reset(&fd->strs);
	for (i = 0; i < sc->nfields; i++)
		fd->own[i] = 0;
	if (len == 0)
		return 0;
	buf_reset(&fd->wrap);
	buf_addc(&fd->wrap, '{');
	buf_add(&fd->wrap, extra, len);
	buf_addc(&fd->wrap, '}');
	if (jscan_object(fd->wrap.data, fd->wrap.len, fields_member, fd) !=
	    JSCAN_OK) {
		if (err[0] == '\0')
			snprintf(err, errlen, "members are not JSON");
		return -1;
	}
	return 0;
}

int
fields_read(struct fields_doc *fd, const struct schema *sc, const char *title,
    size_t title_len, const char *text, size_t text_len, const char *extra,
    size_t extra_len, char *err, size_t errlen)
{
	const struct field_def *f;
	size_t i;

	if (fields_scan(fd, sc, extra, extra_len, err, errlen) == -1)
		return -1;
	for (i = 0; i < sc->nfields; i++) {
		f = &sc->fields[i];
		fd->s[i] = NULL;
		fd->len[i] = 0;
		if (strcmp(f->name, "title") == 0 && title != NULL) {
			fd->s[i] = title;
			fd->len[i] = title_len;
		} else if (strcmp(f->name, "text") == 0) {
			fd->s[i] = text;
			fd->len[i] = text_len;
		} else if (fd->own[i]) {
			fd->s[i] = fd->strs.data + fd->off[i];
			fd->len[i] = fd->olen[i];
		}
	}
	return 0;
}

int
fields_check(const struct schema *sc, const char *extra, size_t len,
    char *err, size_t errlen)
{
	struct fields_doc fd;
	int rc;

	if (sc == NULL || sc->nfields == 0 || len == 0)
		return 0;
	fields_doc_init(&fd);
	rc = fields_scan(&fd, sc, extra, len, err, errlen);
	fields_doc_free(&fd);
	return rc;
}
