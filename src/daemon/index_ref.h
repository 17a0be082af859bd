/*
 * index_ref.h: a loaded index shared by the workers.  Each holder (the
 * server and every worker) owns one reference; the last to let go frees
 * the index, off the event loops, so a request in flight always finishes
 * on the index it began with and nobody waits for a large free.
 */
#ifndef SEARCHD_INDEX_REF_H
#define SEARCHD_INDEX_REF_H

#include <stdatomic.h>

struct index;

struct index_ref {
	struct index	*index;
	_Atomic unsigned refs;
};

/* Takes ownership of the index, with refs references to hand out. */
struct index_ref	*index_ref_new(struct index *, unsigned refs);
const struct index	*index_ref_get(const struct index_ref *);
void			 index_ref_release(struct index_ref *);
/*
 * From now on the last release frees in the calling thread: the process
 * is exiting and must not leave a thread behind.
 */
void			 index_ref_sync(void);

#endif
