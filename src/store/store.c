/*
 * store.c: the store's public face and its writer thread: group commit,
 * applying writes, publishing snapshots, and handing flushes, merges and
 * backups to the maintainer one at a time.  See store.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deletes.h"
#include "engine.h"
#include "fsio.h"
#include "log.h"
#include "manifest.h"
#include "store_impl.h"
#include "wal.h"
#include "xmalloc.h"

/* After a flush or merge fails (a full disk, say), wait this long. */
#define STORE_RETRY_SECONDS	10

static void	*store_writer_main(void *);

static time_t
store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static struct store_saved *
store_saved_find(struct store *s, uint64_t file)
{
	size_t i;

	for (i = 0; i < s->nsaved; i++)
		if (s->saved[i].file == file)
			return &s->saved[i];
	return NULL;
}

static void
store_publish(struct store *s)
{
	size_t i, disk = 0;

	for (i = 0; i < s->live.nsegs; i++)
		disk += s->live.segs[i].tag != 0;
	atomic_store(&s->ndisk, disk);
	atomic_store(&s->nmemory, s->live.nsegs - disk);
	atomic_store(&s->seq, s->live.seq);
	snapshot_publish(s->cell, live_snapshot(&s->live));
}

static void
store_free(struct store *s)
{
	size_t i;

	live_free(&s->live);
	for (i = 0; i < s->nsaved; i++)
		deletes_free(s->saved[i].del);
	free(s->saved);
	manifest_free(&s->current);
	buf_free(&s->rec);
	free(s->adds);
	if (s->log_fd != -1)
		close(s->log_fd);
	datadir_unlock(s);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mlock);
	pthread_cond_destroy(&s->mcond);
	pthread_mutex_destroy(&s->slock);
	pthread_cond_destroy(&s->scond);
	free(s->dir);
	free(s);
}

struct store *
store_open(const struct store_options *o, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int rc;

	s->dir = xstrdup(o->dir);
	s->sync = o->sync;
	s->write_buffer = o->write_buffer ? o->write_buffer :
	    STORE_WRITE_BUFFER;
	s->cell = o->cell;
	s->lock_fd = s->log_fd = s->sync_fd = -1;
	live_init(&s->live, o->schema);
	buf_init(&s->rec);
	manifest_init(&s->current);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_init(&s->mlock, NULL);
	pthread_cond_init(&s->mcond, NULL);
	pthread_mutex_init(&s->slock, NULL);
	pthread_cond_init(&s->scond, NULL);
	s->writes_tail = &s->writes;
	if (recover_open(s, o, err, errlen) == -1) {
		store_free(s);
		return NULL;
	}
	store_publish(s);
	maintain_start(s);
	if (s->sync == STORE_SYNC_EVERYSEC) {
		syncer_start(s);
		syncer_log(s, s->log_fd);
	}
	if ((rc = pthread_create(&s->writer, NULL, store_writer_main, s)) != 0)
		fatalx("store: pthread_create: %s", strerror(rc));
	return s;
}

void
store_submit(struct store *s, struct store_write *w)
{
	w->next = NULL;
	pthread_mutex_lock(&s->lock);
	*s->writes_tail = w;
	s->writes_tail = &w->next;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
store_backup(struct store *s, struct store_backup *b)
{
	pthread_mutex_lock(&s->lock);
	b->next = s->new_backups;
	s->new_backups = b;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
store_info(struct store *s, struct store_info *info)
{
	memset(info, 0, sizeof(*info));
	info->seq = atomic_load(&s->seq);
	info->disk_segments = atomic_load(&s->ndisk);
	info->memory_segments = atomic_load(&s->nmemory);
	info->flushes = atomic_load(&s->flushes);
	info->merges = atomic_load(&s->merges);
	info->write_errors = atomic_load(&s->write_errors);
	info->log_bytes = atomic_load(&s->log_bytes);
	info->log_unusable = atomic_load(&s->unusable);
}

void
store_close(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->writer, NULL);
	maintain_stop(s);
	if (s->has_syncer)
		syncer_stop(s);
	if (s->sync != STORE_SYNC_NO && s->log_fd != -1 &&
	    !atomic_load(&s->unusable) && fsio_sync(s->log_fd) == -1)
		log_warn("%s: fsync of the log at exit", s->dir);
	store_free(s);
}

static void
store_fail(struct store_write *w, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
store_fail(struct store_write *w, const char *code, const char *fmt, ...)
{
	va_list ap;

	w->status = -1;
	w->code = code;
	va_start(ap, fmt);
	vsnprintf(w->message, sizeof(w->message), fmt, ap);
	va_end(ap);
}

/*
 * Encodes the group's records; a write that cannot be applied (too many
 * documents) is refused here, before anything reaches the log.  Returns
 * the last sequence number handed out.
 */
static uint64_t
store_encode(struct store *s, struct store_write *list)
{
	struct store_write *w;
	uint64_t seq = s->live.seq, room = live_room(&s->live);

	buf_reset(&s->rec);
	for (w = list; w != NULL; w = w->next) {
		w->status = 0;
		w->added = w->deleted = 0;
		if (w->op == STORE_ADD && w->ndocs > room) {
			store_fail(w, "too_many_documents", "the index holds "
			    "at most %u documents, deleted ones included "
			    "until merged", INDEX_DOCS_MAX);
			continue;
		}
		w->seq = ++seq;
		if (w->op == STORE_ADD) {
			room -= w->ndocs;
			wal_encode_add(&s->rec, w->seq, w->docs, w->ndocs);
		} else
			wal_encode_delete(&s->rec, w->seq, w->ids, w->lens,
			    w->nids);
	}
	return seq;
}

static void
store_fail_group(struct store_write *list, const char *code,
    const char *why)
{
	struct store_write *w;

	for (w = list; w != NULL; w = w->next)
		if (w->status == 0)
			store_fail(w, code, "%s", why);
}

/* Appends the group to the log, and syncs it if it must; -1: refused. */
static int
store_log(struct store *s, struct store_write *list)
{
	char why[512], name[64];

	manifest_log_name(name, sizeof(name), s->log_file);
	if (fsio_write(s->log_fd, s->rec.data, s->rec.len) == -1) {
		snprintf(why, sizeof(why), "cannot append to the log "
		    "(%s/%s): %s; the write was not made", s->dir, name,
		    strerror(errno));
		log_warnx("%s", why);
		atomic_fetch_add(&s->write_errors, 1);
		/* A part that did get in must not be followed by more. */
		if (ftruncate(s->log_fd, (off_t)s->log_size) == -1)
			unusable_set(s, "cannot cut a failed append off "
			    "%s/%s: %s", s->dir, name, strerror(errno));
		store_fail_group(list, "write_failed", why);
		return -1;
	}
	s->log_size += s->rec.len;
	atomic_fetch_add(&s->log_bytes, s->rec.len);
	if (s->sync == STORE_SYNC_ALWAYS && fsio_sync(s->log_fd) == -1) {
		snprintf(why, sizeof(why), "fsync of %s/%s failed: %s", s->dir,
		    name, strerror(errno));
		unusable_set(s, "%s", why);
		atomic_fetch_add(&s->write_errors, 1);
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "; the write may or may not have been kept");
		store_fail_group(list, "log_unusable", why);
		return -1;
	}
	return 0;
}

/*
 * Adds that follow one another in a group become one segment: what a
 * bulk import pipelines is built in larger pieces, which merge less.
 * Applying them together is applying them in order: of two documents
 * with one id, the later stays.
 */
static struct store_write *
store_apply_adds(struct store *s, struct store_write *first)
{
	struct store_write *w, *last = first;
	size_t n = 0, at = 0;
	char err[256];

	for (w = first; w != NULL && w->op == STORE_ADD; w = w->next) {
		if (w->status == 0) {
			n += w->ndocs;
			last = w;
		}
	}
	if (s->adds_cap < n) {
		s->adds_cap = n;
		s->adds = xreallocarray(s->adds, n, sizeof(*s->adds));
	}
	for (w = first; w != NULL && w->op == STORE_ADD; w = w->next) {
		if (w->status != 0)
			continue;
		if (w->ndocs > 0)
			memcpy(s->adds + at, w->docs, w->ndocs * sizeof(*w->docs));
		at += w->ndocs;
		w->added = w->ndocs;
	}
	if (live_add(&s->live, s->adds, n, last->seq, NULL, err,
	    sizeof(err)) == -1)
		fatalx("store: %s after the log took it", err);
	return w;
}

static void
store_apply(struct store *s, struct store_write *list)
{
	struct store_write *w = list;

	while (w != NULL) {
		if (w->status != 0) {
			w = w->next;
			continue;
		}
		if (w->op == STORE_ADD)
			w = store_apply_adds(s, w);
		else {
			w->deleted = live_delete(&s->live, w->ids, w->lens,
			    w->nids, w->seq);
			w = w->next;
		}
		live_compact(&s->live);
	}
}

/*
 * Group commit: everything that arrived while the last group was being
 * written goes to the log in one write and, with sync always, one
 * fdatasync, then is applied and published before any of it is answered.
 */
static void
store_group(struct store *s, struct store_write *list)
{
	struct store_write *w, *next;
	char why[sizeof(s->unusable_why)];
	uint64_t last;

	if (atomic_load(&s->unusable)) {
		unusable_why(s, why, sizeof(why));
		store_fail_group(list, "log_unusable", why);
		for (w = list; w != NULL; w = w->next)
			w->status = -1;
	} else {
		last = store_encode(s, list);
		if (s->rec.len > 0 && store_log(s, list) == 0) {
			store_apply(s, list);
			s->live.seq = last;
			store_publish(s);
			if (s->has_syncer)
				syncer_dirty(s);
		}
	}
	for (w = list; w != NULL; w = next) {
		next = w->next;
		w->done(w);
	}
}

static size_t
store_ndisk(const struct store *s)
{
	size_t n = 0;

	while (n < s->live.nsegs && s->live.segs[n].tag != 0)
		n++;
	return n;
}

static size_t
store_memory_bytes(const struct store *s)
{
	size_t i, bytes = 0;

	for (i = store_ndisk(s); i < s->live.nsegs; i++)
		bytes += s->live.segs[i].ix->memory;
	return bytes;
}

static void
store_obsolete(struct store_job *j, const char *name)
{
	buf_add(&j->obsolete, name, strlen(name) + 1);
}

/* Starts writing to a new log file; the old ones stay until a checkpoint. */
static int
store_rotate(struct store *s)
{
	char err[1024];
	int fd;

	if ((fd = datadir_log_create(s->dir, s->next_file, err,
	    sizeof(err))) == -1) {
		log_warnx("cannot start a new log file: %s", err);
		return -1;
	}
	if (s->sync != STORE_SYNC_NO && fsio_sync(s->log_fd) == -1)
		unusable_set(s, "fsync of the log of %s failed: %s",
		    s->dir, strerror(errno));
	close(s->log_fd);
	s->log_fd = fd;
	s->log_file = s->next_file++;
	s->log_size = WAL_FILE_HEAD_SIZE;
	if (s->has_syncer)
		syncer_log(s, fd);
	return 0;
}

/* The disk segments as the next manifest will have them. */
static void
store_manifest_disk(struct store *s, struct store_job *j, size_t ndisk)
{
	const struct live_seg *seg;
	struct store_saved *sv;
	uint64_t gen;
	char name[64];
	size_t i;

	for (i = 0; i < ndisk; i++) {
		seg = &s->live.segs[i];
		sv = store_saved_find(s, seg->tag);
		gen = sv != NULL ? sv->gen : 0;
		if (seg->del != NULL && (sv == NULL || sv->del != seg->del)) {
			j->save = xreallocarray(j->save, j->nsave + 1,
			    sizeof(*j->save));
			j->save[j->nsave].file = seg->tag;
			j->save[j->nsave].gen = ++gen;
			j->save[j->nsave++].del = deletes_retain(seg->del);
			if (gen > 1) {
				manifest_del_name(name, sizeof(name), seg->tag,
				    gen - 1);
				store_obsolete(j, name);
			}
		}
		manifest_add(&j->manifest, seg->tag, gen);
	}
}

/* A checkpoint: the small segments into a file, deletions saved. */
static void
store_start_flush(struct store *s)
{
	struct store_job *j;
	size_t ndisk = store_ndisk(s), n = s->live.nsegs - ndisk;
	uint64_t f, first_log = s->log_first;
	char name[64];

	if (n == 0 || store_rotate(s) == -1)
		return;
	j = xcalloc(1, sizeof(*j));
	j->type = STORE_JOB_FLUSH;
	buf_init(&j->obsolete);
	if (live_merge_begin(&s->live, ndisk, n, &j->merge) == -1)
		abort();	/* nothing else merges small segments meanwhile */
	j->out_file = s->next_file++;
	manifest_init(&j->manifest);
	manifest_copy_schema(&j->manifest, &s->current);
	j->manifest.checkpoint = s->live.seq;
	j->manifest.log = s->log_file;
	store_manifest_disk(s, j, ndisk);
	j->out_at = j->manifest.nsegs;
	manifest_add(&j->manifest, j->out_file, 0);
	j->manifest.next = s->next_file;
	for (f = first_log; f < s->log_file; f++) {
		manifest_log_name(name, sizeof(name), f);
		store_obsolete(j, name);
	}
	s->running = j;
	maintain_post(s, j);
}

/* Which segment files to merge next, if any: [*first, *first + *n). */
static int
store_pick_merge(const struct store *s, size_t *first, size_t *n)
{
	const struct live_seg *seg;
	size_t ndisk = store_ndisk(s), i, run = 0;
	uint64_t live, v;
	unsigned level = 0, l;

	for (i = 0; i < ndisk; i++) {
		seg = &s->live.segs[i];
		if (seg->del != NULL && seg->ix->ndocs > 0 &&
		    (double)seg->del->count > STORE_DELETED_MAX *
		    seg->ix->ndocs) {
			*first = i;
			*n = 1;
			return 1;
		}
	}
	for (i = ndisk; i-- > 0;) {
		seg = &s->live.segs[i];
		live = seg->ix->ndocs - (seg->del ? seg->del->count : 0);
		for (l = 0, v = live; v >= STORE_MERGE_FACTOR; l++)
			v /= STORE_MERGE_FACTOR;
		run = run > 0 && l == level ? run + 1 : 1;
		level = l;
		if (run == STORE_MERGE_FACTOR) {
			*first = i;
			*n = STORE_MERGE_FACTOR;
			return 1;
		}
	}
	return 0;
}

static void
store_start_merge(struct store *s, size_t first, size_t n)
{
	struct store_job *j;
	struct store_saved *sv;
	char name[64];
	size_t i;

	j = xcalloc(1, sizeof(*j));
	j->type = STORE_JOB_MERGE;
	buf_init(&j->obsolete);
	if (live_merge_begin(&s->live, first, n, &j->merge) == -1)
		abort();	/* no job runs: nothing is busy */
	j->out_file = s->next_file++;
	manifest_init(&j->manifest);
	manifest_copy_schema(&j->manifest, &s->current);
	j->manifest.checkpoint = s->current.checkpoint;
	j->manifest.log = s->current.log;
	for (i = 0; i < s->current.nsegs; i++) {
		if (i == first)
			manifest_add(&j->manifest, j->out_file, 0);
		if (i >= first && i < first + n) {
			manifest_seg_name(name, sizeof(name),
			    s->current.segs[i].file);
			store_obsolete(j, name);
			manifest_att_name(name, sizeof(name),
			    s->current.segs[i].file);
			store_obsolete(j, name);
			if ((sv = store_saved_find(s,
			    s->current.segs[i].file)) != NULL && sv->gen != 0) {
				manifest_del_name(name, sizeof(name), sv->file,
				    sv->gen);
				store_obsolete(j, name);
			}
			continue;
		}
		manifest_add(&j->manifest, s->current.segs[i].file,
		    s->current.segs[i].delgen);
	}
	j->out_at = first;
	j->manifest.next = s->next_file;
	s->running = j;
	maintain_post(s, j);
}

static void
store_start_backup(struct store *s, struct store_backup *b)
{
	struct store_job *j;
	uint64_t f;
	size_t i;

	j = xcalloc(1, sizeof(*j));
	j->type = STORE_JOB_BACKUP;
	buf_init(&j->obsolete);
	j->backup = b;
	b->seq = s->live.seq;
	manifest_init(&j->manifest);
	j->manifest = s->current;
	j->manifest.segs = xreallocarray(NULL, s->current.nsegs + 1,
	    sizeof(*j->manifest.segs));
	for (i = 0; i < s->current.nsegs; i++)
		j->manifest.segs[i] = s->current.segs[i];
	for (f = s->current.log; f <= s->log_file; f++) {
		j->logs = xreallocarray(j->logs, j->nlogs + 1,
		    sizeof(*j->logs));
		j->logs[j->nlogs].file = f;
		/* The current one only as far as whole records go. */
		j->logs[j->nlogs++].size = f == s->log_file ? s->log_size : 0;
	}
	s->running = j;
	maintain_post(s, j);
}

/* What to hand the maintainer next, if it is idle. */
static void
store_schedule(struct store *s, int stopping, time_t *retry_at)
{
	struct store_backup *b;
	size_t first, n;

	if (s->running != NULL)
		return;
	if (s->backups != NULL) {
		b = s->backups;
		s->backups = b->next;
		store_start_backup(s, b);
		return;
	}
	if (*retry_at != 0 && store_now() < *retry_at)
		return;
	*retry_at = 0;
	if (stopping) {
		if (store_ndisk(s) < s->live.nsegs && !s->flush_failed)
			store_start_flush(s);
		return;
	}
	if (store_memory_bytes(s) >= s->write_buffer) {
		store_start_flush(s);
		return;
	}
	if (store_pick_merge(s, &first, &n))
		store_start_merge(s, first, n);
}

static void
store_saved_set(struct store *s, uint64_t file, uint64_t gen,
    struct deletes *del)
{
	struct store_saved *sv = store_saved_find(s, file);

	if (sv == NULL) {
		s->saved = xreallocarray(s->saved, s->nsaved + 1,
		    sizeof(*s->saved));
		sv = &s->saved[s->nsaved++];
		sv->file = file;
		sv->del = NULL;
	}
	deletes_free(sv->del);
	sv->gen = gen;
	sv->del = del;
}

static void
store_saved_drop(struct store *s, uint64_t file)
{
	struct store_saved *sv = store_saved_find(s, file);

	if (sv == NULL)
		return;
	deletes_free(sv->del);
	*sv = s->saved[--s->nsaved];
}

static void
store_finish_flush(struct store *s, struct store_job *j)
{
	size_t i;

	live_merge_end(&s->live, &j->merge, j->out, j->maps,
	    j->out->ndocs > 0 ? j->out_file : 0);
	if (j->out->ndocs > 0)
		store_saved_set(s, j->out_file, 0, NULL);
	j->out = NULL;
	j->maps = NULL;
	for (i = 0; i < j->nsave; i++) {
		store_saved_set(s, j->save[i].file, j->save[i].gen,
		    j->save[i].del);
		j->save[i].del = NULL;
	}
	s->checkpoint = j->manifest.checkpoint;
	s->log_first = j->manifest.log;
	atomic_store(&s->log_bytes, s->log_size - WAL_FILE_HEAD_SIZE);
	atomic_fetch_add(&s->flushes, 1);
	live_compact(&s->live);
}

/* The inputs were current's segments out_at on: no job ran meanwhile. */
static void
store_finish_merge(struct store *s, struct store_job *j)
{
	size_t i;
	int kept = j->out->ndocs > 0;

	for (i = 0; i < j->merge.n; i++)
		store_saved_drop(s, s->current.segs[j->out_at + i].file);
	live_merge_end(&s->live, &j->merge, j->out, j->maps,
	    kept ? j->out_file : 0);
	if (kept)
		store_saved_set(s, j->out_file, 0, NULL);
	j->out = NULL;
	j->maps = NULL;
	atomic_fetch_add(&s->merges, 1);
	live_compact(&s->live);
}

static void
store_finish(struct store *s, struct store_job *j, time_t *retry_at)
{
	if (j->type == STORE_JOB_BACKUP) {
		j->backup->status = j->status;
		if (j->status != 0)
			snprintf(j->backup->message,
			    sizeof(j->backup->message), "%s", j->err);
		j->backup->done(j->backup);
	} else if (j->status != 0) {
		log_warnx("%s failed: %s; trying again in %d s",
		    j->type == STORE_JOB_FLUSH ? "flush" : "merge", j->err,
		    STORE_RETRY_SECONDS);
		live_merge_abort(&s->live, &j->merge);
		*retry_at = store_now() + STORE_RETRY_SECONDS;
		if (j->type == STORE_JOB_FLUSH)
			s->flush_failed = 1;
	} else {
		if (j->type == STORE_JOB_FLUSH)
			store_finish_flush(s, j);
		else
			store_finish_merge(s, j);
		s->flush_failed = 0;
		manifest_free(&s->current);
		s->current = j->manifest;
		manifest_init(&j->manifest);
		store_publish(s);
	}
	maintain_job_free(j);
	s->running = NULL;
}

/* Waits for work, or until a retry is due. */
static void
store_wait(struct store *s, time_t retry_at)
{
	struct timespec ts;

	if (s->writes != NULL || s->finished != NULL ||
	    s->new_backups != NULL || (s->stopping && s->running == NULL))
		return;
	if (retry_at == 0) {
		pthread_cond_wait(&s->cond, &s->lock);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += retry_at > store_now() ? retry_at - store_now() : 0;
	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void
store_fail_backups(struct store_backup *b, const char *why)
{
	struct store_backup *next;

	for (; b != NULL; b = next) {
		next = b->next;
		b->status = -1;
		snprintf(b->message, sizeof(b->message), "%s", why);
		b->done(b);
	}
}

static void *
store_writer_main(void *arg)
{
	struct store *s = arg;
	struct store_write *writes;
	struct store_backup *b, *nb;
	struct store_job *finished;
	time_t retry_at = 0;
	int stopping;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		store_wait(s, retry_at);
		writes = s->writes;
		s->writes = NULL;
		s->writes_tail = &s->writes;
		finished = s->finished;
		s->finished = NULL;
		nb = s->new_backups;
		s->new_backups = NULL;
		stopping = s->stopping;
		pthread_mutex_unlock(&s->lock);

		for (; nb != NULL; nb = b) {
			b = nb->next;
			nb->next = s->backups;
			s->backups = nb;
		}
		if (finished != NULL)
			store_finish(s, finished, &retry_at);
		if (writes != NULL)
			store_group(s, writes);
		if (stopping && s->backups != NULL) {
			store_fail_backups(s->backups, "searchd is shutting "
			    "down");
			s->backups = NULL;
		}
		store_schedule(s, stopping, &retry_at);
		if (stopping && s->running == NULL)
			break;
	}
	build_cache_free();
	return NULL;
}
