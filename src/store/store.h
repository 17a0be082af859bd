/*
 * store.h: src/store, an index kept on disk that takes writes.  It owns a
 * data_dir: immutable segment files (segfile.h), their deletions
 * (delfile.h), a write-ahead log (wal.h) and the MANIFEST that says which
 * files are the index (manifest.h).  It calls src/engine, which knows
 * nothing of files, and src/common; the daemon calls it.
 *
 * Three threads do the work.  The writer takes every write in order:
 * the writes that arrived while it was busy go to the log in one write(2)
 * and, with sync always, one fdatasync (group commit); then they are
 * applied, a new snapshot is published, and only then answered, so any
 * search that starts after an answer sees the write.  The maintainer
 * flushes the small in-memory segments into a segment file once they pass
 * write_buffer (a checkpoint: the log before it is no longer needed),
 * merges segment files as they pile up, and makes backups.  With sync
 * everysec, a syncer calls fdatasync on the log once a second.  A failed
 * fsync is never retried: the log is marked unusable and writes are
 * refused until a restart replays from what is known to be on disk.
 */
#ifndef SEARCHD_STORE_H
#define SEARCHD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "build.h"

struct snapshot_cell;

enum store_sync {
	STORE_SYNC_ALWAYS,
	STORE_SYNC_EVERYSEC,
	STORE_SYNC_NO,
};

/* Defaults, with their reasons. */
/* Small segments flushed past this: a restart replays at most as much. */
#define STORE_WRITE_BUFFER	(64 * 1024 * 1024)
/* Segment files of one size class merged this many at a time. */
#define STORE_MERGE_FACTOR	10
/* A segment with more than this share deleted is rewritten without them. */
#define STORE_DELETED_MAX	0.25

struct store_options {
	const char		*dir;
	enum store_sync		 sync;
	size_t			 write_buffer;
	const char *const	*corpus;	/* imported into an empty dir */
	size_t			 ncorpus;
	/*
	 * Its language (which must be the MANIFEST's) and attributes; the
	 * store takes a reference.
	 */
	struct schema		*schema;
	struct snapshot_cell	*cell;		/* where snapshots go */
};

enum store_op {
	STORE_ADD,
	STORE_DELETE,
};

/*
 * One write.  The caller fills in the request, keeps it and its strings
 * alive, and touches none of it from store_submit until done is called
 * (on the writer's thread) with the result filled in.
 */
struct store_write {
	enum store_op		 op;
	const struct build_doc	*docs;		/* STORE_ADD */
	size_t			 ndocs;
	const char *const	*ids;		/* STORE_DELETE */
	const size_t		*lens;
	size_t			 nids;

	int			 status;	/* 0, or -1 with code */
	const char		*code;
	char			 message[512];
	uint64_t		 seq;
	size_t			 added;
	size_t			 deleted;

	void			(*done)(struct store_write *);
	void			*arg;
	struct store_write	*next;		/* the store's */
};

/* A backup into dir, which must not exist; as a write, done on result. */
struct store_backup {
	const char		*dir;
	int			 status;
	char			 message[1024];
	uint64_t		 seq;		/* the last write it holds */
	size_t			 files;
	uint64_t		 bytes;
	void			(*done)(struct store_backup *);
	void			*arg;
	struct store_backup	*next;
};

struct store_info {
	uint64_t	seq;
	uint64_t	checkpoint;
	size_t		disk_segments;
	size_t		memory_segments;
	uint64_t	log_bytes;		/* since the checkpoint */
	uint64_t	flushes;
	uint64_t	merges;
	uint64_t	write_errors;
	int		log_unusable;
};

struct store;

/*
 * Opens, or creates and fills, a data_dir: locks it, checks every file,
 * replays the log, publishes the first snapshot and starts the threads.
 * NULL with the reason in err ("PATH:OFFSET: reason" for damage).
 */
struct store	*store_open(const struct store_options *, char *err,
		    size_t errlen);
void		 store_submit(struct store *, struct store_write *);
void		 store_backup(struct store *, struct store_backup *);
void		 store_info(struct store *, struct store_info *);
/* Answers what is queued, flushes, stops the threads, unlocks. */
void		 store_close(struct store *);

/*
 * searchd --check-data: checks every file of dir and prints what it found
 * to out; with repair, cuts the log at its first bad record after saying
 * what that drops.  Returns 0 when dir is sound (or repaired), else 1.
 */
int		 store_check(const char *dir, int repair, FILE *out);

#endif
