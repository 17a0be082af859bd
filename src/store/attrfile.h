/*
 * attrfile.h: a segment's attribute columns saved beside it, as
 * NNNNNNNN.att, so that a start reads them instead of making them again
 * from every document (seconds for a million).
 *
 * The file is a cache of what the segment's documents already say: it
 * names the segment file (by its header's checksum) and the schema it
 * was made for, and has a checksum of its own; one that is missing,
 * damaged, made for another schema or for another file is made again
 * from the documents, never trusted.  It is written once, as segment
 * files are (temporary name, synced, renamed, directory synced), and
 * removed with its segment.  Each string's list of documents is not in
 * it: that is made again from the values as the file is read.
 */
#ifndef SEARCHD_ATTRFILE_H
#define SEARCHD_ATTRFILE_H

#include <stddef.h>
#include <stdint.h>

struct index;

#define ATTRFILE_MAGIC		"SDATTRS1"
#define ATTRFILE_VERSION	1

/* The first bytes; checksum covers everything before it. */
struct attrfile_head {
	char		magic[8];
	uint32_t	version;
	uint32_t	order;
	uint64_t	file_size;
	uint64_t	segment_sum;	/* the segment file header's checksum */
	uint64_t	schema_sum;	/* of attrfile_schema_sum's text */
	uint32_t	ndocs;
	uint32_t	ncols;
	uint64_t	body_sum;	/* xxh3-64 of everything after this */
	uint64_t	checksum;
};

/*
 * Before each column's arrays, each of which is padded to 8 bytes.  The
 * lists of each string's documents are not saved: made again from the
 * values, they cannot disagree with them.
 */
struct attrfile_col {
	uint64_t	nvals;
	uint64_t	str_len;
	int64_t		min;
	int64_t		max;
	uint32_t	nstr;
	uint32_t	reserved;
};

/*
 * Sets the checksums of a file in memory to match its bytes, as a writer
 * does last: tests use it to make damage checksums miss.
 */
void	attrfile_seal(void *, size_t);

/*
 * 0, or -1 with "PATH: what failed: why" in err; a file may be left if
 * only the directory's sync failed, which for a cache is no harm.
 */
int	attrfile_write(const struct index *, const char *dir, uint64_t file,
	    char *err, size_t errlen);
/*
 * Gives a mapped segment its columns from its file: 0; 1 when there is
 * none; -1 with the reason in err when it cannot be used.
 */
int	attrfile_read(struct index *, const char *dir, uint64_t file,
	    char *err, size_t errlen);
/*
 * Gives a mapped segment its columns, from its file if it can, else from
 * its documents, saving them for the next start; -1 with the reason
 * when a document does not fit the schema.
 */
int	attrfile_attach(struct index *, const char *dir, uint64_t file,
	    char *err, size_t errlen);

#endif
