/*
 * common.h: src/common, the code every other part of searchd shares:
 * growable buffers and JSON output (buf), logging (log), allocation that
 * dies cleanly (xmalloc), bump arenas (arena), searchd.conf (config),
 * socket addresses (addr), the allocation-free JSON scanner (jscan),
 * latency histograms (histogram), monotonic elapsed time (elapsed.h) and
 * UTF-8 cutting (utf8).  It calls nothing outside its folder and its
 * libraries (libevent's utilities, json-c).
 *
 * This header holds only what is too small for a file of its own.
 */
#ifndef SEARCHD_COMMON_H
#define SEARCHD_COMMON_H

/* The number of elements of an array (not of a pointer). */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#endif
