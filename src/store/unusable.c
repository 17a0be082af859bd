/*
 * unusable.c: the one-way mark that the log can no longer be trusted: a
 * failed fsync, or an append that could not be cut off.  PostgreSQL
 * learned in 2018 that after a write-back error the kernel may drop the
 * dirty pages, so a later fsync that succeeds proves nothing: the mark is
 * never taken back, and only a restart, replaying what is on disk, makes
 * writes possible again.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "store_impl.h"

void
unusable_set(struct store *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (!atomic_load(&s->unusable)) {
		va_start(ap, fmt);
		vsnprintf(s->unusable_why, sizeof(s->unusable_why), fmt, ap);
		va_end(ap);
		atomic_store(&s->unusable, 1);
		log_warnx("%s; writes are refused until searchd restarts and "
		    "replays the log from what is on disk", s->unusable_why);
	}
	pthread_mutex_unlock(&s->lock);
}

void
unusable_why(struct store *s, char *out, size_t len)
{
	pthread_mutex_lock(&s->lock);
	snprintf(out, len, "%s", s->unusable_why);
	pthread_mutex_unlock(&s->lock);
}
