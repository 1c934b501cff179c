/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A latency histogram with bounded relative error, preallocated: adding a
 * sample is an index computation and an increment, nothing is stored per
 * sample, whatever their number.
 *
 * Log-linear buckets, as HdrHistogram lays them out: values below
 * 2 * XSKMAP_HIST_SUB (256 ns) each have their own bucket (exact); above,
 * every power of two [2^k, 2^(k+1)) is cut into XSKMAP_HIST_SUB (128)
 * equal buckets, 2^(k-7) wide. A percentile is the upper edge of the
 * bucket it falls in (HdrHistogram's "highest equivalent value"), so it is
 * never below the true sample and at most 1/128 (0.78%) above it; min, max
 * and the mean are kept exactly. The whole u64 range fits in 7,424 buckets
 * (58 KiB).
 */
#ifndef XSKMAP_RTT_HIST_H
#define XSKMAP_RTT_HIST_H

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XSKMAP_HIST_SUB_BITS 7
#define XSKMAP_HIST_SUB (1u << XSKMAP_HIST_SUB_BITS)
/* Octaves 2^7 .. 2^63 past the exact range, plus the exact range's two. */
#define XSKMAP_HIST_BUCKETS ((64 - XSKMAP_HIST_SUB_BITS + 1) * XSKMAP_HIST_SUB)

struct xskmap_hist {
	__u64 count;
	__u64 sum;		/* of the values, for the mean */
	__u64 min, max;		/* exact; min is ~0 while empty */
	__u64 buckets[XSKMAP_HIST_BUCKETS];
};

void xskmap_hist_init(struct xskmap_hist *h);

/* The bucket of v, and the lowest and highest value bucket i holds. */
__u32 xskmap_hist_index(__u64 v);
__u64 xskmap_hist_lowest(__u32 i);
__u64 xskmap_hist_highest(__u32 i);

static inline void xskmap_hist_add(struct xskmap_hist *h, __u64 v)
{
	h->buckets[xskmap_hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* dst += src. */
void xskmap_hist_merge(struct xskmap_hist *dst, const struct xskmap_hist *src);

/*
 * The value at percentile pct (0-100): the highest value of the bucket
 * that holds the ceil(pct/100 * count)-th smallest sample, kept within
 * [min, max], so percentiles are ordered and never outside the samples.
 * 0 when empty.
 */
__u64 xskmap_hist_percentile(const struct xskmap_hist *h, double pct);

#ifdef __cplusplus
}
#endif
#endif
