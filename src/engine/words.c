/* words.c: see words.h. */

#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "hash.h"
#include "log.h"
#include "schema.h"
#include "stem.h"
#include "tokenize.h"
#include "utf8.h"
#include "words.h"
#include "xmalloc.h"

void
words_init(struct words *w, const char *lang)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->terms);
	w->lang = lang;
}

void
words_reset(struct words *w)
{
	w->n = 0;
	buf_reset(&w->terms);
}

void
words_free(struct words *w)
{
	free(w->v);
	buf_free(&w->terms);
	if (w->fd != NULL)
		fields_doc_free(w->fd);
	free(w->fd);
	words_init(w, w->lang);
}

/*
 * Copies byte by byte: a memcpy of a few bytes just stored one at a time
 * stalls on store forwarding.  Pads with zeros for the builder's compare.
 */
static void
words_push(struct words *w, const char *term, size_t len, uint32_t pos)
{
	struct word *wd;
	char *p;
	size_t i;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	wd = &w->v[w->n++];
	wd->hash = hash_bytes(term, len);
	wd->len = (uint32_t)len;
	wd->off = (uint32_t)w->terms.len;
	wd->pos = pos;
	buf_reserve(&w->terms, len + WORDS_PAD);
	p = w->terms.data + w->terms.len;
	for (i = 0; i < len; i++)
		p[i] = term[i];
	for (; i == 0 || i % WORDS_PAD != 0; i++)
		p[i] = '\0';
	w->terms.len += i;
}

size_t
words_exact(const char *term, size_t len, char *out)
{
	len = utf8_clip(term, len, TOKENIZE_TERM_MAX - 1);
	out[0] = WORDS_EXACT;
	memcpy(out + 1, term, len);
	return len + 1;
}

/* A word's stem, then the word itself after WORDS_EXACT. */
static void
words_push_stemmed(struct words *w, const struct tokenize *t, uint32_t pos)
{
	char s[TOKENIZE_TERM_MAX + 1];
	size_t n;

	n = stem_word(w->lang, t->term, t->term_len, s, sizeof(s));
	words_push(w, s, n, pos);
	n = words_exact(t->term, t->term_len, s);
	words_push(w, s, n, pos);
}

/* Tokenizes one field from position pos; returns the next position. */
static uint32_t
words_field(struct words *w, const char *s, size_t len, uint32_t pos)
{
	struct tokenize t;

	tokenize_init(&t, s, len);
	while (pos < UINT32_MAX - 1 && tokenize_next(&t) == 1) {
		if (w->lang != NULL)
			words_push_stemmed(w, &t, pos++);
		else
			words_push(w, t.term, t.term_len, pos++);
	}
	return pos;
}

/*
 * Title words come first; a gap of one position keeps phrases from
 * running from the title into the text.
 */
size_t
words_add(struct words *w, const char *title, size_t title_len,
    const char *text, size_t text_len)
{
	size_t first = w->n;
	uint32_t pos = 0;

	if (title != NULL) {
		pos = words_field(w, title, title_len, 0);
		if (pos > 0)
			pos++;
	}
	words_field(w, text, text_len, pos);
	return w->n - first;
}

size_t
words_add_doc(struct words *w, const struct schema *sc, const char *title,
    size_t title_len, const char *text, size_t text_len, const char *extra,
    size_t extra_len, uint32_t *fl)
{
	char err[128];
	size_t first = w->n, i;
	uint32_t pos = 0, start;

	if (sc == NULL || sc->nfields == 0) {
		words_add(w, title, title_len, text, text_len);
		fl[0] = (uint32_t)((w->n - first) / (w->lang != NULL ? 2 : 1));
		return w->n - first;
	}
	if (w->fd == NULL) {
		w->fd = xmalloc(sizeof(*w->fd));
		fields_doc_init(w->fd);
	}
	if (fields_read(w->fd, sc, title, title_len, text, text_len, extra,
	    extra_len, err, sizeof(err)) == -1)
		fatalx("the fields of a checked document: %s", err);
	for (i = 0; i < sc->nfields; i++) {
		start = pos;
		if (w->fd->s[i] != NULL)
			pos = words_field(w, w->fd->s[i], w->fd->len[i], pos);
		fl[i] = pos - start;
		if (pos > start && pos < UINT32_MAX - 1)
			pos++;
	}
	return w->n - first;
}
