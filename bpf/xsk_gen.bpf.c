// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The frame engine of `xskmap gen --engine xdp`. BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES) runs xsk_gen_tx on copies
 * of the frame gen built, as if each had arrived on IFNAME; XDP_TX makes
 * the kernel transmit it out of IFNAME for real.
 *
 * The copies come from a page pool that keeps what was written into a
 * page, by this program and by whoever received the frame before the page
 * came back: a veth peer that turns the frame into an skb on the same page
 * moves the MAC addresses over an 802.1Q tag it strips, a forwarding peer
 * decrements the TTL. So the headers (up to the end of the pktgen header)
 * are written whole from gen_hdr each time, then the fields that change:
 * the UDP ports, the pktgen sequence and send time, and the UDP checksum,
 * computed from the sum gen left in gen_base_sum (everything that does not
 * change) plus the words that did. Frames are therefore never identical,
 * as pktgen's are not: a capture sees consecutive sequence numbers.
 *
 * The sequence counter is per CPU (gen_next[cpu], set by gen before each
 * run of the program on that CPU): no atomics in the per-frame path, and
 * the numbers stay consecutive because one run never leaves its CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define GEN_SLOTS 256
#define GEN_MAX_L4_OFF 64
#define GEN_HDR_MAX 128

const volatile __u32 gen_len;		/* the frame's length */
const volatile __u32 gen_l4_off;	/* UDP header; the pktgen header follows */
const volatile __u32 gen_base_sum;
const volatile __u32 gen_sport_lo, gen_nsport, gen_dport_lo, gen_ndport;
const volatile __s64 gen_wall_off_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
const volatile __u32 gen_hdr_len;	/* bytes of gen_hdr: headers and pktgen header */
const volatile __u8 gen_hdr[GEN_HDR_MAX];

__u32 gen_next[GEN_SLOTS];		/* next sequence number, per CPU */

static __always_inline void put16(__u8 *p, __u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static __always_inline void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

SEC("xdp")
int xsk_gen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 off = gen_l4_off, cpu = bpf_get_smp_processor_id() & (GEN_SLOTS - 1);
	__u32 seq, sport, dport, sec, usec, sum;
	__u64 now;
	__u8 *udp;

	if (off > GEN_MAX_L4_OFF)
		return XDP_DROP;
	udp = data + off;
	if ((void *)(udp + 24) > end)
		return XDP_DROP;
	if (gen_hdr_len > GEN_HDR_MAX || gen_hdr_len < 24 ||
	    bpf_xdp_store_bytes(ctx, 0, (void *)gen_hdr, gen_hdr_len))
		return XDP_DROP;
	/* The store may have moved the packet's pointers: take them again. */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	udp = data + off;
	if ((void *)(udp + 24) > end)
		return XDP_DROP;
	seq = gen_next[cpu]++;
	sport = gen_sport_lo + (gen_nsport > 1 ? seq % gen_nsport : 0);
	dport = gen_dport_lo + (gen_ndport > 1 ? (seq / gen_nsport) % gen_ndport : 0);
	now = bpf_ktime_get_ns() + gen_wall_off_ns;
	sec = now / 1000000000ULL;
	usec = (now % 1000000000ULL) / 1000;

	put16(udp, sport);
	put16(udp + 2, dport);
	put32(udp + 12, seq);
	put32(udp + 16, sec);
	put32(udp + 20, usec);
	sum = gen_base_sum + sport + dport + (seq >> 16) + (seq & 0xffff) + (sec >> 16) +
	      (sec & 0xffff) + (usec >> 16) + (usec & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	put16(udp + 6, sum ? sum : 0xffff);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
