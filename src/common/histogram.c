/* histogram.c: see histogram.h. */
#include <math.h>
#include <string.h>

#include "histogram.h"

void
histogram_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned
histogram_index(uint64_t v)
{
	unsigned shift;

	if (v < HISTOGRAM_SUB)
		return (unsigned)v;
	/* v >> shift keeps the top HISTOGRAM_SUB_BITS bits: 128 to 255. */
	shift = (unsigned)(63 - __builtin_clzll(v)) - (HISTOGRAM_SUB_BITS - 1);
	return HISTOGRAM_SUB + (shift - 1) * (HISTOGRAM_SUB / 2) +
	    (unsigned)(v >> shift) - HISTOGRAM_SUB / 2;
}

/* The largest value that lands in bucket i. */
static uint64_t
histogram_upper(unsigned i)
{
	unsigned shift, top;

	if (i < HISTOGRAM_SUB)
		return i;
	shift = (i - HISTOGRAM_SUB) / (HISTOGRAM_SUB / 2) + 1;
	top = (i - HISTOGRAM_SUB) % (HISTOGRAM_SUB / 2) + HISTOGRAM_SUB / 2;
	return (((uint64_t)top + 1) << shift) - 1;
}

void
histogram_record(struct histogram *h, uint64_t us)
{
	if (us > HISTOGRAM_MAX_US)
		us = HISTOGRAM_MAX_US;
	h->counts[histogram_index(us)]++;
	if (h->total == 0 || us < h->min)
		h->min = us;
	if (us > h->max)
		h->max = us;
	h->total++;
	h->sum += (double)us;
}

uint64_t
histogram_percentile(const struct histogram *h, double pct)
{
	uint64_t want, seen = 0, v;
	unsigned i;

	if (h->total == 0)
		return 0;
	want = (uint64_t)ceil(pct / 100.0 * (double)h->total);
	if (want == 0)
		want = 1;
	for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= want)
			break;
	}
	v = histogram_upper(i < HISTOGRAM_BUCKETS ? i : HISTOGRAM_BUCKETS - 1);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

double
histogram_mean(const struct histogram *h)
{
	return h->total ? h->sum / (double)h->total : 0.0;
}
