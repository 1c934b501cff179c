// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_redirect: steer frames from XDP into AF_XDP sockets.
 *
 * A frame is parsed (bpf/parse.h), classified against the steering rules
 * (bpf/rules.h: first matching rule in priority order, else the default
 * action), and then redirected to the socket in xsks_map at the slot of its
 * RX queue or at a fixed slot, passed to the kernel, or dropped. A redirect
 * to a slot without a socket gets the fallback verdict (XDP_PASS unless
 * configured otherwise), so the kernel keeps whatever no socket takes.
 * Malformed frames always go to the kernel.
 *
 * The object is usable on its own: loaded by xdp-loader, `ip link set dev IF
 * xdp obj` or any libbpf tool with empty tables, it has no rules and the
 * default action "queue": every frame to the socket of its RX queue.
 *
 * Two flavours of the one classifier, sharing every map: xsk_redirect
 * (SEC "xdp", the first program: what a tool loads when told nothing) and
 * xsk_redirect_mb (SEC "xdp.frags": BPF_F_XDP_HAS_FRAGS, so a driver with
 * multi-buffer XDP attaches it at an MTU larger than a page, e.g. 9000).
 * The frags flavour reads headers from the first buffer, which holds every
 * header a rule looks at, and checks lengths and counts bytes against the
 * whole frame (bpf_xdp_get_buff_len()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "xsk_redirect.h"
#include "rules.h"
#include "parse.h"

/* Set through the skeleton's rodata before load. */
const volatile __u32 cfg_fallback = XDP_PASS;
/* Stamp redirected frames with struct xsk_rx_meta; off for other loaders. */
const volatile __u32 cfg_rx_timestamp = 0;

/* Key: RX queue index (or a rule's slot); value: AF_XDP socket fd. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XSK_MAP_DEFAULT_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* Per-CPU so the fast path needs no atomics; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSK_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xsk_stat);
} xsk_stats SEC(".maps");

/* Hits by rule id; the last entry counts the default action. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XSK_MAX_RULES + 1);
	__type(key, __u32);
	__type(value, struct xsk_stat);
} rule_hits SEC(".maps");

/* The rule set as written by userspace; the program never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsk_ruleset);
} cls_ruleset SEC(".maps");

/* Which generation of the tables below is in use. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cls_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct xsk_cls_hdr);
} cls_hdr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * XSK_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xsk_cls_act);
} cls_act SEC(".maps");

/* Field tables: value -> bitmap of the rules that accept it. */
#define CLS_TABLE(name, entries)				\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY);		\
		__uint(max_entries, 2 * (entries));		\
		__type(key, __u32);				\
		__type(value, __u64);				\
	} name SEC(".maps")

CLS_TABLE(cls_ipver, XSK_T_IPVER);
CLS_TABLE(cls_proto, XSK_T_PROTO);
CLS_TABLE(cls_vlan, XSK_T_VLAN);
CLS_TABLE(cls_sport, XSK_T_PORT);
CLS_TABLE(cls_dport, XSK_T_PORT);

/* Prefix tables: longest match -> bitmap (see bpf/rules.h). */
#define CLS_LPM(name, key_type)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);		\
		__uint(max_entries, 2 * (XSK_MAX_RULES + 1));	\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, key_type);				\
		__type(value, __u64);				\
	} name SEC(".maps")

CLS_LPM(cls_src4, struct xsk_lpm4_key);
CLS_LPM(cls_dst4, struct xsk_lpm4_key);
CLS_LPM(cls_src6, struct xsk_lpm6_key);
CLS_LPM(cls_dst6, struct xsk_lpm6_key);

/* For libxdp's dispatcher: run early, and let later programs see XDP_PASS. */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xsk_redirect);

static __always_inline int count(enum xsk_stat_reason reason, __u64 len, int verdict)
{
	__u32 key = reason;
	struct xsk_stat *st = bpf_map_lookup_elem(&xsk_stats, &key);

	if (st) {
		st->packets++;
		st->bytes += len;
	}
	return verdict;
}

static __always_inline void hit(__u32 id, __u64 len)
{
	struct xsk_stat *st = bpf_map_lookup_elem(&rule_hits, &id);

	if (st) {
		st->packets++;
		st->bytes += len;
	}
}

/* A table entry, or no rule at all if the lookup fails (it cannot). */
static __always_inline __u64 field_bits(void *map, __u32 key)
{
	__u64 *bits = bpf_map_lookup_elem(map, &key);

	return bits ? *bits : 0;
}

static __always_inline __u64 prefix_bits(void *map4, void *map6, __u64 wild,
					 __u32 gen, const struct xk_pkt *p,
					 const __u8 *addr)
{
	if (p->ip_version == 4) {
		struct xsk_lpm4_key k = { .prefixlen = 8 + 32, .gen = gen };
		__u64 *bits;

		__builtin_memcpy(k.addr, addr, 4);
		bits = bpf_map_lookup_elem(map4, &k);
		return bits ? *bits : 0;
	}
	if (p->ip_version == 6) {
		struct xsk_lpm6_key k = { .prefixlen = 8 + 128, .gen = gen };
		__u64 *bits;

		__builtin_memcpy(k.addr, addr, 16);
		bits = bpf_map_lookup_elem(map6, &k);
		return bits ? *bits : 0;
	}
	return wild;
}

/* Index of the lowest set bit of a non-zero value: BPF has no ctz. */
static __always_inline __u32 lowest_bit(__u64 v)
{
	__u32 n = 0;

	v &= -v;
	if (v & 0xFFFFFFFF00000000ULL)
		n += 32;
	if (v & 0xFFFF0000FFFF0000ULL)
		n += 16;
	if (v & 0xFF00FF00FF00FF00ULL)
		n += 8;
	if (v & 0xF0F0F0F0F0F0F0F0ULL)
		n += 4;
	if (v & 0xCCCCCCCCCCCCCCCCULL)
		n += 2;
	if (v & 0xAAAAAAAAAAAAAAAAULL)
		n += 1;
	return n;
}

/*
 * Bit-vector classification (bpf/rules.h): AND the bitmap of each field the
 * rule set uses, stopping as soon as no rule is left. Returns the rank of
 * the first matching rule or -1. user/rules.c cls_eval() is the userspace
 * twin of this function: keep the two in step.
 */
static __always_inline int classify(__u32 gen, const struct xsk_cls_hdr *h,
				    const struct xk_pkt *p)
{
	__u32 used = h->used_fields;
	__u64 bits = h->all_rules;
	__u32 v;

	if (used & XSK_F_IPVER) {
		v = p->ip_version == 4 ? 1 : p->ip_version == 6 ? 2 : 0;
		bits &= field_bits(&cls_ipver, gen * XSK_T_IPVER + v);
	}
	if (bits && (used & XSK_F_PROTO)) {
		v = p->ip_version && !p->nonfirst_frag ? p->l4_proto : XSK_PROTO_NONE;
		bits &= field_bits(&cls_proto, gen * XSK_T_PROTO + v);
	}
	if (bits && (used & XSK_F_DPORT)) {
		v = p->has_l4 ? p->dport : XSK_PORT_NONE;
		bits &= field_bits(&cls_dport, gen * XSK_T_PORT + v);
	}
	if (bits && (used & XSK_F_SPORT)) {
		v = p->has_l4 ? p->sport : XSK_PORT_NONE;
		bits &= field_bits(&cls_sport, gen * XSK_T_PORT + v);
	}
	if (bits && (used & XSK_F_VLAN)) {
		v = p->nr_vlans ? p->vlan_id[0] : XSK_VLAN_NONE;
		bits &= field_bits(&cls_vlan, gen * XSK_T_VLAN + v);
	}
	if (bits && (used & XSK_F_SRC))
		bits &= prefix_bits(&cls_src4, &cls_src6, h->wild_src, gen, p, p->saddr);
	if (bits && (used & XSK_F_DST))
		bits &= prefix_bits(&cls_dst4, &cls_dst6, h->wild_dst, gen, p, p->daddr);
	if (!bits)
		return -1;
	return lowest_bit(bits);
}

#ifndef XSKMAP_RX_METADATA
/* The receive time in front of the frame; a frame the helper refuses goes unstamped. */
static __always_inline void stamp(struct xdp_md *ctx)
{
	struct xsk_rx_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->rx_ns = bpf_ktime_get_ns();
	m->magic = XSK_RX_META_MAGIC;
}
#else
/*
 * The RX-metadata kfuncs (Linux 6.3; the hash's type argument 6.4, the VLAN
 * tag 6.8). Only this flavour of the object names them: libbpf refuses to
 * load an object whose kfuncs the kernel lacks, and the default object
 * must load everywhere (see user/prog.c). Loaded device-bound, each call
 * becomes the driver's own implementation.
 */
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;
#ifdef XSKMAP_RX_META_VLAN
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx, __be16 *vlan_proto,
					__u16 *vlan_tci) __ksym;
#endif

/*
 * What the driver has for this frame, with the software time, in front of
 * it. A timestamp of 0 is no timestamp: veth reports the skb's hardware
 * stamp, which only a NIC sets (the kernel's selftest expects the 0 too).
 */
static __always_inline void stamp_meta(struct xdp_md *ctx)
{
	enum xdp_rss_hash_type type = 0;
	struct xsk_rx_meta_ext *m;
	__u64 ts = 0;
	__u32 hash = 0;
	__u8 flags = 0;
	__u16 tci = 0;
#ifdef XSKMAP_RX_META_VLAN
	__be16 proto = 0;
#endif

	if (!bpf_xdp_metadata_rx_timestamp(ctx, &ts) && ts)
		flags |= XSK_META_TIMESTAMP;
	if (!bpf_xdp_metadata_rx_hash(ctx, &hash, &type))
		flags |= XSK_META_HASH;
#ifdef XSKMAP_RX_META_VLAN
	if (!bpf_xdp_metadata_rx_vlan_tag(ctx, &proto, &tci)) {
		flags |= XSK_META_VLAN;
		if (proto == bpf_htons(0x88A8))
			flags |= XSK_META_VLAN_AD;
	}
#endif
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->hw_ns = ts;
	m->hash = hash;
	m->hash_type = type;
	m->flags = flags;
	m->vlan_tci = tci;
	m->base.rx_ns = bpf_ktime_get_ns();
	m->base.magic = XSK_RX_META_MAGIC;
}
#endif

static __always_inline int redirect(struct xdp_md *ctx, __u32 slot, __u64 len)
{
	/* Only PASS or DROP may come back from a failed lookup, never ABORTED. */
	__u64 fallback = cfg_fallback == XDP_DROP ? XDP_DROP : XDP_PASS;
	struct bpf_xdp_sock *xs = bpf_map_lookup_elem(&xsks_map, &slot);
	int verdict;

	/*
	 * AF_XDP takes only frames of the queue its socket is bound to; a
	 * redirect to another queue's socket would be dropped by the kernel
	 * after XDP_REDIRECT, counted nowhere. No socket that can take the
	 * frame is no socket: the fallback verdict.
	 */
	if (!xs || xs->queue_id != ctx->rx_queue_index)
		return count(XSK_STAT_NO_SOCKET, len, fallback);
	/* The low bits of flags are what bpf_redirect_map returns on a miss. */
	verdict = bpf_redirect_map(&xsks_map, slot, fallback);
	if (verdict != XDP_REDIRECT)
		return count(XSK_STAT_NO_SOCKET, len, verdict);
	/* The redirect happens after return: the frame can still be stamped. */
#ifdef XSKMAP_RX_METADATA
	stamp_meta(ctx);
#else
	if (cfg_rx_timestamp)
		stamp(ctx);
#endif
	return count(XSK_STAT_REDIRECTED, len, verdict);
}

/*
 * len: the whole frame's length. frags: the frame may go on past data_end
 * (the first buffer); its end is then data + len, bounded for the
 * verifier's pointer arithmetic (no IP length reaches past 64 KiB).
 */
static __always_inline int xsk_classify_redirect(struct xdp_md *ctx, __u64 len, bool frags)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *frame_end = data_end;
	struct xk_pkt pkt = {};
	const struct xsk_cls_hdr *h;
	__u32 zero = 0, gen = 0, *active, action, index, id, k;
	int rank;

	/* One read of the generation: this frame sees one rule set only. */
	active = bpf_map_lookup_elem(&cls_active, &zero);
	if (active)
		gen = *active & 1;
	h = bpf_map_lookup_elem(&cls_hdr, &gen);
	if (!h)
		return XDP_PASS;
	action = h->default_action;
	index = h->default_index;
	id = XSK_HITS_DEFAULT;

	/* Without rules nothing needs parsing: apply the default at once. */
	if (h->nr_rules) {
		if (frags)
			frame_end = data + (len > 0xffff ? 0xffff : (__u32)len);
		if (xk_parse_frame(data, data_end, frame_end, frags, &pkt) < 0)
			return count(XSK_STAT_MALFORMED, len, XDP_PASS);
		rank = classify(gen, h, &pkt);
		if (rank >= 0) {
			const struct xsk_cls_act *a;

			k = gen * XSK_MAX_RULES + (rank & (XSK_MAX_RULES - 1));
			a = bpf_map_lookup_elem(&cls_act, &k);
			if (!a)
				return XDP_PASS;
			action = a->action;
			index = a->index;
			id = a->id;
		}
	}
	hit(id, len);

	switch (action) {
	case XSK_ACT_QUEUE:
		return redirect(ctx, ctx->rx_queue_index, len);
	case XSK_ACT_INDEX:
		return redirect(ctx, index, len);
	case XSK_ACT_DROP:
		return count(id == XSK_HITS_DEFAULT ? XSK_STAT_NOT_MATCHED : XSK_STAT_RULE_DROP,
			     len, XDP_DROP);
	default:
		return count(id == XSK_HITS_DEFAULT ? XSK_STAT_NOT_MATCHED : XSK_STAT_RULE_PASS,
			     len, XDP_PASS);
	}
}

SEC("xdp")
int xsk_redirect(struct xdp_md *ctx)
{
	return xsk_classify_redirect(ctx, ctx->data_end - ctx->data, false);
}

/* For libxdp's dispatcher, as the single-buffer flavour. */
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xsk_redirect_mb);

SEC("xdp.frags")
int xsk_redirect_mb(struct xdp_md *ctx)
{
	return xsk_classify_redirect(ctx, bpf_xdp_get_buff_len(ctx), true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
