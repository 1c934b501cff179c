// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <string.h>

#include "rtt_hist.h"

void xskmap_hist_init(struct xskmap_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = ~0ULL;
}

__u32 xskmap_hist_index(__u64 v)
{
	__u32 k, shift;

	if (v < 2 * XSKMAP_HIST_SUB)
		return v;
	/* v in [2^k, 2^(k+1)): its top 8 bits pick one of 128 buckets of that octave. */
	k = 63 - __builtin_clzll(v);
	shift = k - XSKMAP_HIST_SUB_BITS;
	return (shift + 1) * XSKMAP_HIST_SUB + (__u32)(v >> shift) - XSKMAP_HIST_SUB;
}

__u64 xskmap_hist_lowest(__u32 i)
{
	__u32 shift;

	if (i < 2 * XSKMAP_HIST_SUB)
		return i;
	shift = i / XSKMAP_HIST_SUB - 1;
	return (__u64)(i % XSKMAP_HIST_SUB + XSKMAP_HIST_SUB) << shift;
}

__u64 xskmap_hist_highest(__u32 i)
{
	if (i < 2 * XSKMAP_HIST_SUB)
		return i;
	return xskmap_hist_lowest(i) + ((1ULL << (i / XSKMAP_HIST_SUB - 1)) - 1);
}

void xskmap_hist_merge(struct xskmap_hist *dst, const struct xskmap_hist *src)
{
	__u32 i;

	if (!src->count)
		return;
	for (i = 0; i < XSKMAP_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

__u64 xskmap_hist_percentile(const struct xskmap_hist *h, double pct)
{
	__u64 rank, seen = 0, v;
	__u32 i;

	if (!h->count)
		return 0;
	if (pct <= 0)
		return h->min;
	if (pct >= 100)
		return h->max;
	/* Less a hair: 99.9% of 1000 is 999.0000000000001 in binary floating point. */
	rank = (__u64)ceil(pct / 100 * (double)h->count * (1 - 1e-12));
	if (rank < 1)
		rank = 1;
	for (i = 0; i < XSKMAP_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	if (i == XSKMAP_HIST_BUCKETS)
		return h->max;
	v = xskmap_hist_highest(i);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}
