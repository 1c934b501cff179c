/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Command-line options of `xskmap gen`, parsed and checked without side effects. */
#ifndef XSKMAP_GEN_OPTS_H
#define XSKMAP_GEN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "perf.h"
#include "pktbuild.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GEN_MAX_QUEUES 256
/* Live frames run on one page: 4096 - XDP_PACKET_HEADROOM - skb_shared_info. */
#define GEN_XDP_MAX_FRAME 3520
/*
 * The largest frame of --engine xsk: a jumbo frame (MTU 9216 and more)
 * over several UMEM frames (multi-buffer, XDP_USE_SG); at 2048-byte frames
 * 8 descriptors, below the kernel's 17 fragments of a copy-mode skb.
 */
#define GEN_MAX_FRAME 16384
/*
 * --rtt without --rate: 10,000 frames/s, 100 us apart. A frame through an
 * AF_XDP forwarder takes tens of us, so each is alone on the path (no
 * queue behind another: latency, not throughput), and it is under 1% of
 * what fwd forwards on one core; 10 s give 100,000 samples, 100 past p99.9.
 */
#define GEN_RTT_DEFAULT_RATE 10000
/* --rtt: how long after the last send a frame may still come back. */
#define GEN_RTT_DEFAULT_TIMEOUT 1.0

enum gen_engine {
	GEN_ENGINE_XSK = 0,	/* AF_XDP TX ring, one thread per queue */
	GEN_ENGINE_XDP,		/* BPF_PROG_RUN live frames, XDP_TX */
};

struct gen_opts {
	const char *ifname;
	enum gen_engine engine;
	__u64 count;			/* 0: no limit */
	double duration;		/* 0: no limit */
	double rate;			/* frames per second in total, 0: as fast as possible */
	__u32 size;			/* 0: the default (64, or the minimum above it) */
	bool src_mac_set;
	__u8 src_mac[6], dst_mac[6];
	int src_family, dst_family;	/* 0: not given */
	__u8 src_ip[16], dst_ip[16];
	__u16 sport_lo, sport_hi, dport_lo, dport_hi;
	bool vlan;
	__u16 vlan_id;
	bool queues_set;
	__u32 queues[GEN_MAX_QUEUES];	/* sorted, unique */
	__u32 nr_queues;
	/* --cpus, --busy-poll, --poll: run's options and parsing (xdp: --cpus only). */
	struct xskmap_perf_opts perf;
	double interval;
	bool json;
	const char *prometheus;		/* --prometheus FILE, NULL: none */
	int verbose;
	bool unaligned;			/* --unaligned: XDP_UMEM_UNALIGNED_CHUNK_FLAG (xsk) */
	bool hugepages;			/* --hugepages: the UMEMs in MAP_HUGETLB pages (xsk) */
	__u32 frames;			/* UMEM frames per queue, all of them for TX */
	__u32 frame_size;
	__u32 ring_size;		/* TX and completion rings */
	__u32 batch;			/* --batch: frames a TX batch and a completion drain
					 * (xdp: BPF_PROG_RUN's batch_size) */
	bool rtt;			/* --rtt: receive the frames back, measure round trips */
	double rtt_timeout;		/* seconds after the last send */
	bool timeout_set;
	/*
	 * --rtt: spin on the RX ring between sends instead of sleeping in
	 * ppoll(). Sleeping is the default: on a shared CPU a spinning thread
	 * is the one the scheduler preempts (p50 133 us spinning, 34 us in
	 * ppoll() on the loaded 2-core VM, unpinned; pinned at nice -20, 88
	 * and 116 us: spinning wins little where it wins).
	 */
	bool spin;
};

/*
 * Parse `xskmap gen` arguments (argv[0] is "gen") into o, defaults filled
 * in. 0, 1 after --help or --version, -1 with a one-line message in err.
 */
int gen_opts_parse(int argc, char **argv, struct gen_opts *o, char *err, size_t errlen);

/*
 * The frame o asks for, with if_mac as the default source MAC. 0, or -1
 * with the cause and the fix in err (a size below the minimum).
 */
int gen_opts_spec(const struct gen_opts *o, const __u8 *if_mac, struct pkt_spec *s, char *err,
		  size_t errlen);

/* "02:00:00:00:00:01": 0 or -1. */
int parse_mac(const char *s, __u8 *mac);

#ifdef __cplusplus
}
#endif
#endif
