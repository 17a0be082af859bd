/*
 * wal.h: the write-ahead log.  Every write is appended as one record
 * before it is answered: a 32-byte header (magic, type, payload length,
 * the write's sequence number, an xxh3-64 checksum of header and payload)
 * and the payload, padded to 8 bytes.  A log file starts with a header of
 * its own.  Sequence numbers go up by one from record to record and from
 * file to file, so a gap or a step back is damage too.
 *
 * Reading stops at the first record that is not whole and valid.  If no
 * valid record follows it, it is the torn tail of a crash in mid-append
 * and is cut off; if one does, the log is damaged in the middle and the
 * reader says where, and nothing is applied from a log it cannot trust
 * (LevelDB's log_format.md and redis's aof-load-truncated do the same for
 * a torn tail).  Decoding is pure, so a fuzzer can feed it any bytes.
 */
#ifndef SEARCHD_WAL_H
#define SEARCHD_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "build.h"

#define WAL_FILE_MAGIC		"SDLOGFIL"
#define WAL_VERSION		1
#define WAL_RECORD_MAGIC	0x53444c52u	/* "RLDS" on disk */
#define WAL_HEAD_SIZE		32

/*
 * A record's header as it is on disk; sum covers the bytes before it and
 * the payload.  Here, not in wal.c, so the fuzzer seals records with it.
 */
struct wal_head {
	uint32_t	magic;
	uint8_t		type;
	uint8_t		reserved[3];
	uint32_t	len;
	uint32_t	reserved2;
	uint64_t	seq;
	uint64_t	sum;
};
_Static_assert(sizeof(struct wal_head) == WAL_HEAD_SIZE, "head size");

#define WAL_FILE_HEAD_SIZE	32
/* Far above any batch max_message_size lets in; catches a wild length. */
#define WAL_PAYLOAD_MAX		(512u * 1024 * 1024)

enum wal_type {
	WAL_ADD = 1,
	WAL_DELETE = 2,
};

/*
 * A decoded record.  Its pointers are into the bytes it was decoded from
 * and into its own arrays, which wal_record_free releases.
 */
struct wal_record {
	enum wal_type		 type;
	uint64_t		 seq;
	size_t			 size;		/* header, payload and pad */
	struct build_doc	*docs;		/* WAL_ADD */
	size_t			 ndocs;
	const char		**ids;		/* WAL_DELETE */
	size_t			*lens;
	size_t			 nids;
	size_t			 cap;
};

/* What reading a log file found. */
struct wal_scan {
	uint64_t	records;
	uint64_t	first_seq;	/* 0: no record */
	uint64_t	last_seq;
	uint64_t	end;		/* where the valid records end */
	uint64_t	size;		/* of the file */
	int		torn;		/* bytes after end are a torn tail */
};

/* Appends whole records to out. */
void	wal_encode_add(struct buf *out, uint64_t seq,
	    const struct build_doc *, size_t n);
void	wal_encode_delete(struct buf *out, uint64_t seq,
	    const char *const *ids, const size_t *lens, size_t n);
/* A log file's header. */
void	wal_encode_file_head(struct buf *out, uint64_t fileno);

void	wal_record_init(struct wal_record *);
void	wal_record_free(struct wal_record *);
/*
 * Decodes the record at p (len bytes available).  1 with r filled, 0 if
 * the bytes end before the record does, -1 if it is not a valid record;
 * why says which, in words.
 */
int	wal_decode(const uint8_t *p, size_t len, struct wal_record *r,
	    const char **why);
/* -1 if the file's header is not a log file's header of fileno. */
int	wal_check_file_head(const uint8_t *p, size_t len, uint64_t fileno,
	    const char **why);

/*
 * Reads a log file in memory: calls apply for every valid record in order
 * (apply returning -1 stops, with its reason in err), and fills scan.
 * Returns 0 (a torn tail is set in scan, not an error), or -1 with
 * "OFFSET: reason" in err when the file is damaged: a bad header, a bad
 * record with valid ones after it, or sequence numbers out of order
 * (prev_seq is the last one before this file, 0 for none).
 */
int	wal_scan(const uint8_t *p, size_t len, uint64_t fileno,
	    uint64_t prev_seq, int (*apply)(void *, const struct wal_record *,
	    char *, size_t), void *arg, struct wal_scan *scan, char *err,
	    size_t errlen);

#endif
