/* fsio.c: see fsio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"

int
fsio_write(int fd, const void *p, size_t len)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, b, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fsio_pwrite(int fd, const void *p, size_t len, off_t off)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, b, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		b += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
fsio_pread(int fd, void *p, size_t len, off_t off)
{
	char *b = p;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, b, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		b += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int
fsio_sync(int fd)
{
	int rc;

	while ((rc = fdatasync(fd)) == -1 && errno == EINTR)
		;
	return rc;
}

int
fsio_sync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	while ((rc = fsync(fd)) == -1 && errno == EINTR)
		;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
fsio_path(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
fsio_replace(const char *dir, const char *name, const void *p, size_t len,
    char *err, size_t errlen)
{
	char path[4096], tmp[4096];
	int fd, rc = -1;

	if (fsio_path(path, sizeof(path), dir, name) == -1 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		snprintf(err, errlen, "%s: open: %s", tmp, strerror(errno));
	else if (fsio_write(fd, p, len) == -1)
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(errno));
	else if (fsync(fd) == -1)
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
	else if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(errno));
	} else if ((fd = -1, rename(tmp, path)) == -1)
		snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
	else if (fsio_sync_dir(dir) == -1)
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}
