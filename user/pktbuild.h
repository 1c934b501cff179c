/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The frames `xskmap gen` sends: Ethernet, an optional 802.1Q tag, IPv4 or
 * IPv6, UDP, and a UDP payload that starts with the kernel pktgen header
 * (magic 0xbe9be955, sequence, send time in seconds and microseconds, all
 * network byte order) and is zero after it.
 *
 * A frame is built once (pkt_build) into every TX buffer; per frame only the
 * ports, the sequence, the time and the UDP checksum change (pkt_stamp). The
 * checksum is then the sum the template left (pseudo header, lengths, the
 * magic: everything that does not change) plus the words that did, so a
 * frame costs a few additions, not a pass over its payload.
 *
 * `gen --rtt` frames carry 8 more bytes right after the pktgen header: the
 * send time as CLOCK_MONOTONIC nanoseconds, 64 bits, network byte order
 * (the pktgen header's wall-clock microseconds are too coarse for a round
 * trip, and the wall clock can step). They are in the checksum like the rest.
 */
#ifndef XSKMAP_PKTBUILD_H
#define XSKMAP_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PKTGEN_MAGIC 0xbe9be955u
#define PKTGEN_HDR_LEN 16	/* magic, seq, tv_sec, tv_usec */
#define PKT_ETH_MIN 60		/* Ethernet's minimum frame without FCS */
#define PKT_RTT_LEN 8		/* --rtt: the monotonic send time after the pktgen header */

struct pkt_spec {
	__u8 src_mac[6], dst_mac[6];
	int family;		/* AF_INET or AF_INET6 */
	__u8 src_ip[16], dst_ip[16];	/* 4 bytes used for AF_INET */
	bool vlan;		/* an 802.1Q tag with vlan_id */
	__u16 vlan_id;
	__u32 size;		/* frame length as captured, without FCS */
	bool rtt;		/* room for the send time after the pktgen header */
};

/* Where the changing fields are, and the checksum sum of what does not change. */
struct pkt_layout {
	__u32 len;
	__u32 l3_off, l4_off, pg_off;	/* IP header, UDP header, pktgen header */
	__u32 rtt_off;		/* the send time (PKT_RTT_LEN bytes), 0: none */
	__u32 base_sum;		/* unfolded one's-complement sum, variable fields 0 */
};

/* Headers plus the pktgen header, and never below Ethernet's 60. */
__u32 pkt_min_size(const struct pkt_spec *s);

/* Header bytes on top of the IP packet (Ethernet and the tag): MTU + this is the maximum. */
__u32 pkt_l2_len(const struct pkt_spec *s);

/*
 * Write the frame into buf (s->size bytes; pkt_min_size() <= size) with
 * ports, sequence and time 0 and fill *l. 0, or -1 when the size is wrong.
 */
int pkt_build(const struct pkt_spec *s, __u8 *buf, struct pkt_layout *l);

/* The per-frame fields and the UDP checksum that follows from them (send time 0). */
void pkt_stamp(__u8 *frame, const struct pkt_layout *l, __u16 sport, __u16 dport, __u32 seq,
	       __u32 tv_sec, __u32 tv_usec);
/* The same, with the monotonic send time ns where the layout has room for it. */
void pkt_stamp_rtt(__u8 *frame, const struct pkt_layout *l, __u16 sport, __u16 dport,
		   __u32 seq, __u32 tv_sec, __u32 tv_usec, __u64 ns);

/*
 * A frame that came back: true when it has the layout's length and the
 * pktgen magic where l puts it, with its sequence and send time.
 */
bool pkt_rtt_read(const __u8 *frame, __u32 len, const struct pkt_layout *l, __u32 *seq,
		  __u64 *ns);

/* One's-complement sum of len bytes (big-endian words) added to sum, unfolded. */
__u32 pkt_sum(const void *data, size_t len, __u32 sum);
/* Folded and complemented: the checksum field's value (host order). */
__u16 pkt_fold(__u32 sum);

#ifdef __cplusplus
}
#endif
#endif
