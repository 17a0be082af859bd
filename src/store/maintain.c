/*
 * maintain.c: the maintainer thread, which does whatever takes the store
 * seconds (merging segments, writing segment and deletions files, the
 * manifest, backups) one job at a time, so the writer never waits for it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrfile.h"
#include "attrs.h"
#include "delfile.h"
#include "engine.h"
#include "fsio.h"
#include "log.h"
#include "manifest.h"
#include "segfile.h"
#include "store_impl.h"
#include "xmalloc.h"

/* Chunks a backup copies a log file in. */
#define MAINTAIN_COPY_CHUNK	(1024 * 1024)

void
maintain_job_free(struct store_job *j)
{
	size_t i;

	if (j->merge.in != NULL) {
		for (i = 0; i < j->merge.n; i++) {
			index_free(j->merge.in[i].ix);
			deletes_free(j->merge.in[i].del);
		}
		free(j->merge.in);
	}
	if (j->maps != NULL) {
		for (i = 0; i < j->merge.n; i++)
			free(j->maps[i]);
		free(j->maps);
	}
	index_free(j->out);
	for (i = 0; i < j->nsave; i++)
		deletes_free(j->save[i].del);
	free(j->save);
	manifest_free(&j->manifest);
	buf_free(&j->obsolete);
	free(j->logs);
	free(j);
}

/* Drops out_file from the manifest: the merge left no document. */
static void
maintain_drop_out(struct store_job *j)
{
	memmove(&j->manifest.segs[j->out_at], &j->manifest.segs[j->out_at + 1],
	    (j->manifest.nsegs - j->out_at - 1) * sizeof(*j->manifest.segs));
	j->manifest.nsegs--;
}

/* Merges, writes and maps the output in place of the heap copy. */
static int
maintain_segment(struct store *s, struct store_job *j, char *name,
    size_t len)
{
	struct index *mapped;
	char why[512];

	j->maps = xcalloc(j->merge.n ? j->merge.n : 1, sizeof(*j->maps));
	j->out = merge_run(j->merge.in, j->merge.n, j->maps);
	manifest_seg_name(name, len, j->out_file);
	if (j->out->ndocs == 0) {
		maintain_drop_out(j);
		name[0] = '\0';
		return 0;
	}
	if (segfile_write(j->out, s->dir, name, j->err, sizeof(j->err)) == -1)
		return -1;
	if ((mapped = segfile_open(s->dir, name, SEGFILE_FULL, j->err,
	    sizeof(j->err))) == NULL)
		return -1;
	/* The columns are the same: the documents are. */
	mapped->schema = schema_retain(j->out->schema);
	mapped->cols = j->out->cols;
	j->out->cols = NULL;
	mapped->memory += attrs_memory(mapped->cols, mapped->schema ?
	    mapped->schema->nattrs : 0, mapped->ndocs);
	/* A cache: without it, the next start makes the columns again. */
	if (attrfile_write(mapped, s->dir, j->out_file, why, sizeof(why)) ==
	    -1)
		log_warnx("%s; the next start makes the columns again", why);
	index_free(j->out);
	j->out = mapped;
	return 0;
}

static void
maintain_unlink_obsolete(struct store *s, struct store_job *j)
{
	size_t off;

	for (off = 0; off < j->obsolete.len;
	    off += strlen(j->obsolete.data + off) + 1)
		datadir_unlink(s->dir, j->obsolete.data + off);
}

/* A flush or a merge: a new segment, saved deletions, a manifest. */
static void
maintain_rewrite(struct store *s, struct store_job *j)
{
	char seg[64], name[64];
	size_t i, saved = 0;

	seg[0] = '\0';
	if (maintain_segment(s, j, seg, sizeof(seg)) == -1)
		goto fail;
	for (saved = 0; saved < j->nsave; saved++) {
		manifest_del_name(name, sizeof(name), j->save[saved].file,
		    j->save[saved].gen);
		if (delfile_write(j->save[saved].del, s->dir, name, j->err,
		    sizeof(j->err)) == -1)
			goto fail;
	}
	if (manifest_write(s->dir, &j->manifest, j->err, sizeof(j->err)) == -1)
		goto fail;
	maintain_unlink_obsolete(s, j);
	j->status = 0;
	return;
fail:
	/* Nothing this job wrote is named by a manifest: take it back. */
	if (seg[0] != '\0') {
		datadir_unlink(s->dir, seg);
		manifest_att_name(name, sizeof(name), j->out_file);
		datadir_unlink(s->dir, name);
	}
	for (i = 0; i < saved; i++) {
		manifest_del_name(name, sizeof(name), j->save[i].file,
		    j->save[i].gen);
		datadir_unlink(s->dir, name);
	}
	j->status = -1;
}

static int
maintain_copy(const char *from, const char *to, uint64_t size,
    uint64_t *bytes, char *err, size_t errlen)
{
	char *buf = xmalloc(MAINTAIN_COPY_CHUNK);
	struct stat st;
	uint64_t off = 0, n;
	int in, out = -1, rc = -1;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &st) == -1) {
		snprintf(err, errlen, "%.900s: %s", from, strerror(errno));
		goto out;
	}
	if (size == 0 || size > (uint64_t)st.st_size)
		size = (uint64_t)st.st_size;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%.900s: %s", to, strerror(errno));
		goto out;
	}
	for (; off < size; off += n) {
		n = size - off < MAINTAIN_COPY_CHUNK ? size - off :
		    MAINTAIN_COPY_CHUNK;
		if (fsio_pread(in, buf, (size_t)n, (off_t)off) == -1 ||
		    fsio_write(out, buf, (size_t)n) == -1) {
			snprintf(err, errlen, "copying %.450s to %.450s: %s",
			    from, to, strerror(errno));
			goto out;
		}
	}
	if (fsync(out) == -1) {
		snprintf(err, errlen, "%.900s: fsync: %s", to, strerror(errno));
		goto out;
	}
	*bytes += size;
	rc = 0;
out:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	free(buf);
	return rc;
}

/* A hard link where it can, so a backup of a large index is instant. */
static int
maintain_link(struct store *s, struct store_backup *b, const char *name,
    char *err, size_t errlen)
{
	char from[4096], to[4096];
	struct stat st;

	if (fsio_path(from, sizeof(from), s->dir, name) == -1 ||
	    fsio_path(to, sizeof(to), b->dir, name) == -1) {
		snprintf(err, errlen, "%s: path too long", b->dir);
		return -1;
	}
	b->files++;
	if (link(from, to) == 0) {
		if (stat(to, &st) == 0)
			b->bytes += (uint64_t)st.st_size;
		return 0;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
		snprintf(err, errlen, "%.900s: link: %s", to, strerror(errno));
		return -1;
	}
	return maintain_copy(from, to, 0, &b->bytes, err, errlen);
}

static int
maintain_backup_files(struct store *s, struct store_job *j)
{
	struct store_backup *b = j->backup;
	char name[64], from[4096], to[4096];
	size_t i;

	for (i = 0; i < j->manifest.nsegs; i++) {
		manifest_seg_name(name, sizeof(name), j->manifest.segs[i].file);
		if (maintain_link(s, b, name, j->err, sizeof(j->err)) == -1)
			return -1;
		if (j->manifest.segs[i].delgen == 0)
			continue;
		manifest_del_name(name, sizeof(name), j->manifest.segs[i].file,
		    j->manifest.segs[i].delgen);
		if (maintain_link(s, b, name, j->err, sizeof(j->err)) == -1)
			return -1;
	}
	for (i = 0; i < j->nlogs; i++) {
		manifest_log_name(name, sizeof(name), j->logs[i].file);
		fsio_path(from, sizeof(from), s->dir, name);
		if (fsio_path(to, sizeof(to), b->dir, name) == -1 ||
		    (access(from, F_OK) == -1 && errno == ENOENT))
			continue;
		b->files++;
		if (maintain_copy(from, to, j->logs[i].size, &b->bytes, j->err,
		    sizeof(j->err)) == -1)
			return -1;
	}
	/* No log past the last one copied may be needed: say so. */
	j->manifest.next = j->nlogs > 0 ? j->logs[j->nlogs - 1].file + 1 :
	    j->manifest.next;
	return manifest_write(b->dir, &j->manifest, j->err, sizeof(j->err));
}

/*
 * Takes back what a failed backup made, so the same dir can be tried
 * again: it is a directory this job made, so all in it is the job's.
 */
static void
maintain_backup_undo(const char *dir)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				datadir_unlink(dir, de->d_name);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void
maintain_backup(struct store *s, struct store_job *j)
{
	if (mkdir(j->backup->dir, 0700) == -1) {
		snprintf(j->err, sizeof(j->err), "%s: %s", j->backup->dir,
		    errno == EEXIST ? "exists already; a backup goes into a "
		    "new directory" : strerror(errno));
		j->status = -1;
		return;
	}
	if (maintain_backup_files(s, j) == -1) {
		maintain_backup_undo(j->backup->dir);
		j->status = -1;
		return;
	}
	j->status = 0;
}

static void *
maintain_main(void *arg)
{
	struct store *s = arg;
	struct store_job *j;

	for (;;) {
		pthread_mutex_lock(&s->mlock);
		while (s->todo == NULL && !s->mstop)
			pthread_cond_wait(&s->mcond, &s->mlock);
		j = s->todo;
		s->todo = NULL;
		pthread_mutex_unlock(&s->mlock);
		if (j == NULL)
			break;
		if (j->type == STORE_JOB_BACKUP)
			maintain_backup(s, j);
		else
			maintain_rewrite(s, j);
		pthread_mutex_lock(&s->lock);
		s->finished = j;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

void
maintain_start(struct store *s)
{
	int rc;

	if ((rc = pthread_create(&s->maintainer, NULL, maintain_main, s)) != 0)
		fatalx("store: pthread_create: %s", strerror(rc));
}

void
maintain_post(struct store *s, struct store_job *j)
{
	pthread_mutex_lock(&s->mlock);
	s->todo = j;
	pthread_cond_signal(&s->mcond);
	pthread_mutex_unlock(&s->mlock);
}

void
maintain_stop(struct store *s)
{
	pthread_mutex_lock(&s->mlock);
	s->mstop = 1;
	pthread_cond_signal(&s->mcond);
	pthread_mutex_unlock(&s->mlock);
	pthread_join(s->maintainer, NULL);
}
