/*
 * stats.h: the counters behind the "stats" action.
 *
 * Each worker owns one struct stats_counters and is its only writer, so the
 * request path pays for no lock and no shared cache line; readers (a stats
 * request in any worker) sum them with relaxed loads.  Process-wide figures
 * (connections now open, reloads) are single atomics or, for the rare
 * reload error text, a mutex.
 */
#ifndef SEARCHD_STATS_H
#define SEARCHD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"

struct snapshot;
struct store;

struct stats_counters {
	_Atomic uint64_t	connections_total;
	_Atomic uint64_t	requests_total;
	_Atomic uint64_t	errors_total;
	_Atomic uint64_t	bytes_in;
	_Atomic uint64_t	bytes_out;
	_Atomic uint64_t	timeouts;
	_Atomic uint64_t	framing_errors;
};

/* Single-writer increment: a plain load and store, no locked instruction. */
static inline void
stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + n, memory_order_relaxed);
}

void	stats_init(unsigned nworkers);
void	stats_free(void);
struct stats_counters *stats_worker(unsigned);

/* Connections open now; checked against max_connections on accept. */
uint64_t stats_connections_current(void);
void	stats_connection_opened(void);
void	stats_connection_closed(void);
void	stats_connection_rejected(void);

void	stats_reload_done(int ok, const char *error);
/* How long building or opening the index in service took. */
void	stats_index_loaded(double seconds);

/*
 * Writes the "stats" object's members (without braces) into out; store
 * is NULL for an index kept in memory only.
 */
void	stats_write(struct buf *out, const struct snapshot *,
	    struct store *);

#endif
