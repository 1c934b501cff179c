/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser shared by the XDP program and userspace.
 *
 * Plain C (that C++ accepts too) with no kernel or libc headers of its own: the includer provides
 * __u8/__u16/__u32/__be16/__be32 (vmlinux.h in BPF, <linux/types.h> in
 * userspace) and bpf_ntohs() (<bpf/bpf_endian.h>, usable on both sides).
 * Every helper checks that the whole header lies before the end of the
 * frame before it reads a byte of it, and advances the cursor past what it
 * consumed. Helpers return the next protocol (>= 0) or XK_MALFORMED.
 *
 * Lengths are checked as the kernel's input path checks them (ip_rcv_core,
 * ipv6_rcv, __udp4_lib_rcv, __udp6_lib_rcv, tcp_v4_rcv): an IP datagram
 * that claims more bytes than the frame holds, or a UDP or TCP header whose
 * own length does not fit the datagram, is malformed, and every header
 * above IP must lie inside the datagram, not merely inside the frame.
 * Bytes after the datagram (the padding of a short Ethernet frame) are
 * ignored. A first fragment (more fragments follow, offset 0) is an IP
 * datagram of its own but only the head of the UDP one: the kernel checks
 * the UDP length after reassembly (ip_defrag() and ipv6_frag_rcv() run
 * before __udp4_lib_rcv()), so here only the UDP header has to fit.
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
#define XK_IPPROTO_HOPOPTS	0
#define XK_IPPROTO_ROUTING	43
#define XK_IPPROTO_FRAGMENT	44
#define XK_IPPROTO_AH		51
#define XK_IPPROTO_DSTOPTS	60

#define XK_IP_MF	0x2000	/* more fragments */
#define XK_IP_OFFSET	0x1FFF	/* fragment offset, in 8-byte units */

#define XK_MAX_VLAN	2	/* 802.1Q, or 802.1ad + 802.1Q (QinQ) */
#define XK_MAX_EXTHDR	8	/* IPv6 extension headers walked, at most */

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

struct xk_tcphdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__be16 doff_flags;
	__be16 window;
	__be16 check;
	__be16 urg_ptr;
} __attribute__((packed));

struct xk_icmphdr {		/* ICMP and ICMPv6 share the first 4 bytes */
	__u8 type;
	__u8 code;
	__be16 checksum;
} __attribute__((packed));

/* Hop-by-hop, routing, destination options (and AH, in 4-byte units). */
struct xk_ipv6_opthdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__u8 data[6];
} __attribute__((packed));

struct xk_ipv6_fraghdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset << 3 | M */
	__be32 id;
} __attribute__((packed));

/*
 * END is the end of the bytes the parser may read, what the verifier knows
 * the packet by: every read is checked against it. FRAME is the end of the
 * whole frame: END too for a single-buffer frame; for a multi-buffer one
 * (xdp.frags) END is the end of the first buffer, where every header is
 * read from, and FRAME lies beyond it. DGRAM is the end of the IP datagram
 * once the IP header is parsed (its length field, never past FRAME), and
 * FRAME before that; headers above IP and their lengths are checked
 * against it.
 */
struct xk_cursor {
	void *pos;
	void *end;
	void *frame;
	void *dgram;
	__u32 frags;		/* a multi-buffer frame: FRAME may lie past END */
	__u32 more_frags;	/* != 0: a fragment, not the last; L4 lengths cover more */
};

/* What the parser learned; fields past the failing layer stay zero. */
struct xk_pkt {
	__u16 l3_proto;			/* ethertype after VLAN tags, host order */
	__u8 nr_vlans;
	__u8 l4_proto;			/* IP protocol / IPv6 next header */
	__u16 vlan_id[XK_MAX_VLAN];	/* outermost first */
	__u8 ip_version;		/* 4, 6 or 0 */
	__u8 nonfirst_frag;		/* fragment with offset != 0: no L4 */
	__u8 has_l4;			/* sport/dport below are valid */
	__u8 pad;
	__u16 sport;			/* UDP/TCP ports, host order; for ICMP */
	__u16 dport;			/* and ICMPv6: code and type */
	__u8 saddr[16];			/* network order; IPv4 in [0..3] */
	__u8 daddr[16];
};

/*
 * A 16-bit length field in host order, for adding to a packet pointer. The
 * verifier of Linux 6.1 forgets what it knew of a register after a byte
 * swap (BPF_END leaves it unknown) and then refuses "math between pkt
 * pointer and register with unbounded min value". The mask bounds it again;
 * the empty asm keeps the compiler, which knows a bpf_ntohs() result fits
 * 16 bits, from dropping the mask.
 */
static __always_inline __u32 xk_len16(__be16 v)
{
	__u32 len = bpf_ntohs(v);

	asm volatile("" : "+r"(len));
	return len & 0xffff;
}

/*
 * Do LEN bytes from the cursor lie inside the datagram (and so the frame)?
 * Whether they can be read is checked against END where they are read.
 * With a single buffer FRAME is data_end, and checking it too, redundant
 * as it is (DGRAM never lies past FRAME), tells the verifier what prunes
 * its walk (102,884 instructions processed against 111,226 without); for
 * a multi-buffer frame, where FRAME is no packet end, it only adds paths
 * (333,144 against 191,953 without).
 */
static __always_inline int xk_fits(const struct xk_cursor *c, __u32 len)
{
	if (!c->frags && (char *)c->pos + len > (char *)c->frame)
		return 0;
	return (char *)c->pos + len <= (char *)c->dgram;
}

static __always_inline int xk_parse_eth(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_ethhdr *eth = (struct xk_ethhdr *)c->pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return XK_MALFORMED;
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

	/* Constant trip count: the verifier unrolls it. */
	for (i = 0; i < XK_MAX_VLAN; i++) {
		struct xk_vlanhdr *vh = (struct xk_vlanhdr *)c->pos;

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
	struct xk_iphdr *iph = (struct xk_iphdr *)c->pos;
	__u32 hdrlen, totlen;

	if ((void *)(iph + 1) > c->end)
		return XK_MALFORMED;
	if ((iph->ver_ihl >> 4) != 4)
		return XK_MALFORMED;
	hdrlen = (iph->ver_ihl & 0x0F) * 4;
	if (hdrlen < sizeof(*iph))
		return XK_MALFORMED;
	/*
	 * ip_rcv_core(): the total length covers the header and lies within
	 * what arrived; what follows it is link padding, trimmed away.
	 */
	totlen = xk_len16(iph->tot_len);
	if (totlen < hdrlen)
		return XK_MALFORMED;
	if ((char *)c->pos + totlen > (char *)c->frame)
		return XK_MALFORMED;
	c->dgram = (char *)c->pos + totlen;
	/* Options are skipped, not read: only the end needs checking. */
	c->pos = (char *)c->pos + hdrlen;
	p->ip_version = 4;
	__builtin_memcpy(p->saddr, &iph->saddr, 4);
	__builtin_memcpy(p->daddr, &iph->daddr, 4);
	p->l4_proto = iph->protocol;
	/* A non-first fragment carries payload where L4 headers would be. */
	if (bpf_ntohs(iph->frag_off) & XK_IP_OFFSET)
		p->nonfirst_frag = 1;
	/*
	 * Stored as read, not as a 0/1 set under a branch: the verifier then
	 * sees one unknown value instead of two constants, and does not walk
	 * every later header twice (the latter more than doubled its work).
	 */
	c->more_frags = bpf_ntohs(iph->frag_off) & XK_IP_MF;
	return iph->protocol;
}

static __always_inline int xk_parse_ipv6(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_ipv6hdr *ip6h = (struct xk_ipv6hdr *)c->pos;
	__u8 nh;
	int i;

	if ((void *)(ip6h + 1) > c->end)
		return XK_MALFORMED;
	if ((bpf_ntohl(ip6h->ver_tc_flow) >> 28) != 6)
		return XK_MALFORMED;
	/*
	 * ipv6_rcv(): the payload length lies within what arrived; what follows
	 * is padding. Length 0 is taken as it reads, an empty payload: the
	 * kernel reads it as a jumbogram only with a Jumbo Payload option
	 * giving more than 65,535 bytes, which no XDP frame (one page) holds.
	 */
	c->dgram = (char *)(ip6h + 1) + xk_len16(ip6h->payload_len);
	if (c->dgram > c->frame)
		return XK_MALFORMED;
	c->pos = ip6h + 1;
	p->ip_version = 6;
	__builtin_memcpy(p->saddr, ip6h->saddr, 16);
	__builtin_memcpy(p->daddr, ip6h->daddr, 16);
	nh = ip6h->nexthdr;

	/*
	 * Walk the extension headers to the L4 protocol. The trip count is a
	 * constant so the verifier can unroll it; a chain longer than that is
	 * refused as malformed rather than classified on a guess.
	 */
	for (i = 0; i < XK_MAX_EXTHDR; i++) {
		struct xk_ipv6_opthdr *oh = (struct xk_ipv6_opthdr *)c->pos;
		struct xk_ipv6_fraghdr *fh = (struct xk_ipv6_fraghdr *)c->pos;
		__u32 len;

		switch (nh) {
		case XK_IPPROTO_HOPOPTS:
		case XK_IPPROTO_ROUTING:
		case XK_IPPROTO_DSTOPTS:
		case XK_IPPROTO_AH:
			if ((void *)(oh + 1) > c->end || !xk_fits(c, sizeof(*oh)))
				return XK_MALFORMED;
			len = nh == XK_IPPROTO_AH ? (oh->hdrlen + 2) * 4 : (oh->hdrlen + 1) * 8;
			/* len <= 2048: a bounded step the verifier can follow. */
			if ((char *)c->pos + len > (char *)c->end || !xk_fits(c, len))
				return XK_MALFORMED;
			nh = oh->nexthdr;
			c->pos = (char *)c->pos + len;
			break;
		case XK_IPPROTO_FRAGMENT:
			if ((void *)(fh + 1) > c->end || !xk_fits(c, sizeof(*fh)))
				return XK_MALFORMED;
			if (bpf_ntohs(fh->frag_off) & 0xFFF8)
				p->nonfirst_frag = 1;
			/* M: more follow. Offset 0 without M is a whole datagram (RFC 8200). */
			c->more_frags |= bpf_ntohs(fh->frag_off) & 1;
			nh = fh->nexthdr;
			c->pos = fh + 1;
			if (p->nonfirst_frag)
				goto done;	/* no L4 header follows */
			break;
		default:
			goto done;
		}
	}
	switch (nh) {
	case XK_IPPROTO_HOPOPTS:
	case XK_IPPROTO_ROUTING:
	case XK_IPPROTO_DSTOPTS:
	case XK_IPPROTO_AH:
	case XK_IPPROTO_FRAGMENT:
		return XK_MALFORMED;	/* more than XK_MAX_EXTHDR headers */
	}
done:
	p->l4_proto = nh;
	return nh;
}

static __always_inline int xk_parse_udp(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_udphdr *uh = (struct xk_udphdr *)c->pos;
	__u32 len;

	if ((void *)(uh + 1) > c->end || !xk_fits(c, sizeof(*uh)))
		return XK_MALFORMED;
	/*
	 * __udp4_lib_rcv(): 8 <= length <= the IP payload. __udp6_lib_rcv()
	 * reads length 0 as "the rest of the IPv6 payload" (RFC 2675), so does
	 * this: the header, already known to fit, is then all it checks. In a
	 * first fragment the length is the whole datagram's, longer than this
	 * fragment: only its lower bound can be checked before reassembly.
	 */
	len = xk_len16(uh->len);
	if (len == 0 && p->ip_version == 6)
		len = sizeof(*uh);
	if (len < sizeof(*uh))
		return XK_MALFORMED;
	if (!c->more_frags && !xk_fits(c, len))
		return XK_MALFORMED;
	c->pos = uh + 1;
	p->has_l4 = 1;
	p->sport = bpf_ntohs(uh->source);
	p->dport = bpf_ntohs(uh->dest);
	return 0;
}

static __always_inline int xk_parse_tcp(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_tcphdr *th = (struct xk_tcphdr *)c->pos;
	__u32 hdrlen;

	if ((void *)(th + 1) > c->end || !xk_fits(c, sizeof(*th)))
		return XK_MALFORMED;
	/* tcp_v4_rcv(), tcp_v6_rcv(): doff >= 5, options inside the datagram. */
	hdrlen = (xk_len16(th->doff_flags) >> 12) * 4;
	if (hdrlen < sizeof(*th) || !xk_fits(c, hdrlen))
		return XK_MALFORMED;
	c->pos = th + 1;
	p->has_l4 = 1;
	p->sport = bpf_ntohs(th->source);
	p->dport = bpf_ntohs(th->dest);
	return 0;
}

static __always_inline int xk_parse_icmp(struct xk_cursor *c, struct xk_pkt *p)
{
	struct xk_icmphdr *ih = (struct xk_icmphdr *)c->pos;

	if ((void *)(ih + 1) > c->end || !xk_fits(c, sizeof(*ih)))
		return XK_MALFORMED;
	c->pos = ih + 1;
	p->has_l4 = 1;
	p->sport = ih->code;
	p->dport = ih->type;
	return 0;
}

/*
 * Parse Ethernet, up to two VLAN tags, IPv4 or IPv6 (with extension
 * headers), then UDP, TCP, ICMP or ICMPv6. Returns 0 when the frame is well
 * formed as far as it was parsed (a non-IP frame, a non-first fragment or
 * another L4 protocol simply stops early) and XK_MALFORMED when a header it
 * needed was truncated or invalid, or a length field of IP, UDP or TCP
 * disagrees with the bytes present. Headers are read from [data, data_end);
 * lengths are checked against frame_end, the end of the whole frame
 * (data_end, or past it for a multi-buffer frame whose first buffer ends
 * at data_end: frags, a compile-time constant, says which).
 */
static __always_inline int xk_parse_frame(void *data, void *data_end, void *frame_end,
					  int frags, struct xk_pkt *p)
{
	struct xk_cursor c = { .pos = data, .end = data_end, .frame = frame_end,
			       .dgram = frame_end, .frags = (__u32)frags, .more_frags = 0 };
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
	if (p->nonfirst_frag)
		return 0;
	switch (proto) {
	case XK_IPPROTO_UDP:
		return xk_parse_udp(&c, p);
	case XK_IPPROTO_TCP:
		return xk_parse_tcp(&c, p);
	case XK_IPPROTO_ICMP:
		if (p->ip_version != 4)
			return 0;
		return xk_parse_icmp(&c, p);
	case XK_IPPROTO_ICMPV6:
		if (p->ip_version != 6)
			return 0;
		return xk_parse_icmp(&c, p);
	}
	return 0;
}

/* A frame whose bytes all lie in [data, data_end). */
static __always_inline int xk_parse(void *data, void *data_end, struct xk_pkt *p)
{
	return xk_parse_frame(data, data_end, data_end, 0, p);
}

/* The verdict side: is this a UDP datagram with its header present? */
static __always_inline int xk_is_udp(const struct xk_pkt *p)
{
	return p->l4_proto == XK_IPPROTO_UDP && !p->nonfirst_frag && p->has_l4;
}

#endif /* XSKMAP_PARSE_H */
