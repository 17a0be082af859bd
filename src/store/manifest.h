/*
 * manifest.h: which files make up a data_dir's index, in a small text
 * file named MANIFEST that ends with the xxh3-64 checksum of the lines
 * before it:
 *
 *	searchd-manifest 1
 *	checkpoint 1234		every write up to 1234 is in the segments
 *	log 17			replay log files 17 and up, past 1234
 *	next 19			the next file number to hand out
 *	language english	its words' stemmer (none when absent)
 *	field title		its text fields in order (none: one stream)
 *	field text
 *	segment 3 del 2		00000003.seg, its deletions in 00000003.2.del
 *	segment 9		00000009.seg, nothing deleted
 *	end 3b6c1f0e9a2d4c57
 *
 * A new manifest is written to MANIFEST.tmp, synced, renamed over the old
 * one and the directory synced: until the rename the old one is the index,
 * after it the new one, as with Lucene's segments_N.
 */
#ifndef SEARCHD_MANIFEST_H
#define SEARCHD_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "schema.h"

#define MANIFEST_NAME		"MANIFEST"
#define MANIFEST_VERSION	1
#define MANIFEST_FIELD_MAX	64	/* bytes of a field's name */

struct manifest_seg {
	uint64_t	file;
	uint64_t	delgen;		/* 0: no deletions file */
};

/* Plain data; manifest_free frees segs. */
struct manifest {
	uint64_t		 checkpoint;
	uint64_t		 log;
	uint64_t		 next;
	const char		*lang;		/* stem.h; NULL: none */
	char			 fields[SCHEMA_FIELDS_MAX][MANIFEST_FIELD_MAX + 1];
	size_t			 nfields;
	struct manifest_seg	*segs;
	size_t			 nsegs;
};

void	manifest_init(struct manifest *);
void	manifest_free(struct manifest *);
void	manifest_add(struct manifest *, uint64_t file, uint64_t delgen);
/* Sets the language and fields to the schema's, or to another's. */
void	manifest_set_schema(struct manifest *, const struct schema *);
void	manifest_copy_schema(struct manifest *, const struct manifest *);
/* Whether the index it lists was made with the schema's words. */
int	manifest_same_schema(const struct manifest *, const struct schema *);
void	manifest_encode(const struct manifest *, struct buf *);
/* 0, or -1 with "LINE: reason" in err. */
int	manifest_decode(const char *, size_t, struct manifest *, char *err,
	    size_t errlen);
/* Reads dir's MANIFEST: 0, 1 when there is none, -1 with "PATH..." */
int	manifest_read(const char *dir, struct manifest *, char *err,
	    size_t errlen);
/* Replaces dir's MANIFEST, durably; -1 with "PATH: what: why" in err. */
int	manifest_write(const char *dir, const struct manifest *, char *err,
	    size_t errlen);

/*
 * File names: 00000003.seg, 00000003.2.del, 00000017.log, and
 * 00000003.att, the saved attribute columns of 00000003.seg.
 */
void	manifest_seg_name(char *, size_t, uint64_t file);
void	manifest_del_name(char *, size_t, uint64_t file, uint64_t gen);
void	manifest_log_name(char *, size_t, uint64_t file);
void	manifest_att_name(char *, size_t, uint64_t file);

#endif
