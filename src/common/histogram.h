/*
 * histogram.h: latencies counted in a log-linear histogram, after Gil
 * Tene's HdrHistogram.  Values below 256 us are exact; above, each power
 * of two is split into 128 buckets, so a value is reported within 1/128
 * (0.8%) of what was recorded.  1 us to 60 s fits in 2560 counters, however
 * many samples a run records; longer values count as 60 s.
 */
#ifndef SEARCHD_HISTOGRAM_H
#define SEARCHD_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_MAX_US	(60ULL * 1000 * 1000)
#define HISTOGRAM_SUB_BITS	8
#define HISTOGRAM_SUB		(1 << HISTOGRAM_SUB_BITS)
/* 60 s in microseconds is below 2^26. */
#define HISTOGRAM_VALUE_BITS	26
#define HISTOGRAM_BUCKETS	(HISTOGRAM_SUB + (HISTOGRAM_VALUE_BITS - \
	HISTOGRAM_SUB_BITS) * (HISTOGRAM_SUB / 2))

/* Plain data; the owner embeds it and calls histogram_init. */
struct histogram {
	uint64_t	counts[HISTOGRAM_BUCKETS];
	uint64_t	total;
	uint64_t	min;		/* exact, after clamping */
	uint64_t	max;
	double		sum;
};

void		histogram_init(struct histogram *);
void		histogram_record(struct histogram *, uint64_t us);
/* The value at or below which pct percent of the samples fall; 0 if none. */
uint64_t	histogram_percentile(const struct histogram *, double pct);
double		histogram_mean(const struct histogram *);

#endif
