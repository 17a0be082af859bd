/*
 * fuzz_request.c: a request's content, as answer_message() reads it with
 * jscan, answered from the built-in index.  Every reply must be a JSON
 * object with a "result" string, as json-c reads it; and jscan must never
 * accept what json-c's strict parser refuses (the other way round is
 * allowed: json-c takes numbers like 01 that RFC 8259 does not).  The
 * stats action answers {"stats": {...}} instead.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "answer.h"
#include "engine.h"
#include "frame.h"
#include "jscan.h"
#include "request.h"
#include "stats.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static json_object *
fuzz_parse(const char *p, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, p, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request_ctx ctx;
	static struct snapshot_cell cell;
	static int ready;
	struct frame_msg m;
	struct reply r;
	json_object *o, *result;

	if (!ready) {
		snapshot_cell_init(&cell);
		snapshot_publish(&cell, snapshot_of(import_builtin(NULL)));
		stats_init(1);
		request_ctx_init(&ctx, &cell);
		ready = 1;
	}
	if (jscan_object((const char *)data, size, NULL, NULL) == JSCAN_OK) {
		if ((o = fuzz_parse((const char *)data, size)) == NULL ||
		    !json_object_is_type(o, json_type_object))
			abort();	/* jscan took what JSON does not allow */
		json_object_put(o);
	}

	memset(&m, 0, sizeof(m));
	m.content_type.p = "text/json";
	m.content_type.len = 9;
	m.content_encoding.p = "utf-8";
	m.content_encoding.len = 5;
	m.content = data;
	m.content_length = size;
	m.size = size;
	answer_message(&ctx, &m, &r);
	if ((o = fuzz_parse(r.data, r.len)) == NULL)
		abort();	/* a reply that is not JSON */
	if (json_object_object_get_ex(o, "result", &result)) {
		if (!json_object_is_type(result, json_type_string))
			abort();
	} else if (!json_object_object_get_ex(o, "stats", &result) ||
	    !json_object_is_type(result, json_type_object))
		abort();	/* neither a result nor stats */
	json_object_put(o);
	return 0;
}
