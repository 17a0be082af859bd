/*
 * bench.h: the searchctl bench command, a load generator in the spirit of
 * redis-benchmark and memtier_benchmark: one libevent loop drives every
 * connection, so one process can keep searchd busy.  (The benchmark
 * harness has a generator of its own, bench/peerload.c, which drives
 * memcached and redis as well, for side-by-side figures.)
 */
#ifndef SEARCHD_BENCH_H
#define SEARCHD_BENCH_H

#include <stdint.h>

#include "addr.h"

#define BENCH_CONNECTIONS	50
#define BENCH_PIPELINE		1
#define BENCH_REQUESTS		100000
/* Bounds that keep a typo from exhausting descriptors or memory. */
#define BENCH_CONNECTIONS_MAX	10000
#define BENCH_PIPELINE_MAX	1024

struct client_tls;

/* What to run; filled in by searchctl's option parsing. */
struct bench_opts {
	struct addr	 addr;
	double		 timeout;	/* seconds, per request and connect */
	unsigned	 connections;
	unsigned	 pipeline;	/* requests in flight per connection */
	uint64_t	 requests;	/* total; 0 when duration is set */
	double		 duration;	/* seconds; 0 when requests is set */
	int		 reconnect;	/* a new connection per -P requests */
	const char	*file;		/* queries one per line, or NULL */
	double		 rate;		/* requests/s; 0: closed loop */
	int		 json;
	/*
	 * NULL: plaintext.  Otherwise every connection handshakes with this
	 * context; handshakes are timed apart from the requests.
	 */
	const struct client_tls *tls;
};

/* Runs the benchmark, prints the report; returns searchctl's exit status. */
int	bench_run(const struct bench_opts *);

#endif
