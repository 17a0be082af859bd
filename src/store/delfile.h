/*
 * delfile.h: a segment's deletions saved at a checkpoint, so a restart
 * need not replay them: the deleted documents as a bitmap, and for each
 * term with deleted documents how many, so nothing is tokenized again.
 * Written and read whole, with an xxh3-64 checksum; a new generation is a
 * new file (00000003.2.del), like Lucene's .liv files.
 */
#ifndef SEARCHD_DELFILE_H
#define SEARCHD_DELFILE_H

#include <stddef.h>

struct deletes;
struct index;

#define DELFILE_MAGIC	"SDDELETE"
#define DELFILE_VERSION	1

/* Writes d durably to dir/name; -1 with "PATH: what: why". */
int		 delfile_write(const struct deletes *, const char *dir,
		    const char *name, char *err, size_t errlen);
/* Reads dir/name, for ix; NULL with "PATH:OFFSET: reason". */
struct deletes	*delfile_read(const struct index *, const char *dir,
		    const char *name, char *err, size_t errlen);

#endif
