/*
 * fuzz_segfile.c: a segment file, as a start and --check-data check it.
 * An odd first byte has the harness seal the rest (segfile_seal sets the
 * checksums to match), so damage reaches the checks of the arrays instead
 * of failing a checksum.  Neither check may read outside the bytes, and a
 * file the full check takes, the quick one takes too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "segfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	void *p;
	int full, sums;

	if (size == 0)
		return 0;
	/* The arrays are read in place: the file is mapped, so aligned. */
	if ((p = aligned_alloc(64, (size + 63) / 64 * 64)) == NULL)
		abort();
	memcpy(p, data + 1, size - 1);
	if (data[0] & 1)
		segfile_seal(p, size - 1);
	sums = segfile_check(p, size - 1, SEGFILE_SUMS, err, sizeof(err));
	if (sums == -1 && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	full = segfile_check(p, size - 1, SEGFILE_FULL, err, sizeof(err));
	if (full == 0 && sums != 0)
		abort();
	free(p);
	return 0;
}
