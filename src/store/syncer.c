/*
 * syncer.c: the syncer thread of sync everysec: once a second, if the log
 * has grown, fdatasync on it, away from the writer, which goes on taking
 * writes meanwhile (redis's appendfsync everysec does the same).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsio.h"
#include "log.h"
#include "store_impl.h"

static void *
syncer_main(void *arg)
{
	struct store *s = arg;
	struct timespec ts;
	int fd;

	pthread_mutex_lock(&s->slock);
	while (!s->sstop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->scond, &s->slock, &ts);
		if (s->sstop || !s->dirty || s->sync_fd == -1)
			continue;
		s->dirty = 0;
		fd = dup(s->sync_fd);
		pthread_mutex_unlock(&s->slock);
		if (fd == -1 || fsio_sync(fd) == -1)
			unusable_set(s, "fsync of the log of %s failed: %s",
			    s->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		pthread_mutex_lock(&s->slock);
	}
	pthread_mutex_unlock(&s->slock);
	return NULL;
}

void
syncer_start(struct store *s)
{
	int rc;

	if ((rc = pthread_create(&s->syncer, NULL, syncer_main, s)) != 0)
		fatalx("store: pthread_create: %s", strerror(rc));
	s->has_syncer = 1;
}

void
syncer_log(struct store *s, int fd)
{
	pthread_mutex_lock(&s->slock);
	if (s->sync_fd != -1)
		close(s->sync_fd);
	s->sync_fd = dup(fd);
	s->dirty = 0;
	pthread_mutex_unlock(&s->slock);
}

void
syncer_dirty(struct store *s)
{
	pthread_mutex_lock(&s->slock);
	s->dirty = 1;
	pthread_mutex_unlock(&s->slock);
}

void
syncer_stop(struct store *s)
{
	pthread_mutex_lock(&s->slock);
	s->sstop = 1;
	pthread_cond_signal(&s->scond);
	pthread_mutex_unlock(&s->slock);
	pthread_join(s->syncer, NULL);
	if (s->sync_fd != -1)
		close(s->sync_fd);
	s->sync_fd = -1;
}
