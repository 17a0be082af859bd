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
 * removed with its segment.
 */
#ifndef SEARCHD_ATTRFILE_H
#define SEARCHD_ATTRFILE_H

#include <stddef.h>
#include <stdint.h>

struct index;

#define ATTRFILE_MAGIC		"SDATTRS1"
#define ATTRFILE_VERSION	1

/* 0, or -1 with "PATH: what failed: why" in err (nothing left behind). */
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
