/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser shared by the XDP program and userspace.
 *
 * Plain C with no kernel or libc headers of its own: the includer provides
 * __u8/__u16/__u32/__be16/__be32 (vmlinux.h in BPF, <linux/types.h> in
 * userspace) and bpf_ntohs() (<bpf/bpf_endian.h>, usable on both sides).
 * Every helper checks that the whole header lies before the end of the
 * frame before it reads a byte of it, and advances the cursor past what it
 * consumed. Helpers return the next protocol (>= 0) or XK_MALFORMED.
 */
#ifndef XSKMAP_PARSE_H
#define XSKMAP_PARSE_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* vmlinux.h has no #defines, so name the constants here. */
#define XK_ETH_P_IP	0x0800
#define XK_ETH_P_ARP	0x0806
#define XK_ETH_P_8021Q	0x8100
#define XK_ETH_P_8021AD	0x88A8
#define XK_ETH_P_IPV6	0x86DD

#define XK_IPPROTO_ICMP		1
#define XK_IPPROTO_TCP		6
#define XK_IPPROTO_UDP		17
#define XK_IPPROTO_ICMPV6	58

#define XK_IP_MF	0x2000	/* more fragments */
#define XK_IP_OFFSET	0x1FFF	/* fragment offset, in 8-byte units */

#define XK_MAX_VLAN	2	/* 802.1Q, or 802.1ad + 802.1Q (QinQ) */

#define XK_MALFORMED	(-1)

/* Our own header layouts: vmlinux.h and the uapi headers name them differently. */
struct xk_ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
} __attribute__((packed));

struct xk_vlanhdr {
	__be16 tci;
	__be16 encap_proto;
} __attribute__((packed));

struct xk_iphdr {
	__u8 ver_ihl;		/* version << 4 | ihl, whatever the endianness */
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
} __attribute__((packed));

struct xk_ipv6hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
} __attribute__((packed));

struct xk_udphdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
} __attribute__((packed));

struct xk_cursor {
	void *pos;
	void *end;
};

/* What the parser learned; fields past the failing layer stay zero. */
struct xk_pkt {
	__u16 l3_proto;			/* ethertype after VLAN tags, host order */
	__u8 nr_vlans;
	__u8 l4_proto;			/* IP protocol / IPv6 next header */
	__u16 vlan_id[XK_MAX_VLAN];	/* outermost first */
	__u8 ip_version;		/* 4, 6 or 0 */
	__u8 nonfirst_frag;		/* IPv4 fragment with offset != 0: no L4 */
	__u8 has_l4;			/* the L4 header below is present */
	__u8 pad;
	__u16 sport;			/* UDP ports, host order, when has_l4 */
	__u16 dport;
};

static __always_inline int xk_parse_eth(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_ethhdr *eth = c->pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return XK_MALFORMED;
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

	/* Constant trip count: the verifier unrolls it. */
	for (i = 0; i < XK_MAX_VLAN; i++) {
		struct xk_vlanhdr *vh = c->pos;

		if (proto != XK_ETH_P_8021Q && proto != XK_ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > c->end)
			return XK_MALFORMED;
		p->vlan_id[i] = bpf_ntohs(vh->tci) & 0x0FFF;
		p->nr_vlans++;
		proto = bpf_ntohs(vh->encap_proto);
		c->pos = vh + 1;
	}
	/* A third tag stays in l3_proto: nothing above matches it. */
	p->l3_proto = proto;
	return proto;
}

static __always_inline int xk_parse_ipv4(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_iphdr *iph = c->pos;
	__u32 hdrlen;

	if ((void *)(iph + 1) > c->end)
		return XK_MALFORMED;
	if ((iph->ver_ihl >> 4) != 4)
		return XK_MALFORMED;
	hdrlen = (iph->ver_ihl & 0x0F) * 4;
	if (hdrlen < sizeof(*iph))
		return XK_MALFORMED;
	/* Options are skipped, not read: only the end needs checking. */
	if (c->pos + hdrlen > c->end)
		return XK_MALFORMED;
	c->pos += hdrlen;
	p->ip_version = 4;
	p->l4_proto = iph->protocol;
	/* A non-first fragment carries payload where L4 headers would be. */
	if (bpf_ntohs(iph->frag_off) & XK_IP_OFFSET)
		p->nonfirst_frag = 1;
	return iph->protocol;
}

static __always_inline int xk_parse_ipv6(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_ipv6hdr *ip6h = c->pos;

	if ((void *)(ip6h + 1) > c->end)
		return XK_MALFORMED;
	if ((bpf_ntohl(ip6h->ver_tc_flow) >> 28) != 6)
		return XK_MALFORMED;
	c->pos = ip6h + 1;
	p->ip_version = 6;
	p->l4_proto = ip6h->nexthdr;
	return ip6h->nexthdr;
}

static __always_inline int xk_parse_udp(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_udphdr *uh = c->pos;

	if ((void *)(uh + 1) > c->end)
		return XK_MALFORMED;
	c->pos = uh + 1;
	p->has_l4 = 1;
	p->sport = bpf_ntohs(uh->source);
	p->dport = bpf_ntohs(uh->dest);
	return 0;
}

/*
 * Parse Ethernet, up to two VLAN tags, IPv4/IPv6 and UDP. Returns 0 when the
 * frame is well formed as far as it was parsed (a non-IP frame, or an L4
 * protocol other than UDP, simply stops early) and XK_MALFORMED when a
 * header it needed was truncated or invalid.
 */
static __always_inline int xk_parse(void *data, void *data_end, struct xk_pkt *p)
{
	struct xk_cursor c = { .pos = data, .end = data_end };
	int proto;

	proto = xk_parse_eth(&c, p);
	if (proto < 0)
		return XK_MALFORMED;
	if (proto == XK_ETH_P_IP)
		proto = xk_parse_ipv4(&c, p);
	else if (proto == XK_ETH_P_IPV6)
		proto = xk_parse_ipv6(&c, p);
	else
		return 0;
	if (proto < 0)
		return XK_MALFORMED;
	if (proto != XK_IPPROTO_UDP || p->nonfirst_frag)
		return 0;
	return xk_parse_udp(&c, p) < 0 ? XK_MALFORMED : 0;
}

/* The verdict side: is this a UDP datagram with its header present? */
static __always_inline int xk_is_udp(const struct xk_pkt *p)
{
	return p->l4_proto == XK_IPPROTO_UDP && !p->nonfirst_frag && p->has_l4;
}

#endif /* XSKMAP_PARSE_H */
