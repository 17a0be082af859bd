/*
 * fuzz_corpus.c: one line of a JSON Lines corpus, as the loader reads it
 * (without its newline).  The extra members are rendered as JSON by
 * corpus.c itself and pasted into replies verbatim, so they must parse.
 * The in-place fast path must read every line exactly as json-c does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "corpus.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static json_tokener *tok;

/* "{" extra "}" must be a JSON object, or replies would be broken JSON. */
static void
check_extra(const struct buf *extra)
{
	json_object *o;
	char *s;

	s = malloc(extra->len + 3);
	s[0] = '{';
	memcpy(s + 1, extra->data, extra->len);
	s[extra->len + 1] = '}';
	s[extra->len + 2] = '\0';
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)extra->len + 2);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		abort();
	json_object_put(o);
	free(s);
}

static int
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void
check_same(const char *line, size_t size, int rc, const struct corpus_doc *a,
    const char *aerr)
{
	struct corpus_doc b;
	char err[256];

	if (corpus_parse_line_json(line, size, &b, err, sizeof(err)) != rc)
		abort();
	if (rc == -1 && strcmp(aerr, err) != 0)
		abort();
	if (rc == 1 && (!same_bytes(a->id, a->id_len, b.id, b.id_len) ||
	    !same_bytes(a->title, a->title_len, b.title, b.title_len) ||
	    !same_bytes(a->text, a->text_len, b.text, b.text_len) ||
	    !same_bytes(a->extra.data, a->extra.len, b.extra.data,
	    b.extra.len)))
		abort();
	corpus_doc_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corpus_doc doc;
	char err[256], *line;
	int rc;

	if (tok == NULL && (tok = json_tokener_new()) == NULL)
		abort();
	line = malloc(size ? size : 1);
	memcpy(line, data, size);
	rc = corpus_parse_line(line, size, &doc, err, sizeof(err));
	check_same(line, size, rc, &doc, err);
	if (rc == 1) {
		if (doc.id == NULL || doc.text == NULL ||
		    strlen(doc.id) > doc.id_len ||
		    (doc.title == NULL && doc.title_len != 0))
			abort();
		if (doc.extra.len > 0)
			check_extra(&doc.extra);
		corpus_doc_free(&doc);
	} else if (rc == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
	} else if (rc != 0)
		abort();
	free(line);
	return 0;
}
