/* load.c: see load.h. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "corpus.h"
#include "load.h"
#include "xmalloc.h"

/*
 * The batches form a ring: the producer fills them at fill, the caller
 * takes them at take, and full counts those in between.  The lock guards
 * full, stop and the ring positions; a batch itself belongs to one side
 * at a time, so its contents need no lock.
 */
struct load {
	const char *const	*paths;
	size_t			 npaths;
	const struct schema	*schema;

	/* The producer's alone, or the caller's when there is no thread. */
	struct corpus_reader	 r;
	size_t			 file;		/* being read */
	char			 reason[512];
	struct buf		 err;

	int			 threaded;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 filled;	/* the caller waits on it */
	pthread_cond_t		 emptied;	/* the producer waits on it */
	struct load_batch	 batches[LOAD_BATCHES];
	size_t			 fill;
	size_t			 take;
	size_t			 full;
	int			 stop;		/* the caller gave up */
	int			 ended;		/* the caller took the last */
};

static int
load_fail(struct load *l, int with_line, const char *reason)
{
	buf_reset(&l->err);
	if (with_line)
		buf_addf(&l->err, "%s:%llu: %s", l->paths[l->file],
		    (unsigned long long)l->r.line, reason);
	else
		buf_addf(&l->err, "%s: %s", l->paths[l->file], reason);
	buf_addc(&l->err, '\0');
	return -1;
}

/* Reads the next document: 1, 0 after the last file, or -1 on error. */
static int
load_read(struct load *l, struct corpus_doc *cd)
{
	const char *line;
	size_t len;
	int rc;

	for (;;) {
		if (l->r.fd == -1) {
			if (l->file == l->npaths)
				return 0;
			if (corpus_reader_open(&l->r, l->paths[l->file]) == -1)
				return load_fail(l, 0, strerror(errno));
		}
		rc = corpus_reader_next(&l->r, &line, &len, l->reason,
		    sizeof(l->reason));
		if (rc == 0) {
			corpus_reader_close(&l->r);
			l->file++;
			continue;
		}
		if (rc == -2)
			return load_fail(l, 0, l->reason);
		if (rc == 1)
			rc = corpus_parse_line(line, len, cd, l->reason,
			    sizeof(l->reason));
		if (rc == 1 && attrs_check(l->schema, cd->extra.data,
		    cd->extra.len, l->reason, sizeof(l->reason)) == -1) {
			corpus_doc_free(cd);
			rc = -1;
		}
		if (rc == -1)
			return load_fail(l, 1, l->reason);
		if (rc == 1)
			return 1;
	}
}

/* Empties a batch; one huge line does not keep its memory for long. */
static void
load_batch_reset(struct load_batch *lb)
{
	lb->ndocs = 0;
	lb->last = 0;
	lb->err = NULL;
	buf_trim(&lb->fields, 4 * LOAD_BATCH_BYTES);
	buf_reset(&lb->fields);
	if (lb->words.cap * sizeof(*lb->words.v) > 4 * LOAD_BATCH_BYTES)
		words_free(&lb->words);
	words_reset(&lb->words);
	buf_trim(&lb->words.terms, 4 * LOAD_BATCH_BYTES);
	buf_reset(&lb->words.terms);
}

static int
load_batch_full(const struct load_batch *lb)
{
	return lb->ndocs == LOAD_BATCH_DOCS || lb->fields.len +
	    lb->words.terms.len + lb->words.n * sizeof(*lb->words.v) >=
	    LOAD_BATCH_BYTES;
}

static void
load_batch_add(struct load_batch *lb, const struct schema *sc,
    const struct corpus_doc *cd, uint32_t file, uint64_t line)
{
	struct load_doc *ld;
	struct build_doc *bd;

	if (lb->ndocs == lb->docs_cap) {
		lb->docs_cap = lb->docs_cap ? lb->docs_cap * 2 : 256;
		lb->docs = xreallocarray(lb->docs, lb->docs_cap,
		    sizeof(*lb->docs));
	}
	ld = &lb->docs[lb->ndocs++];
	memset(ld, 0, sizeof(*ld));
	ld->file = file;
	ld->line = line;
	ld->fields_off = lb->fields.len;
	ld->first_word = lb->words.n;
	bd = &ld->bd;
	bd->id_len = cd->id_len;
	bd->title = cd->title;		/* only whether there is one, for now */
	bd->title_len = cd->title_len;
	bd->text_len = cd->text_len;
	bd->extra_len = cd->extra.len;
	buf_add(&lb->fields, cd->id, cd->id_len);
	buf_add(&lb->fields, cd->title, cd->title_len);
	buf_add(&lb->fields, cd->text, cd->text_len);
	buf_add(&lb->fields, cd->extra.data, cd->extra.len);
	bd->nwords = words_add_doc(&lb->words, sc, cd->title,
	    cd->title_len, cd->text, cd->text_len, cd->extra.data,
	    cd->extra.len, bd->fl);
}

/* Points each document into the batch, now that nothing moves. */
static void
load_batch_seal(struct load_batch *lb)
{
	struct build_doc *bd;
	const char *p;
	size_t i;

	for (i = 0; i < lb->ndocs; i++) {
		bd = &lb->docs[i].bd;
		p = lb->fields.data + lb->docs[i].fields_off;
		bd->id = p;
		p += bd->id_len;
		if (bd->title != NULL) {
			bd->title = p;
			p += bd->title_len;
		}
		bd->text = p;
		bd->extra = p + bd->text_len;
		bd->words = lb->words.v + lb->docs[i].first_word;
		bd->terms = lb->words.terms.data;
	}
}

/* Fills a batch with the documents that come next. */
static void
load_fill(struct load *l, struct load_batch *lb)
{
	struct corpus_doc cd;
	int rc = 1;

	load_batch_reset(lb);
	while (!load_batch_full(lb)) {
		if ((rc = load_read(l, &cd)) != 1)
			break;
		load_batch_add(lb, l->schema, &cd, (uint32_t)l->file,
		    l->r.line);
		corpus_doc_free(&cd);
	}
	load_batch_seal(lb);
	lb->last = rc != 1;
	if (rc == -1)
		lb->err = l->err.data;
}

/* The producer's wait for a batch to fill: NULL when told to stop. */
static struct load_batch *
load_wait_empty(struct load *l)
{
	struct load_batch *lb = NULL;

	pthread_mutex_lock(&l->lock);
	while (l->full == LOAD_BATCHES && !l->stop)
		pthread_cond_wait(&l->emptied, &l->lock);
	if (!l->stop)
		lb = &l->batches[l->fill];
	pthread_mutex_unlock(&l->lock);
	return lb;
}

static void *
load_main(void *arg)
{
	struct load *l = arg;
	struct load_batch *lb;

	while ((lb = load_wait_empty(l)) != NULL) {
		load_fill(l, lb);
		pthread_mutex_lock(&l->lock);
		l->fill = (l->fill + 1) % LOAD_BATCHES;
		l->full++;
		pthread_cond_signal(&l->filled);
		pthread_mutex_unlock(&l->lock);
		if (lb->last)
			break;
	}
	return NULL;
}

/* Without a thread the caller fills each batch itself, just slower. */
static void
load_spawn(struct load *l)
{
	sigset_t all, old;

	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->filled, NULL);
	pthread_cond_init(&l->emptied, NULL);
	/* Signals are for the daemon's own threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	l->threaded = pthread_create(&l->thread, NULL, load_main, l) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!l->threaded) {
		pthread_cond_destroy(&l->emptied);
		pthread_cond_destroy(&l->filled);
		pthread_mutex_destroy(&l->lock);
	}
}

struct load *
load_start(const char *const *paths, size_t npaths, const struct schema *sc)
{
	struct load *l;
	size_t i;

	l = xcalloc(1, sizeof(*l));
	l->paths = paths;
	l->npaths = npaths;
	l->schema = sc;
	l->r.fd = -1;
	buf_init(&l->err);
	for (i = 0; i < LOAD_BATCHES; i++) {
		buf_init(&l->batches[i].fields);
		words_init(&l->batches[i].words, schema_lang(sc));
	}
	load_spawn(l);
	return l;
}

struct load_batch *
load_next(struct load *l)
{
	struct load_batch *lb;

	if (l->ended)
		return NULL;
	if (!l->threaded) {
		lb = &l->batches[0];
		load_fill(l, lb);
	} else {
		pthread_mutex_lock(&l->lock);
		while (l->full == 0)
			pthread_cond_wait(&l->filled, &l->lock);
		lb = &l->batches[l->take];
		pthread_mutex_unlock(&l->lock);
	}
	l->ended = lb->last;
	return lb;
}

void
load_done(struct load *l, struct load_batch *lb)
{
	if (!l->threaded)
		return;
	pthread_mutex_lock(&l->lock);
	l->take = (l->take + 1) % LOAD_BATCHES;
	l->full--;
	pthread_cond_signal(&l->emptied);
	pthread_mutex_unlock(&l->lock);
}

void
load_free(struct load *l)
{
	size_t i;

	if (l->threaded) {
		pthread_mutex_lock(&l->lock);
		l->stop = 1;
		pthread_cond_signal(&l->emptied);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
		pthread_cond_destroy(&l->emptied);
		pthread_cond_destroy(&l->filled);
		pthread_mutex_destroy(&l->lock);
	}
	corpus_reader_close(&l->r);
	for (i = 0; i < LOAD_BATCHES; i++) {
		free(l->batches[i].docs);
		buf_free(&l->batches[i].fields);
		words_free(&l->batches[i].words);
	}
	buf_free(&l->err);
	free(l);
}
