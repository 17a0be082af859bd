/*
 * snapshot.h: the index as searches see it at one moment: its segments,
 * oldest first, each with its deletions, and the statistics of the live
 * documents (N and the words they hold) that BM25 ranks by.
 *
 * A snapshot never changes.  Writers make a new one for every change and
 * publish it in a snapshot_cell; a search takes the current one and keeps
 * it for as long as it runs, so writes never wait for searches nor
 * searches for writes.  Documents are numbered across the snapshot: a
 * segment's document d is number base + d, so ranking ties fall in the
 * order documents were written, as in one index built from scratch.
 */
#ifndef SEARCHD_SNAPSHOT_H
#define SEARCHD_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct deletes;
struct index;
struct index_doc;

struct snapshot_seg {
	struct index	*ix;
	struct deletes	*del;		/* NULL: nothing deleted */
	uint32_t	 base;
};

/* Counted references; made by snapshot_new, freed by the last release. */
struct snapshot {
	_Atomic unsigned	 refs;
	uint64_t		 seq;		/* of the last write it shows */
	struct snapshot_seg	*segs;
	size_t			 nsegs;
	uint64_t		 ndocs;		/* live documents */
	uint64_t		 total_dl;	/* their words */
	uint64_t		 total_fl[SCHEMA_FIELDS_MAX];	/* by field */
	uint32_t		 nall;		/* document numbers used */
	struct schema		*schema;	/* its segments'; a reference */
};

/*
 * The published snapshot.  Readers compare version with the one they
 * hold, and take the new snapshot only when it changed.
 */
struct snapshot_cell {
	pthread_mutex_t		 lock;
	struct snapshot		*cur;
	_Atomic uint64_t	 version;
};

/*
 * A snapshot of segs (each index and deletes gains a reference); NULL
 * when their documents would not fit 32-bit numbers.
 */
struct snapshot	*snapshot_new(const struct snapshot_seg *, size_t,
		    uint64_t seq, struct schema *sc);
/* One index with nothing deleted: the in-memory index of old. */
struct snapshot	*snapshot_of(struct index *);
struct snapshot	*snapshot_retain(struct snapshot *);
void		 snapshot_release(struct snapshot *);

struct snapshot_info {
	uint64_t	ndocs;		/* live documents */
	uint64_t	deleted;	/* deleted, still in segments */
	uint64_t	nterms;		/* summed over segments */
	uint64_t	npostings;
	size_t		memory;		/* bytes of index, heap or mapped */
	size_t		attr_memory;	/* of it, the attribute columns */
	size_t		nsegs;
	uint64_t	seq;
};

void		 snapshot_info(const struct snapshot *, struct snapshot_info *);
/* The segment of document number doc, and its number there. */
const struct snapshot_seg *snapshot_locate(const struct snapshot *,
		    uint32_t doc, uint32_t *local);
void		 snapshot_doc(const struct snapshot *, uint32_t doc,
		    struct index_doc *);
/* The live document with this id, as a snapshot number, or INDEX_NO_DOC. */
uint32_t	 snapshot_doc_by_id(const struct snapshot *, const char *,
		    size_t);

void		 snapshot_cell_init(struct snapshot_cell *);
/* Frees the snapshot it holds; nobody may use the cell afterwards. */
void		 snapshot_cell_free(struct snapshot_cell *);
/* Makes s current; takes the caller's reference. */
void		 snapshot_publish(struct snapshot_cell *, struct snapshot *);
/* The current snapshot, with a reference for the caller. */
struct snapshot	*snapshot_acquire(struct snapshot_cell *);
static inline uint64_t
snapshot_version(struct snapshot_cell *c)
{
	return atomic_load_explicit(&c->version, memory_order_acquire);
}

#endif
