/*
 * segfile.h: segment files, an index's arrays as they are in memory, so a
 * segment is used in place through mmap and never read into the heap.
 *
 * A file is a header and eight sections, each at a multiple of 64 bytes:
 * the header gives the counts, and each section's offset, length and
 * xxh3-64 checksum; the header has a checksum of its own.  A segment is
 * written once, to a temporary name, synced, renamed into place and its
 * directory synced, as Lucene writes its files, and never changed after.
 * Opening checks the header and every section's place and checksum, so a
 * damaged or truncated file is refused with where it is damaged and why,
 * never served.  A file just written, and searchd --check-data, are also
 * checked through: that every array points only inside the file, names
 * are in order, the id table finds every document.  Matching checksums
 * then say a file is the one that passed, so a restart, which reads every
 * byte of every segment, need not walk the arrays again (Lucene, too,
 * leaves the deep check to CheckIndex).  The byte order and
 * the word size are those of the machine; the header says which.
 */
#ifndef SEARCHD_SEGFILE_H
#define SEARCHD_SEGFILE_H

#include <stddef.h>
#include <stdint.h>

struct index;

#define SEGFILE_MAGIC		"SDSEGMNT"
#define SEGFILE_VERSION		1
#define SEGFILE_ALIGN		64
#define SEGFILE_NSECTIONS	8

enum segfile_section_id {
	SEGFILE_DOCS = 1,
	SEGFILE_DL,
	SEGFILE_TEXT,
	SEGFILE_IDS,
	SEGFILE_TERMS,
	SEGFILE_NAMES,
	SEGFILE_POSTINGS,
	SEGFILE_SKIPS,
};

struct segfile_section {
	uint32_t	id;
	uint32_t	reserved;
	uint64_t	off;
	uint64_t	len;
	uint64_t	sum;		/* xxh3-64 of the section's bytes */
};

/* The first bytes of a file; checksum covers everything before it. */
struct segfile_header {
	char			magic[8];
	uint32_t		version;
	uint32_t		order;		/* SEGFILE_ORDER as written */
	uint64_t		file_size;
	uint32_t		ndocs;
	uint32_t		nterms;
	uint64_t		npostings;
	uint64_t		total_dl;
	uint64_t		ids_size;	/* slots of the id table */
	uint64_t		nskips;
	struct segfile_section	sections[SEGFILE_NSECTIONS];
	uint64_t		checksum;
};

#define SEGFILE_ORDER		0x0102030405060708ULL

/*
 * Writes ix to dir/name: a temporary file first, synced, renamed and the
 * directory synced.  -1 with "PATH: what failed: strerror" in err, and no
 * file left behind.
 */
int		 segfile_write(const struct index *, const char *dir,
		    const char *name, char *err, size_t errlen);
/* How much of a file to check. */
enum segfile_check {
	SEGFILE_SUMS,		/* the header, the sections' places, checksums */
	SEGFILE_FULL,		/* and everything the arrays say */
};

/*
 * Maps dir/name and checks it; NULL with "PATH:OFFSET: reason" in err.
 * The index holds the mapping and one reference.
 */
struct index	*segfile_open(const char *dir, const char *name,
		    enum segfile_check, char *err, size_t errlen);
/*
 * Checks a file in memory, as segfile_open does the mapped one; the
 * fuzzer calls it.  0, or -1 with "OFFSET: reason".
 */
int		 segfile_check(const void *, size_t, enum segfile_check,
		    char *err, size_t errlen);
/*
 * Sets the checksums of a file in memory to match its bytes, as a writer
 * does last: tests and the fuzzer use it to make damage checksums miss.
 */
void		 segfile_seal(void *, size_t);

#endif
