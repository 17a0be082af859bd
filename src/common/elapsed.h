/*
 * elapsed.h: the time between two CLOCK_MONOTONIC readings, in
 * microseconds.  The nanosecond fields alone go negative whenever a
 * second boundary passes between the readings, so the sum is signed.
 */
#ifndef SEARCHD_ELAPSED_H
#define SEARCHD_ELAPSED_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
elapsed_us(const struct timespec *from, const struct timespec *to)
{
	int64_t ns;

	ns = ((int64_t)to->tv_sec - (int64_t)from->tv_sec) * 1000000000 +
	    ((int64_t)to->tv_nsec - (int64_t)from->tv_nsec);
	return ns > 0 ? (uint64_t)ns / 1000 : 0;
}

#endif
