/*
 * fuzz_manifest.c: a MANIFEST file, as a start reads it.  An odd first
 * byte has the harness end the rest with the end line its checksum asks
 * for, so random lines are parsed rather than refused by the checksum.
 * A manifest that decodes must encode to one that decodes the same.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "buf.h"
#include "manifest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_same(const struct manifest *a, const struct manifest *b)
{
	return a->checkpoint == b->checkpoint && a->log == b->log &&
	    a->next == b->next && a->nsegs == b->nsegs && (a->nsegs == 0 ||
	    memcmp(a->segs, b->segs, a->nsegs * sizeof(*a->segs)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m, again;
	struct buf text, out;
	char err[256];

	if (size == 0)
		return 0;
	buf_init(&text);
	buf_add(&text, data + 1, size - 1);
	if (data[0] & 1)
		buf_addf(&text, "end %016" PRIx64 "\n",
		    XXH3_64bits(text.data, text.len));
	if (manifest_decode(text.data, text.len, &m, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		buf_free(&text);
		return 0;
	}
	buf_init(&out);
	manifest_encode(&m, &out);
	if (manifest_decode(out.data, out.len, &again, err, sizeof(err)) ==
	    -1 || !fuzz_same(&m, &again))
		abort();
	manifest_free(&again);
	manifest_free(&m);
	buf_free(&out);
	buf_free(&text);
	return 0;
}
