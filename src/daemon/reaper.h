/*
 * reaper.h: letting go of snapshots off the event loops.  The last
 * reference to an old snapshot may free a whole index (hundreds of
 * megabytes to free or unmap); a worker hands the reference to the
 * reaper's thread instead of dropping it, so no request waits for that.
 */
#ifndef SEARCHD_REAPER_H
#define SEARCHD_REAPER_H

struct snapshot;

void	reaper_start(void);
/* Takes the caller's reference; the reaper's thread drops it. */
void	reaper_release(struct snapshot *);
/* Drops what is queued and stops the thread; later releases are direct. */
void	reaper_stop(void);

#endif
