// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>
#include <sys/socket.h>

#include "pktbuild.h"

#define ETH_HLEN_ 14
#define VLAN_HLEN_ 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

__u32 pkt_sum(const void *data, size_t len, __u32 sum)
{
	const __u8 *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	/* Fold now and then: a jumbo payload cannot overflow 32 bits. */
	return (sum & 0xffff) + (sum >> 16);
}

__u16 pkt_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

__u32 pkt_l2_len(const struct pkt_spec *s)
{
	return ETH_HLEN_ + (s->vlan ? VLAN_HLEN_ : 0);
}

static __u32 headers_len(const struct pkt_spec *s)
{
	return pkt_l2_len(s) + (s->family == AF_INET6 ? IP6_HLEN : IP4_HLEN) + UDP_HLEN;
}

__u32 pkt_min_size(const struct pkt_spec *s)
{
	__u32 n = headers_len(s) + PKTGEN_HDR_LEN + (s->rtt ? PKT_RTT_LEN : 0);

	return n < PKT_ETH_MIN ? PKT_ETH_MIN : n;
}

int pkt_build(const struct pkt_spec *s, __u8 *buf, struct pkt_layout *l)
{
	bool v6 = s->family == AF_INET6;
	__u32 alen = v6 ? 16 : 4, udp_len, sum;
	__u8 *ip, *udp;

	if (s->size < pkt_min_size(s) || s->size - pkt_l2_len(s) > 0xffff)
		return -1;
	memset(buf, 0, s->size);
	memset(l, 0, sizeof(*l));
	l->len = s->size;
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	l->l3_off = 12;
	if (s->vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, s->vlan_id & 0x0fff);
		l->l3_off += VLAN_HLEN_;
	}
	put16(buf + l->l3_off, v6 ? 0x86dd : 0x0800);
	l->l3_off += 2;
	ip = buf + l->l3_off;
	l->l4_off = l->l3_off + (v6 ? IP6_HLEN : IP4_HLEN);
	l->pg_off = l->l4_off + UDP_HLEN;
	if (s->rtt)
		l->rtt_off = l->pg_off + PKTGEN_HDR_LEN;
	udp = buf + l->l4_off;
	udp_len = s->size - l->l4_off;

	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, udp_len);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, s->src_ip, 16);
		memcpy(ip + 24, s->dst_ip, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, s->size - l->l3_off);
		ip[6] = 0x40;	/* DF */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, s->src_ip, 4);
		memcpy(ip + 16, s->dst_ip, 4);
		/* Nothing in the IPv4 header changes per frame: one checksum for all. */
		put16(ip + 10, pkt_fold(pkt_sum(ip, IP4_HLEN, 0)));
	}
	put16(udp + 4, udp_len);
	put32(buf + l->pg_off, PKTGEN_MAGIC);

	/* Pseudo header (addresses, protocol, UDP length) and the UDP bytes as built. */
	sum = pkt_sum(ip + (v6 ? 8 : 12), 2 * alen, 0);
	sum += 17 + udp_len;
	sum = pkt_sum(udp, udp_len, sum);
	l->base_sum = sum;
	return 0;
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

void pkt_stamp(__u8 *frame, const struct pkt_layout *l, __u16 sport, __u16 dport, __u32 seq,
	       __u32 tv_sec, __u32 tv_usec)
{
	pkt_stamp_rtt(frame, l, sport, dport, seq, tv_sec, tv_usec, 0);
}

bool pkt_rtt_read(const __u8 *frame, __u32 len, const struct pkt_layout *l, __u32 *seq,
		  __u64 *ns)
{
	const __u8 *pg = frame + l->pg_off, *t = frame + l->rtt_off;

	if (!l->rtt_off || len != l->len || get32(pg) != PKTGEN_MAGIC)
		return false;
	*seq = get32(pg + 4);
	*ns = (__u64)get32(t) << 32 | get32(t + 4);
	return true;
}

void pkt_stamp_rtt(__u8 *frame, const struct pkt_layout *l, __u16 sport, __u16 dport,
		   __u32 seq, __u32 tv_sec, __u32 tv_usec, __u64 ns)
{
	__u8 *udp = frame + l->l4_off, *pg = frame + l->pg_off;
	__u32 sum = l->base_sum;
	__u16 csum;

	put16(udp, sport);
	put16(udp + 2, dport);
	put32(pg + 4, seq);
	put32(pg + 8, tv_sec);
	put32(pg + 12, tv_usec);
	sum += sport + dport + (seq >> 16) + (seq & 0xffff) + (tv_sec >> 16) + (tv_sec & 0xffff) +
	       (tv_usec >> 16) + (tv_usec & 0xffff);
	if (l->rtt_off) {
		__u32 hi = ns >> 32, lo = (__u32)ns;

		/* The field is rewritten whole: what a reused buffer held does not count. */
		put32(frame + l->rtt_off, hi);
		put32(frame + l->rtt_off + 4, lo);
		sum += (hi >> 16) + (hi & 0xffff) + (lo >> 16) + (lo & 0xffff);
	}
	csum = pkt_fold(sum);
	/* 0 means "no checksum" in UDP over IPv4 and is not allowed over IPv6. */
	put16(udp + 6, csum ? csum : 0xffff);
}
