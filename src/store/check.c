/*
 * check.c: searchd --check-data and --repair.  Every file of a data_dir is
 * checked as a start would check it, and what was found is printed a line
 * per file; --repair cuts the log at its first bad record, saying first
 * what that drops (redis-check-aof --fix does the same).  Damaged
 * segment, deletions or manifest files cannot be repaired here: the
 * answer to those is a backup.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delfile.h"
#include "engine.h"
#include "fsio.h"
#include "manifest.h"
#include "segfile.h"
#include "store_impl.h"
#include "wal.h"

/* What checking the log found, for the repair. */
struct check_log {
	uint64_t	prev;		/* last sequence number seen */
	uint64_t	bad_file;	/* 0: none damaged */
	uint64_t	bad_at;
	int		torn;
};

static int
check_segments(const char *dir, const struct manifest *m, FILE *out)
{
	struct index *ix;
	struct deletes *d;
	char name[64], err[1024];
	size_t i;
	int bad = 0;

	for (i = 0; i < m->nsegs; i++) {
		manifest_seg_name(name, sizeof(name), m->segs[i].file);
		if ((ix = segfile_open(dir, name, SEGFILE_FULL, err,
		    sizeof(err))) == NULL) {
			fprintf(out, "%s\n", err);
			bad = 1;
			continue;
		}
		fprintf(out, "%s/%s: %u documents, %u terms, %llu postings: "
		    "ok\n", dir, name, ix->ndocs, ix->nterms,
		    (unsigned long long)ix->npostings);
		if (m->segs[i].delgen != 0) {
			manifest_del_name(name, sizeof(name), m->segs[i].file,
			    m->segs[i].delgen);
			if ((d = delfile_read(ix, dir, name, err,
			    sizeof(err))) == NULL) {
				fprintf(out, "%s\n", err);
				bad = 1;
			} else {
				fprintf(out, "%s/%s: %u deleted: ok\n", dir,
				    name, d->count);
				deletes_free(d);
			}
		}
		index_free(ix);
	}
	return bad;
}

static int
check_one_log(const char *dir, uint64_t file, uint64_t checkpoint,
    struct check_log *cl, FILE *out)
{
	struct wal_scan scan;
	struct stat st;
	char name[64], path[4096], err[1024];
	void *map = NULL;
	int fd, rc;

	manifest_log_name(name, sizeof(name), file);
	fsio_path(path, sizeof(path), dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(out, "%s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return 1;
	}
	if (st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(out, "%s: mmap: %s\n", path, strerror(errno));
		return 1;
	}
	rc = wal_scan(map ? map : "", (size_t)st.st_size, file, cl->prev, NULL,
	    NULL, &scan, err, sizeof(err));
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	if (rc == 0 && scan.records > 0 && cl->prev == 0 &&
	    scan.last_seq > checkpoint && scan.first_seq > checkpoint + 1) {
		snprintf(err, sizeof(err), "%llu: writes %llu to %llu are "
		    "missing", (unsigned long long)WAL_FILE_HEAD_SIZE,
		    (unsigned long long)checkpoint + 1,
		    (unsigned long long)scan.first_seq - 1);
		rc = -1;
	}
	if (rc == -1) {
		fprintf(out, "%s:%s\n", path, err);
		cl->bad_file = file;
		cl->bad_at = strtoull(err, NULL, 10);
		return 1;
	}
	fprintf(out, "%s: %llu records", path, (unsigned long long)scan.records);
	if (scan.records > 0)
		fprintf(out, ", writes %llu to %llu",
		    (unsigned long long)scan.first_seq,
		    (unsigned long long)scan.last_seq);
	if (scan.torn) {
		fprintf(out, ", and a torn last record of %llu bytes at %llu "
		    "(a crash in mid-append), which a start cuts off",
		    (unsigned long long)(scan.size - scan.end),
		    (unsigned long long)scan.end);
		cl->torn = 1;
		cl->bad_file = file;
		cl->bad_at = scan.end;
	}
	fprintf(out, ": ok\n");
	if (scan.records > 0)
		cl->prev = scan.last_seq;
	return 0;
}

/* Cuts the log at the bad record and drops the files after it. */
static int
check_repair(const char *dir, const uint64_t *files, size_t n,
    const struct check_log *cl, FILE *out)
{
	char name[64], path[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		manifest_log_name(name, sizeof(name), files[i]);
		fsio_path(path, sizeof(path), dir, name);
		if (files[i] < cl->bad_file || stat(path, &st) == -1)
			continue;
		if (files[i] == cl->bad_file) {
			fprintf(out, "repair: %s: dropping %llu bytes from "
			    "offset %llu on\n", path, (unsigned long long)
			    (st.st_size - (off_t)cl->bad_at),
			    (unsigned long long)cl->bad_at);
			if (truncate(path, (off_t)cl->bad_at) == -1) {
				fprintf(out, "repair: %s: %s\n", path,
				    strerror(errno));
				return 1;
			}
		} else {
			fprintf(out, "repair: %s: dropping the whole file "
			    "(%llu bytes), which follows the damage\n", path,
			    (unsigned long long)st.st_size);
			if (unlink(path) == -1) {
				fprintf(out, "repair: %s: %s\n", path,
				    strerror(errno));
				return 1;
			}
		}
	}
	return fsio_sync_dir(dir) == 0 ? 0 : 1;
}

static int
check_logs(const char *dir, const struct manifest *m, int repair, FILE *out)
{
	struct check_log cl;
	uint64_t *files;
	size_t n, i;
	int bad = 0;

	memset(&cl, 0, sizeof(cl));
	n = datadir_logs(dir, m->log, &files);
	for (i = 0; i < n && cl.bad_file == 0; i++) {
		bad |= check_one_log(dir, files[i], m->checkpoint, &cl, out);
		if (cl.torn && i + 1 < n) {
			fprintf(out, "%s: the torn record is not in the last "
			    "log file: the log is damaged\n", dir);
			cl.torn = 0;
			bad = 1;
		}
	}
	if (cl.bad_file != 0 && !cl.torn && i < n)
		fprintf(out, "%s: %zu later log files are not checked: they "
		    "follow the damage\n", dir, n - i);
	if (cl.bad_file != 0 && (bad || cl.torn) && repair) {
		bad = check_repair(dir, files, n, &cl, out);
		if (bad == 0)
			fprintf(out, "repair: %s: the log now ends at its last "
			    "good record\n", dir);
	} else if (bad)
		fprintf(out, "%s: searchd will not start on this log; "
		    "searchd --repair cuts it at the first bad record\n", dir);
	free(files);
	return bad;
}

int
store_check(const char *dir, int repair, FILE *out)
{
	struct store s;
	struct manifest m;
	char err[1024];
	int rc, bad;

	memset(&s, 0, sizeof(s));
	s.dir = (char *)dir;
	s.lock_fd = -1;
	if (datadir_lock(&s, err, sizeof(err)) == -1) {
		fprintf(out, "%s\n", err);
		return 1;
	}
	if ((rc = manifest_read(dir, &m, err, sizeof(err))) != 0) {
		fprintf(out, "%s\n", rc == 1 ? "no MANIFEST: an empty "
		    "data_dir, or not one" : err);
		datadir_unlock(&s);
		return rc == 1 ? 0 : 1;
	}
	fprintf(out, "%s/%s: checkpoint %llu, log %llu on, %zu segments: "
	    "ok\n", dir, MANIFEST_NAME, (unsigned long long)m.checkpoint,
	    (unsigned long long)m.log, m.nsegs);
	bad = check_segments(dir, &m, out);
	if (bad)
		fprintf(out, "%s: a segment or deletions file is damaged; "
		    "--repair cannot mend that: restore from a backup\n", dir);
	bad |= check_logs(dir, &m, repair && !bad, out);
	manifest_free(&m);
	datadir_unlock(&s);
	return bad;
}
