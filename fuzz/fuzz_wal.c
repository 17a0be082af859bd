/*
 * fuzz_wal.c: a log file, as a start replays it.  The first byte says how
 * the rest is read: even, as the file's bytes; odd, as records that this
 * harness frames and seals with their checksums (so random payloads reach
 * the decoder instead of failing the checksum), each a type byte, a step
 * of the sequence number, a 16-bit length and the payload, and whatever is
 * left over as a torn tail.  Every record applied must encode back to the
 * same bytes, and the scan's account of the file must add up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "buf.h"
#include "wal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_replay {
	const uint8_t	*file;
	size_t		 off;		/* of the record being applied */
	struct buf	 again;
};

/* What the log holds must be what encoding the decoded record gives. */
static int
fuzz_apply(void *arg, const struct wal_record *r, char *err, size_t errlen)
{
	struct fuzz_replay *f = arg;
	struct wal_head h;

	(void)err;
	(void)errlen;
	buf_reset(&f->again);
	if (r->type == WAL_ADD)
		wal_encode_add(&f->again, r->seq, r->docs, r->ndocs);
	else if (r->type == WAL_DELETE)
		wal_encode_delete(&f->again, r->seq, r->ids, r->lens, r->nids);
	else
		abort();
	memcpy(&h, f->file + f->off, sizeof(h));
	/* The pad after the payload is not checksummed: compare up to it. */
	if (f->again.len != r->size ||
	    memcmp(f->again.data, f->file + f->off, sizeof(h) + h.len) != 0)
		abort();
	f->off += r->size;
	return 0;
}

static void
fuzz_seal(struct buf *out, const uint8_t *data, size_t size)
{
	static const uint8_t zeros[8];
	struct wal_head h;
	uint64_t seq = 0;
	size_t len, at = 0;
	XXH3_state_t *st = XXH3_createState();

	wal_encode_file_head(out, 7);
	while (size - at >= 4) {
		len = (size_t)data[at + 2] | (size_t)data[at + 3] << 8;
		if (len > size - at - 4)
			break;
		memset(&h, 0, sizeof(h));
		h.magic = WAL_RECORD_MAGIC;
		h.type = data[at];
		h.len = (uint32_t)len;
		h.seq = seq += data[at + 1];
		XXH3_64bits_reset(st);
		XXH3_64bits_update(st, &h, offsetof(struct wal_head, sum));
		XXH3_64bits_update(st, data + at + 4, len);
		h.sum = XXH3_64bits_digest(st);
		buf_add(out, &h, sizeof(h));
		buf_add(out, data + at + 4, len);
		buf_add(out, zeros, (8 - (len & 7)) & 7);
		at += 4 + len;
	}
	buf_add(out, data + at, size - at);
	XXH3_freeState(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_replay f;
	struct wal_scan scan;
	struct buf file;
	uint64_t fileno = 0;
	char err[1024];
	int rc;

	if (size == 0)
		return 0;
	buf_init(&file);
	if (data[0] & 1)
		fuzz_seal(&file, data + 1, size - 1);
	else
		buf_add(&file, data + 1, size - 1);
	/* The file number a start asks for is the one in the name. */
	if (file.len >= WAL_FILE_HEAD_SIZE)
		memcpy(&fileno, file.data + 16, sizeof(fileno));
	memset(&f, 0, sizeof(f));
	f.file = (const uint8_t *)file.data;
	f.off = WAL_FILE_HEAD_SIZE;
	buf_init(&f.again);
	rc = wal_scan(f.file, file.len, fileno, 0, fuzz_apply, &f, &scan, err,
	    sizeof(err));
	if (rc == -1 && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (rc == 0 && (scan.end != f.off || scan.end > file.len ||
	    scan.size != file.len || (scan.torn != (scan.end < file.len)) ||
	    (scan.records == 0 && (scan.first_seq | scan.last_seq) != 0)))
		abort();
	/* Another file's number is refused by its header. */
	if (file.len >= WAL_FILE_HEAD_SIZE && wal_scan(f.file, file.len,
	    fileno + 1, 0, NULL, NULL, &scan, err, sizeof(err)) != -1)
		abort();
	buf_free(&f.again);
	buf_free(&file);
	return 0;
}
