// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_probe: what is in each slot of somebody's XSKMAP, for `xskmap status`.
 *
 * Userspace cannot read an XSKMAP's values (the kernel refuses the lookup
 * syscall), but an XDP program can: bpf_map_lookup_elem() on an XSKMAP
 * returns the socket, as struct bpf_xdp_sock whose queue_id the verifier
 * rewrites into struct xdp_sock's. The loader replaces xsk_probe_target
 * with the map it wants to see (bpf_map__reuse_fd(), after sizing it like
 * that map) and runs this program with BPF_PROG_TEST_RUN, a batch of slots
 * per run; the frame carries the batch (struct xsk_probe_req) and the
 * results go into xsk_probe_out, indexed by slot. Nothing is redirected.
 *
 * xsk_probe_ext also reads the socket's device index and inode through
 * CO-RE (struct xdp_sock's dev, the socket's struct socket_alloc inode).
 * That needs bpf_probe_read_kernel() from XDP, which the kernel grants with
 * CAP_PERFMON; where it is refused the loader falls back to xsk_probe,
 * which reports the queue only.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "xsk_probe.h"

/* Replaced before load by the map under inspection. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xsk_probe_target SEC(".maps");

/* Sized like the target before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xsk_probe_slot);
} xsk_probe_out SEC(".maps");

/*
 * The socket's address as a plain number: the verifier allows no
 * arithmetic on the pointer the lookup returns (PTR_TO_XDP_SOCK), but a
 * copy of it read back from our own stack is a scalar, which CO-RE reads
 * may then offset. Privileged (pointer values are visible): CAP_PERFMON.
 */
static __always_inline __u64 sock_addr(void *xs)
{
	void *slot = xs;
	__u64 addr = 0;

	bpf_probe_read_kernel(&addr, sizeof(addr), &slot);
	return addr;
}

static __always_inline void read_ext(void *xs, struct xsk_probe_slot *r)
{
	struct xdp_sock *x = (struct xdp_sock *)sock_addr(xs);
	struct net_device *dev = NULL;
	struct socket *sock = NULL;

	if (!x)
		return;
	if (bpf_core_field_exists(x->dev) && !bpf_core_read(&dev, sizeof(dev), &x->dev) && dev &&
	    !bpf_core_read(&r->ifindex, sizeof(r->ifindex), &dev->ifindex))
		r->flags |= XSK_PROBE_IFINDEX;
	if (bpf_core_field_exists(x->zc)) {
		bool zc = false;

		if (!bpf_core_read(&zc, sizeof(zc), &x->zc) && zc)
			r->flags |= XSK_PROBE_ZC;
	}
	/* The inode ss and /proc/PID/fd name: SOCK_INODE() of the socket. */
	if (bpf_core_field_exists(x->sk.sk_socket) &&
	    !bpf_core_read(&sock, sizeof(sock), &x->sk.sk_socket) && sock) {
		struct socket_alloc *sa = (struct socket_alloc *)sock;

		if (bpf_core_field_exists(sa->vfs_inode) &&
		    !bpf_core_read(&r->inode, sizeof(r->inode), &sa->vfs_inode.i_ino))
			r->flags |= XSK_PROBE_INODE;
	}
}

static __always_inline int probe(struct xdp_md *ctx, bool ext)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct xsk_probe_req *req = data;
	__u32 first, count, seq, i;

	if ((void *)(req + 1) > data_end)
		return XDP_ABORTED;
	first = req->first;
	count = req->count;
	seq = req->seq;
	for (i = 0; i < XSK_PROBE_BATCH; i++) {
		struct xsk_probe_slot *r;
		struct bpf_xdp_sock *xs;
		__u32 key = first + i;

		if (i >= count)
			break;
		r = bpf_map_lookup_elem(&xsk_probe_out, &key);
		if (!r)
			break;
		r->seq = seq;
		r->flags = 0;
		r->queue_id = 0;
		r->ifindex = 0;
		r->inode = 0;
		xs = bpf_map_lookup_elem(&xsk_probe_target, &key);
		if (!xs)
			continue;
		r->flags = XSK_PROBE_SOCKET;
		r->queue_id = xs->queue_id;
		if (ext)
			read_ext(xs, r);
	}
	return XDP_PASS;
}

SEC("xdp")
int xsk_probe_ext(struct xdp_md *ctx)
{
	return probe(ctx, true);
}

SEC("xdp")
int xsk_probe(struct xdp_md *ctx)
{
	return probe(ctx, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
