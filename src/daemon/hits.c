/*
 * hits.c: choosing and writing the members of a search hit.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "hits.h"
#include "request.h"

void
hits_return_default(struct hits_return *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->title = ret->snippet = ret->all_keys = 1;
}

struct hits_parse {
	struct hits_return	*ret;
	int			 bad;	/* 1: not a string, 2: too many */
};

static int
hits_parse_name(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct hits_parse *p = arg;
	struct hits_return *ret = p->ret;

	(void)key;
	if (v->type != JSCAN_STRING) {
		p->bad = 1;
		return 1;
	}
	if (jscan_string_eq(v, "*"))
		ret->title = ret->snippet = ret->text = ret->all_keys = 1;
	else if (jscan_string_eq(v, "title"))
		ret->title = 1;
	else if (jscan_string_eq(v, "snippet"))
		ret->snippet = 1;
	else if (jscan_string_eq(v, "text"))
		ret->text = 1;
	else if (jscan_string_eq(v, "id") || jscan_string_eq(v, "score"))
		return 0;
	else if (ret->nnames == HITS_RETURN_MAX) {
		p->bad = 2;
		return 1;
	} else
		ret->names[ret->nnames++] = *v;
	return 0;
}

int
hits_return_parse(struct hits_return *ret, const struct jscan_value *v,
    char *err, size_t errlen)
{
	struct hits_parse p = { ret, 0 };

	if (v->len == REQUEST_ABSENT) {
		hits_return_default(ret);
		return 0;
	}
	memset(ret, 0, sizeof(*ret));
	if (v->type != JSCAN_ARRAY ||
	    jscan_array(v->p, v->len, hits_parse_name, &p) != JSCAN_OK) {
		if (p.bad == 2)
			snprintf(err, errlen, "\"return\" may name at most %d "
			    "keys", HITS_RETURN_MAX);
		else
			snprintf(err, errlen, "\"return\" must be an array "
			    "of strings");
		return -1;
	}
	return 0;
}

/* Whether two strings of JSON are equal once unescaped. */
static int
hits_same_string(const struct jscan_value *a, const struct jscan_value *b)
{
	struct buf ua, ub;
	int same;

	if (!a->escaped && !b->escaped)
		return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
	buf_init(&ua);
	buf_init(&ub);
	jscan_unescape(a, &ua);
	jscan_unescape(b, &ub);
	same = ua.len == ub.len && memcmp(ua.data, ub.data, ua.len) == 0;
	buf_free(&ua);
	buf_free(&ub);
	return same;
}

struct hits_keys {
	const struct hits_return	*ret;
	struct buf			*out;
};

/* Copies one of the document's other keys if it was asked for. */
static int
hits_copy_key(void *arg, const struct jscan_value *key,
    const struct jscan_value *v)
{
	struct hits_keys *k = arg;
	size_t i;

	for (i = 0; i < k->ret->nnames; i++)
		if (hits_same_string(key, &k->ret->names[i]))
			break;
	if (i == k->ret->nnames)
		return 0;
	buf_add(k->out, ", \"", 3);
	buf_add(k->out, key->p, key->len);
	buf_add(k->out, "\": ", 3);
	if (v->type == JSCAN_STRING)
		buf_addc(k->out, '"');
	buf_add(k->out, v->p, v->len);
	if (v->type == JSCAN_STRING)
		buf_addc(k->out, '"');
	return 0;
}

/*
 * The document's other keys are stored rendered, as members without the
 * braces; the ones asked for are copied as they stand.
 */
static void
hits_write_keys(struct request_ctx *ctx, const struct hits_return *ret,
    const struct index_doc *doc)
{
	struct hits_keys k = { ret, &ctx->content };

	if (doc->extra == NULL || (!ret->all_keys && ret->nnames == 0))
		return;
	if (ret->all_keys) {
		buf_add(&ctx->content, ", ", 2);
		buf_add(&ctx->content, doc->extra, doc->extra_len);
		return;
	}
	buf_reset(&ctx->scratch);
	buf_addc(&ctx->scratch, '{');
	buf_add(&ctx->scratch, doc->extra, doc->extra_len);
	buf_addc(&ctx->scratch, '}');
	(void)jscan_object(ctx->scratch.data, ctx->scratch.len, hits_copy_key,
	    &k);
}

void
hits_write(struct request_ctx *ctx, const struct hits_return *ret,
    const struct query *q, const struct index_hit *hit, size_t text_off,
    size_t text_len)
{
	const struct snapshot_seg *seg;
	struct buf *b = &ctx->content;
	struct index_doc doc;
	uint32_t local;

	seg = snapshot_locate(ctx->snap, hit->doc, &local);
	index_doc(seg->ix, local, &doc);
	buf_add(b, "{", 1);
	buf_json_key(b, "id");
	buf_json_string(b, doc.id, doc.id_len);
	buf_add(b, ", ", 2);
	buf_json_key(b, "score");
	buf_json_double(b, hit->score);
	if (ret->title && doc.title != NULL) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "title");
		buf_json_string(b, doc.title, doc.title_len);
	}
	if (ret->text) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "text");
		if (text_len > 0) {
			buf_reserve(b, text_len);
			memcpy(b->data + b->len, b->data + text_off, text_len);
			b->len += text_len;
		} else
			buf_json_string(b, doc.text, doc.text_len);
	}
	if (ret->snippet) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "snippet");
		buf_reset(&ctx->scratch);
		/* A hit by id alone matched no word: the text's start. */
		snippet_write(seg->ix, hit->score > 0 ? q : NULL, local,
		    &ctx->scratch);
		buf_json_string(b, ctx->scratch.data, ctx->scratch.len);
	}
	hits_write_keys(ctx, ret, &doc);
	buf_add(b, "}", 1);
}
