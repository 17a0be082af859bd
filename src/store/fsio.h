/*
 * fsio.h: the file system calls the store makes, with the loops and checks
 * every caller would otherwise repeat: a write writes everything or fails,
 * a read reads everything or says why, and a file that was created or
 * renamed is durable only once its directory is synced too (SQLite's
 * "Atomic Commit" page explains why).
 */
#ifndef SEARCHD_FSIO_H
#define SEARCHD_FSIO_H

#include <sys/types.h>

#include <stddef.h>

/* 0, or -1 with errno (a short write leaves errno ENOSPC). */
int	fsio_write(int fd, const void *, size_t);
int	fsio_pwrite(int fd, const void *, size_t, off_t);
/* 0, or -1 with errno; a file shorter than asked is EIO (errno 0 set). */
int	fsio_pread(int fd, void *, size_t, off_t);
/* fdatasync, retried on EINTR only: never after a real error. */
int	fsio_sync(int fd);
/* Syncs a directory, so the names in it survive a crash. */
int	fsio_sync_dir(const char *dir);
/* dir/name into out; -1 when it does not fit. */
int	fsio_path(char *out, size_t len, const char *dir, const char *name);
/*
 * Makes dir/name hold exactly these bytes, durably, or leaves it as it
 * was: written to name.tmp, synced, renamed over name, dir synced.  -1
 * with "PATH: what failed: why" in err, and no .tmp left behind.
 */
int	fsio_replace(const char *dir, const char *name, const void *, size_t,
	    char *err, size_t errlen);

#endif
