/* import.c: see import.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "corpus.h"
#include "import.h"
#include "index.h"
#include "load.h"
#include "log.h"
#include "xmalloc.h"

/* Where each document came from, to report duplicate ids. */
struct import_origin {
	uint32_t	*file;
	uint64_t	*line;
	size_t		 n;
	size_t		 cap;
};

static void
import_origin_add(struct import_origin *o, uint32_t file, uint64_t line)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->file = xreallocarray(o->file, o->cap, sizeof(*o->file));
		o->line = xreallocarray(o->line, o->cap, sizeof(*o->line));
	}
	o->file[o->n] = file;
	o->line[o->n++] = line;
}

static void
import_origin_free(struct import_origin *o)
{
	free(o->file);
	free(o->line);
}

static void
import_dup_error(const struct build_doc *bd, uint32_t dup,
    const struct import_origin *o, const char *const *paths, uint32_t file,
    char *reason, size_t len)
{
	struct buf id;

	if (dup == INDEX_NO_DOC) {
		snprintf(reason, len, "too many documents");
		return;
	}
	buf_init(&id);
	buf_json_string(&id, bd->id, bd->id_len);
	buf_addc(&id, '\0');
	if (o->file[dup] == file)
		snprintf(reason, len, "duplicate id %s (first on line %llu)",
		    id.data, (unsigned long long)o->line[dup]);
	else
		snprintf(reason, len, "duplicate id %s (first on %s:%llu)",
		    id.data, paths[o->file[dup]],
		    (unsigned long long)o->line[dup]);
	buf_free(&id);
}

/* Adds a batch's documents; returns -1 with the first error in it. */
static int
import_batch(struct build *b, struct import_origin *o,
    const char *const *paths, const struct load_batch *lb, char *err,
    size_t errlen)
{
	const struct load_doc *ld;
	char reason[512];
	uint32_t dup;
	size_t i;

	for (i = 0; i < lb->ndocs; i++) {
		ld = &lb->docs[i];
		if (build_add_doc(b, &ld->bd, &dup) == -1) {
			import_dup_error(&ld->bd, dup, o, paths, ld->file,
			    reason, sizeof(reason));
			snprintf(err, errlen, "%s:%llu: %s", paths[ld->file],
			    (unsigned long long)ld->line, reason);
			return -1;
		}
		import_origin_add(o, ld->file, ld->line);
	}
	if (lb->err != NULL) {
		snprintf(err, errlen, "%s", lb->err);
		return -1;
	}
	return 0;
}

/*
 * Another thread reads, parses and tokenizes while this one builds; the
 * first error in file order stops both, as if one thread did it all.
 */
struct index *
import_files(const char *const *paths, size_t npaths, struct schema *sc,
    char *err, size_t errlen)
{
	struct import_origin o;
	struct load *l;
	struct load_batch *lb;
	struct build *b;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	b = build_new(sc);
	l = load_start(paths, npaths, sc);
	while (rc == 0 && (lb = load_next(l)) != NULL) {
		rc = import_batch(b, &o, paths, lb, err, errlen);
		load_done(l, lb);
	}
	load_free(l);
	import_origin_free(&o);
	if (rc == -1) {
		build_free(b);
		return NULL;
	}
	return build_finish(b);
}

struct index *
import_builtin(struct schema *sc)
{
	static const struct {
		const char	*id;
		const char	*text;
	} docs[] = {
		{ "morpheus", "Follow the white rabbit. \xf0\x9f\x90\xb0" },
		{ "ring", "In the caves beneath the Misty Mountains. "
		    "\xf0\x9f\x92\x8d" },
		{ "\xf0\x9f\x90\xb6",
		    "\xf0\x9f\x90\xbe Playing ball! \xf0\x9f\x8f\x90" },
	};
	struct corpus_doc cd;
	struct build *b;
	size_t i;
	uint32_t dup;

	b = build_new(sc);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		cd.id = docs[i].id;
		cd.id_len = strlen(docs[i].id);
		cd.text = docs[i].text;
		cd.text_len = strlen(docs[i].text);
		if (build_add(b, &cd, &dup) == -1)
			fatalx("builtin corpus: duplicate id");
	}
	return build_finish(b);
}
