/*
 * store_impl.h: the inside of a struct store, shared by store.c (the
 * writer), recover.c (opening a data_dir), maintain.c and syncer.c (the
 * other two threads), unusable.c and datadir.c.  Each field says which thread may touch
 * it; nothing outside src/store includes this.
 */
#ifndef SEARCHD_STORE_IMPL_H
#define SEARCHD_STORE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "live.h"
#include "manifest.h"
#include "store.h"

struct deletes;
struct index;

/* A segment file's deletions as the newest manifest has them. */
struct store_saved {
	uint64_t	 file;
	uint64_t	 gen;		/* 0: none saved */
	struct deletes	*del;		/* what was saved, a reference */
};

enum store_job_type {
	STORE_JOB_FLUSH,
	STORE_JOB_MERGE,
	STORE_JOB_BACKUP,
};

/* A log file a backup copies, up to size. */
struct store_logcopy {
	uint64_t	file;
	uint64_t	size;
};

/*
 * One job for the maintainer.  The writer fills in the inputs and hands
 * it over; the maintainer fills in the outputs and hands it back; neither
 * touches it while the other has it.
 */
struct store_job {
	enum store_job_type	 type;
	struct live_merge	 merge;		/* FLUSH, MERGE: the inputs */
	uint64_t		 out_file;	/* the segment it writes */
	struct manifest		 manifest;	/* to write once done */
	size_t			 out_at;	/* out_file's place in it */
	struct store_saved	*save;		/* FLUSH: deletions to save */
	size_t			 nsave;
	struct buf		 obsolete;	/* NUL-separated names */
	struct store_backup	*backup;	/* BACKUP */
	struct store_logcopy	*logs;
	size_t			 nlogs;

	int			 status;	/* 0, or -1 with err */
	char			 err[1024];
	struct index		*out;		/* FLUSH, MERGE */
	uint32_t		**maps;
};

struct store {
	char			*dir;
	enum store_sync		 sync;
	size_t			 write_buffer;
	struct snapshot_cell	*cell;
	int			 lock_fd;

	/* The writer thread's, once open. */
	struct live		 live;
	int			 log_fd;
	uint64_t		 log_file;
	uint64_t		 log_size;
	uint64_t		 log_first;	/* oldest log the manifest needs */
	uint64_t		 checkpoint;
	uint64_t		 next_file;
	struct buf		 rec;		/* one group's records */
	struct build_doc	*adds;		/* one group's adds, together */
	size_t			 adds_cap;
	struct store_saved	*saved;		/* by segment file */
	size_t			 nsaved;
	struct manifest		 current;	/* the newest one written */
	struct store_job	*running;	/* handed to the maintainer */
	struct store_backup	*backups;	/* waiting for the maintainer */
	int			 flush_failed;	/* back off until a write */

	/* Guarded by lock: the writer's inbox. */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct store_write	*writes;
	struct store_write	**writes_tail;
	struct store_backup	*new_backups;
	struct store_job	*finished;	/* back from the maintainer */
	int			 stopping;
	pthread_t		 writer;

	/* Guarded by mlock: the maintainer's inbox. */
	pthread_mutex_t		 mlock;
	pthread_cond_t		 mcond;
	struct store_job	*todo;
	int			 mstop;
	pthread_t		 maintainer;

	/* Guarded by slock: the syncer's view of the log. */
	pthread_mutex_t		 slock;
	pthread_cond_t		 scond;
	int			 sync_fd;	/* a dup of log_fd, or -1 */
	int			 dirty;
	int			 sstop;
	pthread_t		 syncer;
	int			 has_syncer;

	/* Set once, read by all: writes are refused after. */
	_Atomic int		 unusable;
	char			 unusable_why[512];	/* under lock */

	/* Counters for store_info, written by the writer. */
	_Atomic uint64_t	 seq;
	_Atomic uint64_t	 flushes;
	_Atomic uint64_t	 merges;
	_Atomic uint64_t	 write_errors;
	_Atomic uint64_t	 log_bytes;
	_Atomic size_t		 ndisk;
	_Atomic size_t		 nmemory;
};

/* datadir.c */
int	datadir_lock(struct store *, char *err, size_t errlen);
void	datadir_unlock(struct store *);
/* Numbers of the log files from first on, sorted; the caller frees. */
size_t	datadir_logs(const char *dir, uint64_t first, uint64_t **files);
/* The highest file number any name in dir has, or 0. */
uint64_t datadir_max_file(const char *dir);
/* Whether dir holds anything but LOCK. */
int	datadir_has_files(const char *dir, char *name, size_t len);
/* Removes what the manifest does not name: temporaries, merged files. */
void	datadir_clean(const char *dir, const struct manifest *);
/* Creates log file number file for appending; its fd, or -1 with err. */
int	datadir_log_create(const char *dir, uint64_t file, char *err,
	    size_t errlen);
void	datadir_unlink(const char *dir, const char *name);

/* recover.c */
int	recover_open(struct store *, const struct store_options *, char *err,
	    size_t errlen);

/* maintain.c */
void	maintain_start(struct store *);
void	maintain_stop(struct store *);
/* Hands a job to the maintainer. */
void	maintain_post(struct store *, struct store_job *);
void	maintain_job_free(struct store_job *);
/* syncer.c: the syncer of sync everysec. */
void	syncer_start(struct store *);
void	syncer_stop(struct store *);
/* Tells the syncer about a new log file, or that the log has grown. */
void	syncer_log(struct store *, int fd);
void	syncer_dirty(struct store *);

/* unusable.c: marks the log unusable, for good, and says why. */
void	unusable_set(struct store *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	unusable_why(struct store *, char *, size_t);

#endif
