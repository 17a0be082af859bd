/* stats.c: see stats.h. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "stats.h"
#include "store.h"
#include "xmalloc.h"

static struct stats_counters	*stats_workers;
static unsigned			 stats_nworkers;
static struct timespec		 stats_started;
static _Atomic uint64_t		 stats_conn_current;
static _Atomic uint64_t		 stats_conn_rejected;
static _Atomic uint64_t		 stats_reloads;
static _Atomic uint64_t		 stats_reload_failures;
static pthread_mutex_t		 stats_reload_lock = PTHREAD_MUTEX_INITIALIZER;
static char			 stats_reload_error[512];
static double			 stats_load_seconds;

void
stats_init(unsigned nworkers)
{
	stats_workers = xcalloc(nworkers, sizeof(*stats_workers));
	stats_nworkers = nworkers;
	clock_gettime(CLOCK_MONOTONIC, &stats_started);
}

void
stats_free(void)
{
	free(stats_workers);
	stats_workers = NULL;
	stats_nworkers = 0;
}

struct stats_counters *
stats_worker(unsigned i)
{
	return &stats_workers[i];
}

uint64_t
stats_connections_current(void)
{
	return atomic_load_explicit(&stats_conn_current, memory_order_relaxed);
}

void
stats_connection_opened(void)
{
	atomic_fetch_add_explicit(&stats_conn_current, 1, memory_order_relaxed);
}

void
stats_connection_closed(void)
{
	atomic_fetch_sub_explicit(&stats_conn_current, 1, memory_order_relaxed);
}

void
stats_connection_rejected(void)
{
	atomic_fetch_add_explicit(&stats_conn_rejected, 1,
	    memory_order_relaxed);
}

void
stats_reload_done(int ok, const char *error)
{
	pthread_mutex_lock(&stats_reload_lock);
	if (ok)
		atomic_fetch_add(&stats_reloads, 1);
	else {
		atomic_fetch_add(&stats_reload_failures, 1);
		snprintf(stats_reload_error, sizeof(stats_reload_error), "%s",
		    error);
	}
	pthread_mutex_unlock(&stats_reload_lock);
}

static void
stats_member(struct buf *out, const char *key, uint64_t v)
{
	buf_add(out, ", ", 2);
	buf_json_key(out, key);
	buf_json_uint(out, v);
}

#define STATS_SUM(field) stats_sum(offsetof(struct stats_counters, field))

static uint64_t
stats_sum(size_t off)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < stats_nworkers; i++)
		total += atomic_load_explicit((_Atomic uint64_t *)(void *)
		    ((char *)&stats_workers[i] + off), memory_order_relaxed);
	return total;
}

static void
stats_write_index(struct buf *out, const struct snapshot *snap)
{
	struct snapshot_info info;
	double seconds;

	snapshot_info(snap, &info);
	stats_member(out, "documents", info.ndocs);
	stats_member(out, "terms", info.nterms);
	stats_member(out, "postings", info.npostings);
	stats_member(out, "index_memory", info.memory);
	stats_member(out, "attribute_memory", info.attr_memory);
	buf_add(out, ", ", 2);
	buf_json_key(out, "index_build_seconds");
	pthread_mutex_lock(&stats_reload_lock);
	seconds = stats_load_seconds;
	pthread_mutex_unlock(&stats_reload_lock);
	buf_json_double(out, seconds);
	stats_member(out, "reloads", atomic_load(&stats_reloads));
	stats_member(out, "reload_failures",
	    atomic_load(&stats_reload_failures));
	buf_add(out, ", ", 2);
	buf_json_key(out, "last_reload_error");
	pthread_mutex_lock(&stats_reload_lock);
	if (stats_reload_error[0] == '\0')
		buf_adds(out, "null");
	else
		buf_json_string(out, stats_reload_error,
		    strlen(stats_reload_error));
	pthread_mutex_unlock(&stats_reload_lock);
}

void
stats_index_loaded(double seconds)
{
	pthread_mutex_lock(&stats_reload_lock);
	stats_load_seconds = seconds;
	pthread_mutex_unlock(&stats_reload_lock);
}

/* What the data_dir adds: where writes are, and what the store did. */
static void
stats_write_store(struct buf *out, const struct snapshot *snap,
    struct store *store)
{
	struct snapshot_info si;
	struct store_info info;

	snapshot_info(snap, &si);
	stats_member(out, "deleted_documents", si.deleted);
	stats_member(out, "segments", si.nsegs);
	if (store == NULL)
		return;
	store_info(store, &info);
	stats_member(out, "seq", info.seq);
	stats_member(out, "segment_files", info.disk_segments);
	stats_member(out, "log_bytes", info.log_bytes);
	stats_member(out, "flushes", info.flushes);
	stats_member(out, "merges", info.merges);
	stats_member(out, "write_errors", info.write_errors);
	buf_add(out, ", ", 2);
	buf_json_key(out, "log_unusable");
	buf_adds(out, info.log_unusable ? "true" : "false");
}

void
stats_write(struct buf *out, const struct snapshot *snap,
    struct store *store)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	buf_json_key(out, "uptime");
	buf_json_uint(out, (uint64_t)(now.tv_sec - stats_started.tv_sec));
	stats_member(out, "workers", stats_nworkers);
	stats_member(out, "connections_current", stats_connections_current());
	stats_member(out, "connections_total", STATS_SUM(connections_total));
	stats_member(out, "connections_rejected",
	    atomic_load_explicit(&stats_conn_rejected, memory_order_relaxed));
	stats_member(out, "requests_total", STATS_SUM(requests_total));
	stats_member(out, "errors_total", STATS_SUM(errors_total));
	stats_member(out, "framing_errors", STATS_SUM(framing_errors));
	stats_member(out, "timeouts", STATS_SUM(timeouts));
	stats_member(out, "bytes_in", STATS_SUM(bytes_in));
	stats_member(out, "bytes_out", STATS_SUM(bytes_out));
	stats_write_index(out, snap);
	stats_write_store(out, snap, store);
}
