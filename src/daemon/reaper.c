/* reaper.c: see reaper.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "reaper.h"
#include "xmalloc.h"

/* The queue of snapshots to drop; guarded by lock. */
static pthread_mutex_t	  reaper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	  reaper_cond = PTHREAD_COND_INITIALIZER;
static struct snapshot	**reaper_queue;
static size_t		  reaper_n, reaper_cap;
static int		  reaper_running, reaper_stopping;
static pthread_t	  reaper_thread;

static void *
reaper_main(void *arg)
{
	struct snapshot **batch;
	size_t n, i;

	pthread_mutex_lock(&reaper_lock);
	for (;;) {
		while (reaper_n == 0 && !reaper_stopping)
			pthread_cond_wait(&reaper_cond, &reaper_lock);
		if (reaper_n == 0)
			break;
		batch = reaper_queue;
		n = reaper_n;
		reaper_queue = NULL;
		reaper_n = reaper_cap = 0;
		pthread_mutex_unlock(&reaper_lock);
		for (i = 0; i < n; i++)
			snapshot_release(batch[i]);
		free(batch);
		pthread_mutex_lock(&reaper_lock);
	}
	pthread_mutex_unlock(&reaper_lock);
	return NULL;
}

void
reaper_start(void)
{
	int rc;

	reaper_stopping = 0;
	if ((rc = pthread_create(&reaper_thread, NULL, reaper_main, NULL)) != 0)
		fatalx("reaper: pthread_create: %s", strerror(rc));
	reaper_running = 1;
}

void
reaper_release(struct snapshot *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&reaper_lock);
	if (!reaper_running) {
		pthread_mutex_unlock(&reaper_lock);
		snapshot_release(s);
		return;
	}
	if (reaper_n == reaper_cap) {
		reaper_cap = reaper_cap ? reaper_cap * 2 : 16;
		reaper_queue = xreallocarray(reaper_queue, reaper_cap,
		    sizeof(*reaper_queue));
	}
	reaper_queue[reaper_n++] = s;
	pthread_cond_signal(&reaper_cond);
	pthread_mutex_unlock(&reaper_lock);
}

void
reaper_stop(void)
{
	pthread_mutex_lock(&reaper_lock);
	if (!reaper_running) {
		pthread_mutex_unlock(&reaper_lock);
		return;
	}
	reaper_stopping = 1;
	pthread_cond_signal(&reaper_cond);
	pthread_mutex_unlock(&reaper_lock);
	pthread_join(reaper_thread, NULL);
	pthread_mutex_lock(&reaper_lock);
	reaper_running = 0;
	pthread_mutex_unlock(&reaper_lock);
}
