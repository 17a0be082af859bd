/*
 * recover.c: opening a data_dir.  An empty one is filled from the corpus
 * files (or the tutorial's documents); otherwise the manifest's segments
 * and deletions are opened and checked, and the log past its checkpoint
 * is replayed.  Whatever is damaged stops the start with where and why:
 * only a torn last record, which a crash in mid-append leaves, is cut.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
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
#include "wal.h"
#include "xmalloc.h"

/* The first data_dir gets its documents from the corpus, as segment 1. */
static int
recover_init(struct store *s, const struct store_options *o,
    struct manifest *m, char *err, size_t errlen)
{
	struct index *ix;
	char name[64], why[1024];

	if (o->ncorpus == 0)
		ix = import_builtin(o->schema);
	else if ((ix = import_files(o->corpus, o->ncorpus, o->schema, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	manifest_seg_name(name, sizeof(name), 1);
	if (segfile_write(ix, s->dir, name, err, errlen) == -1) {
		index_free(ix);
		return -1;
	}
	log_info("%s: imported %u documents from %s into %s", s->dir,
	    ix->ndocs, o->ncorpus == 0 ? "the built-in corpus" :
	    "the corpus files", name);
	index_free(ix);
	manifest_init(m);
	manifest_set_schema(m, o->schema);
	m->checkpoint = 0;
	/* Log 2 is made when the store opens: no log is lost until then. */
	m->log = 2;
	m->next = 2;
	manifest_add(m, 1, 0);
	return manifest_write(s->dir, m, err, errlen);
}

/* Threads that check segment files at a start: it reads every byte. */
#define RECOVER_THREADS		4

/* The segment files to open, shared by the threads opening them. */
struct recover_files {
	const char		*dir;
	struct schema		*schema;
	const struct manifest	*m;
	enum segfile_check	 how;
	atomic_size_t		 next;
	struct index		**ix;		/* by manifest order */
	char			(*err)[1024];
};

/*
 * A segment's attribute columns as it opens: from its attribute file, or
 * made from its documents and saved.
 */
static void
recover_attrs(struct recover_files *f, size_t i, const char *name)
{
	char why[512];

	f->ix[i]->schema = schema_retain(f->schema);
	/* Past an empty one, MANIFEST's fields say how many lengths. */
	if (f->ix[i]->ndocs > 0 && f->ix[i]->nfl != schema_nfl(f->schema)) {
		snprintf(f->err[i], sizeof(f->err[i]), "%s/%s: it has %u "
		    "lengths per document, but MANIFEST lists %u fields",
		    f->dir, name, f->ix[i]->nfl, schema_nfl(f->schema));
		index_free(f->ix[i]);
		f->ix[i] = NULL;
		return;
	}
	f->ix[i]->nfl = schema_nfl(f->schema);
	if (attrfile_attach(f->ix[i], f->dir, f->m->segs[i].file, why,
	    sizeof(why)) == 0)
		return;
	snprintf(f->err[i], sizeof(f->err[i]), "%s/%s: %s, which the "
	    "attributes in the configuration do not allow: correct the "
	    "schema, or import the documents again into an empty data_dir",
	    f->dir, name, why);
	index_free(f->ix[i]);
	f->ix[i] = NULL;
}

static void *
recover_files_main(void *arg)
{
	struct recover_files *f = arg;
	char name[64];
	size_t i;

	while ((i = atomic_fetch_add(&f->next, 1)) < f->m->nsegs) {
		manifest_seg_name(name, sizeof(name), f->m->segs[i].file);
		f->ix[i] = segfile_open(f->dir, name, f->how, f->err[i],
		    sizeof(f->err[i]));
		if (f->ix[i] != NULL)
			recover_attrs(f, i, name);
	}
	return NULL;
}

/*
 * Opens the manifest's segment files, several at a time: checking their
 * checksums is most of a start.  Returns the indexes in manifest order, or
 * NULL with the first failure's reason.
 */
static struct index **
recover_files(const char *dir, struct schema *sc, const struct manifest *m,
    enum segfile_check how, char *err, size_t errlen)
{
	struct recover_files f;
	pthread_t threads[RECOVER_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n, started = 0, i;

	memset(&f, 0, sizeof(f));
	f.dir = dir;
	f.schema = sc;
	f.m = m;
	f.how = how;
	atomic_init(&f.next, 0);
	f.ix = xcalloc(m->nsegs + 1, sizeof(*f.ix));
	f.err = xcalloc(m->nsegs + 1, sizeof(*f.err));
	n = cpus > 1 ? (size_t)cpus : 1;
	if (n > RECOVER_THREADS)
		n = RECOVER_THREADS;
	if (n > m->nsegs)
		n = m->nsegs;
	for (i = 1; i < n; i++)
		if (pthread_create(&threads[started], NULL, recover_files_main,
		    &f) == 0)
			started++;
	recover_files_main(&f);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < m->nsegs && f.ix[i] != NULL; i++)
		;
	if (i < m->nsegs) {
		snprintf(err, errlen, "%s", f.err[i]);
		for (i = 0; i < m->nsegs; i++)
			index_free(f.ix[i]);
		free(f.ix);
		f.ix = NULL;
	}
	free(f.err);
	return f.ix;
}

/* A data_dir just made has its first segment checked through. */
static int
recover_segments(struct store *s, const struct manifest *m,
    enum segfile_check how, char *err, size_t errlen)
{
	struct index **files, *ix;
	struct deletes *del;
	char name[64];
	size_t i;

	if ((files = recover_files(s->dir, s->live.schema, m, how, err,
	    errlen)) == NULL)
		return -1;
	s->saved = xcalloc(m->nsegs + 1, sizeof(*s->saved));
	for (i = 0; i < m->nsegs; i++) {
		ix = files[i];
		files[i] = NULL;
		del = NULL;
		if (m->segs[i].delgen != 0) {
			manifest_del_name(name, sizeof(name), m->segs[i].file,
			    m->segs[i].delgen);
			if ((del = delfile_read(ix, s->dir, name, err,
			    errlen)) == NULL) {
				index_free(ix);
				for (; i < m->nsegs; i++)
					index_free(files[i]);
				free(files);
				return -1;
			}
		}
		s->saved[s->nsaved].file = m->segs[i].file;
		s->saved[s->nsaved].gen = m->segs[i].delgen;
		s->saved[s->nsaved++].del = del ? deletes_retain(del) : NULL;
		live_append(&s->live, ix, del, m->segs[i].file);
	}
	free(files);
	return 0;
}

/*
 * A replay in progress.  Adds that follow one another in the log are
 * applied as one segment, as store_apply_adds applies a group: replaying
 * a log of one-document writes record by record would build and merge a
 * segment per write.  docs point into the mapped log file, so what is
 * pending is applied before that file is unmapped.
 */
struct replay {
	struct store		*s;
	struct build_doc	*docs;
	size_t			 n, cap;
	uint64_t		 seq;		/* of the last record taken */
};

/* Most documents held back for one segment. */
#define REPLAY_BATCH	65536

static int
replay_flush(struct replay *rp, char *err, size_t errlen)
{
	struct store *s = rp->s;

	if (rp->seq == s->live.seq)
		return 0;
	if (live_add(&s->live, rp->docs, rp->n, rp->seq, NULL, err,
	    errlen) == -1)
		return -1;
	rp->n = 0;
	live_compact(&s->live);
	return 0;
}

/* An add made before the attributes changed may not fit them. */
static int
recover_check_docs(struct store *s, const struct wal_record *r, char *err,
    size_t errlen)
{
	const struct build_doc *d;
	char why[512];
	size_t i;

	for (i = 0; i < r->ndocs; i++) {
		d = &r->docs[i];
		if (attrs_check(s->live.schema, d->extra, d->extra_len, why,
		    sizeof(why)) == 0)
			continue;
		snprintf(err, errlen, "write %llu, document \"%.*s\": %s, "
		    "which the attributes in the configuration do not allow: "
		    "correct the schema, or import the documents again into "
		    "an empty data_dir", (unsigned long long)r->seq,
		    (int)(d->id_len > 200 ? 200 : d->id_len), d->id, why);
		return -1;
	}
	return 0;
}

/* Takes one replayed record past the checkpoint. */
static int
recover_apply(void *arg, const struct wal_record *r, char *err,
    size_t errlen)
{
	struct replay *rp = arg;
	struct store *s = rp->s;

	if (r->seq <= s->checkpoint)
		return 0;
	if (r->seq != rp->seq + 1) {
		snprintf(err, errlen, "write %llu follows %llu: writes after "
		    "the checkpoint are missing from the log",
		    (unsigned long long)r->seq, (unsigned long long)rp->seq);
		return -1;
	}
	if (r->type == WAL_ADD) {
		if (recover_check_docs(s, r, err, errlen) == -1)
			return -1;
		if (rp->n + r->ndocs > REPLAY_BATCH &&
		    replay_flush(rp, err, errlen) == -1)
			return -1;
		if (rp->cap < rp->n + r->ndocs) {
			rp->cap = rp->n + r->ndocs > REPLAY_BATCH ?
			    rp->n + r->ndocs : REPLAY_BATCH;
			rp->docs = xreallocarray(rp->docs, rp->cap,
			    sizeof(*rp->docs));
		}
		if (r->ndocs > 0)
			memcpy(rp->docs + rp->n, r->docs,
			    r->ndocs * sizeof(*r->docs));
		rp->n += r->ndocs;
		rp->seq = r->seq;
		return 0;
	}
	if (replay_flush(rp, err, errlen) == -1)
		return -1;
	live_delete(&s->live, r->ids, r->lens, r->nids, r->seq);
	live_compact(&s->live);
	rp->seq = r->seq;
	return 0;
}

/* Cuts a torn last record off, saying so once. */
static int
recover_cut(const char *path, const struct wal_scan *scan, char *err,
    size_t errlen)
{
	if (truncate(path, (off_t)scan->end) == -1) {
		snprintf(err, errlen, "%s: cannot cut its torn last record: "
		    "%s", path, strerror(errno));
		return -1;
	}
	log_warnx("%s:%llu: cut %llu bytes of a torn last record (a crash "
	    "in mid-append); every record before it is kept", path,
	    (unsigned long long)scan->end,
	    (unsigned long long)(scan->size - scan->end));
	return 0;
}

static int
recover_log(struct replay *rp, uint64_t file, int last, uint64_t *prev,
    char *err, size_t errlen)
{
	struct store *s = rp->s;
	struct wal_scan scan;
	struct stat st;
	char name[64], path[4096], why[1024];
	void *map = NULL;
	int fd, rc;

	manifest_log_name(name, sizeof(name), file);
	fsio_path(path, sizeof(path), s->dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size,
	    PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	rc = wal_scan(map != NULL ? map : "", (size_t)st.st_size, file, *prev,
	    recover_apply, rp, &scan, why, sizeof(why));
	if (rc == -1)
		snprintf(err, errlen, "%s:%s", path, why);
	else if ((rc = replay_flush(rp, why, sizeof(why))) == -1)
		snprintf(err, errlen, "%s: %s", path, why);
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	if (rc == -1)
		return -1;
	if (scan.records > 0)
		*prev = scan.last_seq;
	if (scan.torn && !last) {
		snprintf(err, errlen, "%s:%llu: a record is cut short, and "
		    "later log files follow: the log is damaged", path,
		    (unsigned long long)scan.end);
		return -1;
	}
	if (scan.torn && recover_cut(path, &scan, err, errlen) == -1)
		return -1;
	return 0;
}

static int
recover_replay(struct store *s, const struct manifest *m, char *err,
    size_t errlen)
{
	struct replay rp = { .s = s, .seq = s->live.seq };
	uint64_t *files, prev = 0, before = s->live.seq;
	size_t n, i;
	int rc = 0;

	n = datadir_logs(s->dir, m->log, &files);
	/* A manifest names only a log that was made before it was written. */
	if (m->log < m->next && (n == 0 || files[0] != m->log)) {
		snprintf(err, errlen, "%s: log file %llu, which the manifest "
		    "needs, is missing", s->dir, (unsigned long long)m->log);
		free(files);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = recover_log(&rp, files[i], i == n - 1, &prev, err, errlen);
	free(files);
	free(rp.docs);
	build_cache_free();
	if (rc == 0 && s->live.seq > before)
		log_info("%s: replayed writes %llu to %llu from the log", s->dir,
		    (unsigned long long)before + 1,
		    (unsigned long long)s->live.seq);
	return rc;
}

/* Makes the directory if only it is missing, as systemd's would be. */
static int
recover_mkdir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if (errno == ENOENT && mkdir(dir, 0700) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return -1;
}

/* Names the fields as "(title, text)", or "none". */
static void
recover_field_list(struct buf *b, const char (*names)[MANIFEST_FIELD_MAX + 1],
    const struct schema *sc, size_t n)
{
	size_t i;

	if (n == 0) {
		buf_addf(b, "none");
		return;
	}
	buf_addc(b, '(');
	for (i = 0; i < n; i++)
		buf_addf(b, "%s%s", i > 0 ? ", " : "", names != NULL ?
		    names[i] : sc->fields[i].name);
	buf_addc(b, ')');
}

/* Words indexed one way are no index for another: say which differs. */
static void
recover_schema_error(const struct store *s, const struct manifest *m,
    const struct schema *sc, char *err, size_t errlen)
{
	struct buf had, want;

	if (m->lang != schema_lang(sc)) {
		snprintf(err, errlen, "%s: its index is stemmed in %s, but the "
		    "configuration says language %s: a language applies from "
		    "an empty data_dir, into which the documents are imported "
		    "again", s->dir, m->lang ? m->lang : "none",
		    schema_lang(sc) ? schema_lang(sc) : "none");
		return;
	}
	buf_init(&had);
	buf_init(&want);
	recover_field_list(&had, m->fields, NULL, m->nfields);
	recover_field_list(&want, NULL, sc, sc != NULL ? sc->nfields : 0);
	buf_addc(&had, '\0');
	buf_addc(&want, '\0');
	snprintf(err, errlen, "%s: its index has the fields %s, but the "
	    "configuration declares %s: fields apply from an empty data_dir, "
	    "into which the documents are imported again", s->dir, had.data,
	    want.data);
	buf_free(&had);
	buf_free(&want);
}

int
recover_open(struct store *s, const struct store_options *o, char *err,
    size_t errlen)
{
	struct manifest m;
	char stray[256];
	uint64_t max;
	int rc;

	if (recover_mkdir(s->dir, err, errlen) == -1 ||
	    datadir_lock(s, err, errlen) == -1)
		return -1;
	if ((rc = manifest_read(s->dir, &m, err, errlen)) == -1)
		return -1;
	if (rc == 1) {
		if (datadir_has_files(s->dir, stray, sizeof(stray))) {
			snprintf(err, errlen, "%s: no MANIFEST, yet it holds "
			    "%s: not a searchd data_dir, or its MANIFEST is "
			    "lost", s->dir, stray);
			return -1;
		}
		if (recover_init(s, o, &m, err, errlen) == -1)
			return -1;
	} else if (!manifest_same_schema(&m, o->schema)) {
		recover_schema_error(s, &m, o->schema, err, errlen);
		manifest_free(&m);
		return -1;
	}
	s->checkpoint = m.checkpoint;
	s->live.seq = m.checkpoint;
	s->log_first = m.log;
	if (recover_segments(s, &m, rc == 1 ? SEGFILE_FULL : SEGFILE_SUMS,
	    err, errlen) == -1 ||
	    recover_replay(s, &m, err, errlen) == -1) {
		manifest_free(&m);
		return -1;
	}
	max = datadir_max_file(s->dir);
	s->next_file = m.next > max + 1 ? m.next : max + 1;
	s->log_file = s->next_file++;
	if ((s->log_fd = datadir_log_create(s->dir, s->log_file, err,
	    errlen)) == -1) {
		manifest_free(&m);
		return -1;
	}
	s->log_size = WAL_FILE_HEAD_SIZE;
	datadir_clean(s->dir, &m);
	s->current = m;
	return 0;
}
