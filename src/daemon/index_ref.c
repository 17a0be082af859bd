/* index_ref.c: see index_ref.h. */
#include <pthread.h>
#include <stdlib.h>

#include "engine.h"
#include "index_ref.h"
#include "xmalloc.h"

static _Atomic int index_ref_synchronous;

struct index_ref *
index_ref_new(struct index *index, unsigned refs)
{
	struct index_ref *r = xmalloc(sizeof(*r));

	r->index = index;
	atomic_init(&r->refs, refs);
	return r;
}

const struct index *
index_ref_get(const struct index_ref *r)
{
	return r->index;
}

static void *
index_ref_free_thread(void *arg)
{
	struct index_ref *r = arg;

	index_free(r->index);
	free(r);
	return NULL;
}

void
index_ref_release(struct index_ref *r)
{
	pthread_t t;
	pthread_attr_t attr;

	if (atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (atomic_load(&index_ref_synchronous) ||
	    pthread_create(&t, &attr, index_ref_free_thread, r) != 0)
		index_ref_free_thread(r);
	pthread_attr_destroy(&attr);
}

void
index_ref_sync(void)
{
	atomic_store(&index_ref_synchronous, 1);
}
