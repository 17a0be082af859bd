/*
 * faultfs.c: a fault-injection shim for the tests, loaded with LD_PRELOAD
 * into searchd.  It follows the descriptors of files opened under
 * $FAULTFS_DIR and, as the file named by $FAULTFS_CTL says at each call,
 * makes their writes and syncs fail:
 *
 *   enospc          write, pwrite and writev fail with ENOSPC
 *   enospc-partial  they write half of what they are given, then ENOSPC
 *   eio             they fail with EIO
 *   fsync-eio       fsync and fdatasync fail with EIO
 *   (anything else) nothing fails
 *
 * A mode may end in ":TEXT" to hit only files whose name holds TEXT
 * ("enospc:.seg": only segment files).
 *
 * With $FAULTFS_LOG, every fsync and fdatasync of such a file is logged
 * there with the time (CLOCK_MONOTONIC) and the file's name: the name it
 * was opened with, or the one it was linked to since (a log is made under
 * a temporary name and linked into place).  It is built
 * for make check only and never installed.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAULTFS_FDS	65536

/* Which descriptors are files under FAULTFS_DIR, and their names. */
static _Atomic unsigned char	 faultfs_tracked[FAULTFS_FDS];
static char			 faultfs_names[FAULTFS_FDS][32];

static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*real_writev)(int, const struct iovec *, int);
static int	(*real_fsync)(int);
static int	(*real_fdatasync)(int);
static int	(*real_open)(const char *, int, ...);
static int	(*real_openat)(int, const char *, int, ...);
static int	(*real_close)(int);
static int	(*real_dup)(int);
static int	(*real_link)(const char *, const char *);

static void
faultfs_init(void)
{
	if (real_write != NULL)
		return;
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_open = dlsym(RTLD_NEXT, "open");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_close = dlsym(RTLD_NEXT, "close");
	real_dup = dlsym(RTLD_NEXT, "dup");
	real_link = dlsym(RTLD_NEXT, "link");
	real_write = dlsym(RTLD_NEXT, "write");
}

/*
 * What the control file says now for descriptor fd: its mode, or "" when
 * there is none or its filter leaves fd alone.
 */
static void
faultfs_mode(int fd, char *out, size_t len)
{
	const char *ctl = getenv("FAULTFS_CTL");
	char *filter;
	ssize_t n = 0;
	int cfd;

	out[0] = '\0';
	if (ctl == NULL || (cfd = real_open(ctl, O_RDONLY)) == -1)
		return;
	n = read(cfd, out, len - 1);
	real_close(cfd);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if ((filter = strchr(out, ':')) != NULL) {
		*filter++ = '\0';
		if (strstr(faultfs_names[fd], filter) == NULL)
			out[0] = '\0';
	}
}

static void
faultfs_track(int fd, const char *path)
{
	const char *dir = getenv("FAULTFS_DIR"), *base;
	size_t n;

	if (fd < 0 || fd >= FAULTFS_FDS || dir == NULL)
		return;
	n = strlen(dir);
	if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return;
	base = strrchr(path, '/');
	snprintf(faultfs_names[fd], sizeof(faultfs_names[fd]), "%s",
	    base ? base + 1 : path);
	atomic_store(&faultfs_tracked[fd], 1);
}

static int
faultfs_is(int fd)
{
	return fd >= 0 && fd < FAULTFS_FDS && atomic_load(&faultfs_tracked[fd]);
}

/* -1 with errno for a write that must fail; 0 to go on; 1 for half. */
static int
faultfs_write_fault(int fd)
{
	char mode[32];

	if (!faultfs_is(fd))
		return 0;
	faultfs_mode(fd, mode, sizeof(mode));
	if (strcmp(mode, "enospc") == 0) {
		errno = ENOSPC;
		return -1;
	}
	if (strcmp(mode, "eio") == 0) {
		errno = EIO;
		return -1;
	}
	return strcmp(mode, "enospc-partial") == 0 ? 1 : 0;
}

/* enospc-partial: the first call of a write gets half in, then ENOSPC. */
static _Atomic int faultfs_half_done[FAULTFS_FDS];

static ssize_t
faultfs_short(int fd, size_t len)
{
	if (atomic_exchange(&faultfs_half_done[fd], 1) == 0 && len > 1)
		return (ssize_t)(len / 2);
	errno = ENOSPC;
	return -1;
}

ssize_t
write(int fd, const void *p, size_t len)
{
	ssize_t n;
	int f;

	faultfs_init();
	if ((f = faultfs_write_fault(fd)) == -1)
		return -1;
	if (f == 1) {
		if ((n = faultfs_short(fd, len)) == -1)
			return -1;
		return real_write(fd, p, (size_t)n);
	}
	atomic_store(&faultfs_half_done[fd < FAULTFS_FDS && fd >= 0 ? fd : 0],
	    0);
	return real_write(fd, p, len);
}

ssize_t
pwrite(int fd, const void *p, size_t len, off_t off)
{
	ssize_t n;
	int f;

	faultfs_init();
	if ((f = faultfs_write_fault(fd)) == -1)
		return -1;
	if (f == 1) {
		if ((n = faultfs_short(fd, len)) == -1)
			return -1;
		return real_pwrite(fd, p, (size_t)n, off);
	}
	return real_pwrite(fd, p, len, off);
}

ssize_t
pwrite64(int fd, const void *p, size_t len, off_t off)
{
	return pwrite(fd, p, len, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	faultfs_init();
	if (faultfs_write_fault(fd) != 0) {
		errno = ENOSPC;
		return -1;
	}
	return real_writev(fd, iov, n);
}

static void
faultfs_log_sync(int fd, const char *what)
{
	const char *log = getenv("FAULTFS_LOG");
	struct timespec ts;
	char line[128];
	int lfd, n;

	if (log == NULL || !faultfs_is(fd))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%s %lld.%09ld %s\n", what,
	    (long long)ts.tv_sec, ts.tv_nsec, faultfs_names[fd]);
	if ((lfd = real_open(log, O_WRONLY | O_APPEND | O_CREAT, 0600)) != -1) {
		(void)real_write(lfd, line, (size_t)n);
		real_close(lfd);
	}
}

static int
faultfs_sync_fault(int fd)
{
	char mode[32];

	if (!faultfs_is(fd))
		return 0;
	faultfs_mode(fd, mode, sizeof(mode));
	if (strcmp(mode, "fsync-eio") == 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
fsync(int fd)
{
	faultfs_init();
	faultfs_log_sync(fd, "fsync");
	if (faultfs_sync_fault(fd) == -1)
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	faultfs_init();
	faultfs_log_sync(fd, "fdatasync");
	if (faultfs_sync_fault(fd) == -1)
		return -1;
	return real_fdatasync(fd);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	faultfs_init();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_open(path, flags, mode);
	faultfs_track(fd, path);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return open(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	faultfs_init();
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_openat(dirfd, path, flags, mode);
	if (path[0] == '/')
		faultfs_track(fd, path);
	return fd;
}

int
close(int fd)
{
	faultfs_init();
	if (fd >= 0 && fd < FAULTFS_FDS)
		atomic_store(&faultfs_tracked[fd], 0);
	return real_close(fd);
}

int
dup(int fd)
{
	int nfd;

	faultfs_init();
	nfd = real_dup(fd);
	if (nfd >= 0 && nfd < FAULTFS_FDS && faultfs_is(fd)) {
		memcpy(faultfs_names[nfd], faultfs_names[fd],
		    sizeof(faultfs_names[nfd]));
		atomic_store(&faultfs_tracked[nfd], 1);
	}
	return nfd;
}

/* A file opened as oldpath goes by newpath once it is linked there. */
int
link(const char *oldpath, const char *newpath)
{
	const char *from = strrchr(oldpath, '/'), *to = strrchr(newpath, '/');
	int fd, rc;

	faultfs_init();
	if ((rc = real_link(oldpath, newpath)) == -1)
		return rc;
	from = from ? from + 1 : oldpath;
	to = to ? to + 1 : newpath;
	for (fd = 0; fd < FAULTFS_FDS; fd++) {
		if (faultfs_is(fd) && strcmp(faultfs_names[fd], from) == 0)
			snprintf(faultfs_names[fd], sizeof(faultfs_names[fd]),
			    "%s", to);
	}
	return rc;
}
