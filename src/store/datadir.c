/*
 * datadir.c: the data_dir itself: its lock, the names of its files, and
 * removing what no manifest needs any more.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fsio.h"
#include "log.h"
#include "manifest.h"
#include "store_impl.h"
#include "wal.h"
#include "xmalloc.h"

#define DATADIR_LOCK	"LOCK"

/*
 * flock(2) rather than a pid file alone: the lock dies with the process,
 * so a searchd killed by kill -9 leaves nothing to clean up, and the pid
 * written in the file names the holder for the one refused.
 */
int
datadir_lock(struct store *s, char *err, size_t errlen)
{
	char path[4096], pid[32];
	ssize_t n;
	int fd;

	if (fsio_path(path, sizeof(path), s->dir, DATADIR_LOCK) == -1) {
		snprintf(err, errlen, "%s: path too long", s->dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "%s: in use by another searchd (pid "
		    "%s); two may not share a data_dir", s->dir,
		    pid[0] ? pid : "unknown");
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || fsio_pwrite(fd, pid, (size_t)n, 0) == -1)
		log_warn("%s: cannot record our pid", path);
	s->lock_fd = fd;
	return 0;
}

void
datadir_unlock(struct store *s)
{
	if (s->lock_fd != -1)
		close(s->lock_fd);
	s->lock_fd = -1;
}

/* Reads the digits at *p into *v; how many there were (0: none). */
static size_t
datadir_digits(const char **p, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9' && n < 19) {
		*v = *v * 10 + (uint64_t)(**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

/* The file number of a data_dir name and what it is, or 0. */
static uint64_t
datadir_parse(const char *name, const char **kind)
{
	const char *p = name;
	uint64_t file, gen;

	if (datadir_digits(&p, &file) < 8 || file == 0)
		return 0;
	if (strcmp(p, ".seg") == 0 || strcmp(p, ".log") == 0 ||
	    strcmp(p, ".att") == 0) {
		*kind = p + 1;
		return file;
	}
	if (*p++ != '.' || datadir_digits(&p, &gen) == 0 || gen == 0 ||
	    strcmp(p, ".del") != 0)
		return 0;
	*kind = "del";
	return file;
}

size_t
datadir_logs(const char *dir, uint64_t first, uint64_t **files)
{
	struct dirent *de;
	const char *kind;
	uint64_t f, *v = NULL, t;
	size_t n = 0, cap = 0, i, j;
	DIR *d;

	*files = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if ((f = datadir_parse(de->d_name, &kind)) == 0 ||
		    strcmp(kind, "log") != 0 || f < first)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = f;
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*files = v;
	return n;
}

uint64_t
datadir_max_file(const char *dir)
{
	struct dirent *de;
	const char *kind;
	uint64_t f, max = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if ((f = datadir_parse(de->d_name, &kind)) > max)
			max = f;
	}
	closedir(d);
	return max;
}

int
datadir_has_files(const char *dir, char *name, size_t len)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, DATADIR_LOCK) == 0)
			continue;
		snprintf(name, len, "%s", de->d_name);
		found = 1;
		break;
	}
	closedir(d);
	return found;
}

void
datadir_unlink(const char *dir, const char *name)
{
	char path[4096];

	if (fsio_path(path, sizeof(path), dir, name) == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("%s: cannot remove", path);
}

/* Whether the manifest names this file. */
static int
datadir_needed(const struct manifest *m, const char *name)
{
	const char *kind;
	uint64_t f = datadir_parse(name, &kind), gen;
	char want[64];
	size_t i;

	if (f == 0)
		return strcmp(name, MANIFEST_NAME) == 0 ||
		    strcmp(name, DATADIR_LOCK) == 0;
	if (strcmp(kind, "log") == 0)
		return f >= m->log;
	for (i = 0; i < m->nsegs; i++) {
		if (m->segs[i].file != f)
			continue;
		if (strcmp(kind, "seg") == 0 || strcmp(kind, "att") == 0)
			return 1;
		gen = m->segs[i].delgen;
		manifest_del_name(want, sizeof(want), f, gen);
		return gen != 0 && strcmp(want, name) == 0;
	}
	return 0;
}

void
datadir_clean(const char *dir, const struct manifest *m)
{
	struct dirent *de;
	const char *kind;
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		/* Only our own names: a stranger's file is not ours to remove. */
		if (datadir_parse(de->d_name, &kind) == 0 &&
		    !(len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0))
			continue;
		if (!datadir_needed(m, de->d_name)) {
			log_info("%s: removing %s, which no manifest needs",
			    dir, de->d_name);
			datadir_unlink(dir, de->d_name);
		}
	}
	closedir(d);
}

int
datadir_log_create(const char *dir, uint64_t file, char *err, size_t errlen)
{
	char name[64], path[4096], tmp[4096];
	struct buf b;
	int fd, linked = 0;

	manifest_log_name(name, sizeof(name), file);
	if (fsio_path(path, sizeof(path), dir, name) == -1 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	/*
	 * Under a temporary name until its header is on disk: a crash while
	 * making it leaves a stray .tmp, never a log shorter than a header.
	 */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	buf_init(&b);
	wal_encode_file_head(&b, file);
	if (fsio_write(fd, b.data, b.len) == -1 || fsync(fd) == -1 ||
	    (linked = link(tmp, path) == 0) == 0 || unlink(tmp) == -1 ||
	    fsio_sync_dir(dir) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		if (linked)
			unlink(path);
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return fd;
}
