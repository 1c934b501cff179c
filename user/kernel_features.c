// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xskmap features`: each capability is tried, not inferred. A kernel that
 * lacks one rejects the attempt in a known way (an unknown bind flag or
 * program flag is EINVAL, an unknown socket option ENOPROTOOPT, a missing
 * kfunc is absent from vmlinux BTF); anything else (EPERM, ENOMEM) means the
 * probe could not tell, and says so rather than guess.
 */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "json_out.h"
#include "kernel_features.h"
#include "uapi_compat.h"
#include "util.h"
#include "xsk_redirect.skel.h"

const struct feat_def feat_defs[FEAT_COUNT] = {
	[FEAT_AF_XDP] = { "af_xdp", "AF_XDP sockets", "Linux 4.18 with CONFIG_XDP_SOCKETS", false },
	[FEAT_XSKMAP] = { "xskmap", "XSKMAP (BPF_MAP_TYPE_XSKMAP)", "Linux 4.18 with CONFIG_XDP_SOCKETS", false },
	[FEAT_NEED_WAKEUP] = { "need_wakeup", "need_wakeup (XDP_USE_NEED_WAKEUP)", "Linux 5.4", false },
	[FEAT_SHARED_UMEM] = { "shared_umem", "shared UMEM across queues and devices", "Linux 5.10", false },
	[FEAT_BUSY_POLL] = { "busy_poll", "preferred busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL_BUDGET)",
			     "Linux 5.11 with CONFIG_NET_RX_BUSY_POLL", false },
	[FEAT_XDP_FRAGS] = { "xdp_frags", "multi-buffer XDP programs (BPF_F_XDP_HAS_FRAGS)", "Linux 5.18", false },
	[FEAT_XSK_MULTI_BUFFER] = { "xsk_multi_buffer", "AF_XDP multi-buffer (XDP_USE_SG)", "Linux 6.6", false },
	[FEAT_LIVE_FRAMES] = { "live_frames", "live-frames BPF_PROG_RUN (BPF_F_TEST_XDP_LIVE_FRAMES)", "Linux 5.18", false },
	[FEAT_RX_METADATA] = { "rx_metadata", "XDP RX-metadata kfuncs (bpf_xdp_metadata_rx_*)",
			       "Linux 6.3 with CONFIG_DEBUG_INFO_BTF", false },
	[FEAT_RX_META_VLAN] = { "rx_metadata_vlan", "XDP RX-metadata VLAN tag (bpf_xdp_metadata_rx_vlan_tag)",
				"Linux 6.8 with CONFIG_DEBUG_INFO_BTF", false },
	[FEAT_UNALIGNED] = { "unaligned_chunks", "unaligned UMEM chunks (XDP_UMEM_UNALIGNED_CHUNK_FLAG)",
			     "Linux 5.4", false },
	[FEAT_TX_SKB_BUDGET] = { "tx_skb_budget", "AF_XDP copy-mode TX budget (XDP_MAX_TX_SKB_BUDGET)", "Linux 6.17", false },
	[FEAT_DISPATCHER] = { "dispatcher", "libxdp multi-program dispatcher",
			      "a kernel that lets libxdp load freplace programs (5.10+) and pin them in /sys/fs/bpf", false },
	[FEAT_NATIVE_XDP] = { "native_xdp", "native (driver) XDP", "a driver with native XDP", true },
	[FEAT_ZEROCOPY] = { "zero_copy", "AF_XDP zero-copy", "a driver with AF_XDP zero-copy support", true },
};

static void set(struct feat_result *r, enum feat_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set(struct feat_result *r, enum feat_state st, const char *fmt, ...)
{
	va_list ap;

	r->state = st;
	r->detail[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* Neither found nor ruled out: say why, and what would let the probe tell. */
static void set_unknown(struct feat_result *r, const char *what, int err)
{
	set(r, FEAT_UNKNOWN, "%s failed: %s%s", what, strerror(err),
	    err == EPERM || err == EACCES ? " (run as root: probing needs CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW)" : "");
}

/* ------------------------------------------------------------- AF_XDP */

#define PROBE_FRAMES 16
#define PROBE_FRAME_SIZE 4096

struct probe_xsk {
	int fd;
	void *area;
};

static void probe_xsk_close(struct probe_xsk *x)
{
	if (x->fd >= 0)
		close(x->fd);
	if (x->area && x->area != MAP_FAILED)
		munmap(x->area, PROBE_FRAMES * PROBE_FRAME_SIZE);
	x->fd = -1;
	x->area = NULL;
}

static int setsockopt_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

/* A socket with rings and (unless share) its own small UMEM; 0 or -errno. */
static int probe_xsk_open(struct probe_xsk *x, bool own_umem)
{
	struct xdp_umem_reg reg = {};
	int ret;

	x->area = NULL;
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return -errno;
	if (own_umem) {
		x->area = mmap(NULL, PROBE_FRAMES * PROBE_FRAME_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (x->area == MAP_FAILED)
			return -errno;
		reg.addr = (__u64)(unsigned long)x->area;
		reg.len = PROBE_FRAMES * PROBE_FRAME_SIZE;
		reg.chunk_size = PROBE_FRAME_SIZE;
		if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)))
			return -errno;
		ret = setsockopt_int(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, PROBE_FRAMES);
		if (!ret)
			ret = setsockopt_int(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, PROBE_FRAMES);
		if (ret)
			return ret;
	}
	return setsockopt_int(x->fd, SOL_XDP, XDP_RX_RING, PROBE_FRAMES);
}

static int probe_xsk_bind(struct probe_xsk *x, int ifindex, __u32 qid, __u16 flags, int shared_fd)
{
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_flags = flags,
		.sxdp_ifindex = ifindex,
		.sxdp_queue_id = qid,
		.sxdp_shared_umem_fd = shared_fd,
	};
	int tries;

	/*
	 * The kernel frees a closed socket's hold on its queue from a work
	 * item: the previous probe's socket may keep the queue busy a moment.
	 */
	for (tries = 0; tries < 200; tries++) {
		if (!bind(x->fd, (struct sockaddr *)&sxdp, sizeof(sxdp)))
			return 0;
		if (errno != EBUSY || (flags & XDP_SHARED_UMEM))
			break;
		usleep(5000);
	}
	return -errno;
}

/* Bind a fresh socket to ifindex queue 0 with flags; 0 or -errno. */
static int try_bind(int ifindex, __u16 flags)
{
	struct probe_xsk x;
	int ret = probe_xsk_open(&x, true);

	if (!ret)
		ret = probe_xsk_bind(&x, ifindex, 0, flags, 0);
	probe_xsk_close(&x);
	return ret;
}

static void probe_bind_flag(struct feat_result *r, int lo, __u16 flag, const char *name)
{
	int ret = try_bind(lo, XDP_COPY | flag);

	if (!ret)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -EINVAL)
		set(r, FEAT_MISSING, "bind() refuses %s (EINVAL)", name);
	else
		set_unknown(r, "bind() to lo", -ret);
}

/*
 * Since 5.10 a socket sharing another's UMEM on another queue or device
 * brings its own fill and completion rings, made before any UMEM is
 * registered on it; older kernels refuse those rings without a UMEM. lo has
 * one queue, so the sharing bind itself is tried on the same queue.
 */
static void probe_shared_umem(struct feat_result *r, int lo)
{
	struct probe_xsk a, b;
	int ret;

	ret = probe_xsk_open(&a, true);
	if (!ret)
		ret = probe_xsk_bind(&a, lo, 0, XDP_COPY, 0);
	if (ret) {
		set_unknown(r, "bind() to lo", -ret);
		probe_xsk_close(&a);
		return;
	}
	ret = probe_xsk_open(&b, false);
	if (!ret)
		ret = probe_xsk_bind(&b, lo, 0, XDP_SHARED_UMEM, a.fd);
	if (ret) {
		set_unknown(r, "a second socket sharing the UMEM", -ret);
	} else {
		struct probe_xsk c;

		c.area = NULL;
		c.fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
		ret = c.fd < 0 ? -errno : setsockopt_int(c.fd, SOL_XDP, XDP_UMEM_FILL_RING, PROBE_FRAMES);
		if (!ret)
			set(r, FEAT_AVAILABLE, NULL);
		else if (ret == -EINVAL)
			set(r, FEAT_MISSING, "only sockets on the same queue can share a UMEM (a fill ring without UMEM is refused)");
		else
			set_unknown(r, "a fill ring on a socket without UMEM", -ret);
		probe_xsk_close(&c);
	}
	probe_xsk_close(&b);
	probe_xsk_close(&a);
}

static void probe_busy_poll(struct feat_result *r)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0) {
		set_unknown(r, "socket(AF_INET)", errno);
		return;
	}
	ret = setsockopt_int(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1);
	if (!ret)
		ret = setsockopt_int(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, 8);
	if (!ret)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -ENOPROTOOPT)
		set(r, FEAT_MISSING, "setsockopt() does not know the option (ENOPROTOOPT)");
	else
		set_unknown(r, "setsockopt(SO_BUSY_POLL_BUDGET)", -ret);
	close(fd);
}

static void probe_tx_skb_budget(struct feat_result *r)
{
	struct probe_xsk x;
	int ret = probe_xsk_open(&x, true);

	/* The budget is bounded by the TX ring's size: make one. */
	if (!ret)
		ret = setsockopt_int(x.fd, SOL_XDP, XDP_TX_RING, 64);
	if (!ret)
		ret = setsockopt_int(x.fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, 64);
	/* A value it dislikes (EACCES) still proves the option exists. */
	if (!ret || ret == -EACCES)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -ENOPROTOOPT)
		set(r, FEAT_MISSING, "setsockopt() does not know the option (ENOPROTOOPT)");
	else
		set_unknown(r, "setsockopt(XDP_MAX_TX_SKB_BUDGET)", -ret);
	probe_xsk_close(&x);
}

/* ---------------------------------------------------------------- BPF */

/* r0 = verdict; exit. */
static int load_xdp(__u32 verdict, __u32 prog_flags)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (int)verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = prog_flags);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xskmap_probe", "GPL", insns, 2, &opts);
	return fd < 0 ? -errno : fd;
}

static void probe_xdp_frags(struct feat_result *r)
{
	int fd = load_xdp(XDP_PASS, BPF_F_XDP_HAS_FRAGS);

	if (fd >= 0) {
		set(r, FEAT_AVAILABLE, NULL);
		close(fd);
	} else if (fd == -EINVAL) {
		set(r, FEAT_MISSING, "BPF_PROG_LOAD refuses BPF_F_XDP_HAS_FRAGS (EINVAL)");
	} else {
		set_unknown(r, "BPF_PROG_LOAD", -fd);
	}
}

static void probe_live_frames(struct feat_result *r)
{
	unsigned char frame[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int fd = load_xdp(XDP_DROP, 0), ret;

	if (fd < 0) {
		set_unknown(r, "BPF_PROG_LOAD", -fd);
		return;
	}
	ret = bpf_prog_test_run_opts(fd, &t) ? -errno : 0;
	if (!ret)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -EINVAL)
		set(r, FEAT_MISSING, "BPF_PROG_RUN refuses BPF_F_TEST_XDP_LIVE_FRAMES (EINVAL)");
	else
		set_unknown(r, "BPF_PROG_RUN", -ret);
	close(fd);
}

/* Parameters of the kernel function name in btf, -1: no such function. */
static int btf_func_params(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *t;

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

void features_probe_rx_metadata(struct feat_result *r, struct feat_result *vlan)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf) {
		set(r, FEAT_UNKNOWN, "no kernel BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
		set(vlan, FEAT_UNKNOWN, "%s", r->detail);
		return;
	}
	/* The hash's type argument came in 6.4; xskmap's program passes it. */
	if (btf_func_params(btf, "bpf_xdp_metadata_rx_timestamp") < 0)
		set(r, FEAT_MISSING, "the kernel's BTF has no bpf_xdp_metadata_rx_timestamp");
	else if (btf_func_params(btf, "bpf_xdp_metadata_rx_hash") != 3)
		set(r, FEAT_MISSING, "the kernel's bpf_xdp_metadata_rx_hash has no hash type argument (Linux 6.4)");
	else
		set(r, FEAT_AVAILABLE, NULL);
	if (btf_func_params(btf, "bpf_xdp_metadata_rx_vlan_tag") == 3)
		set(vlan, FEAT_AVAILABLE, NULL);
	else
		set(vlan, FEAT_MISSING, "the kernel's BTF has no bpf_xdp_metadata_rx_vlan_tag");
	btf__free(btf);
}

/*
 * Unaligned chunks: a UMEM registered with the flag and a chunk size that
 * is no power of two, which only that mode takes (EINVAL before 5.4).
 */
static void probe_unaligned(struct feat_result *r)
{
	struct xdp_umem_reg reg = {};
	size_t len = PROBE_FRAMES * PROBE_FRAME_SIZE;
	void *area;
	int fd, ret;

	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_unknown(r, "socket(AF_XDP)", errno);
		return;
	}
	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		set_unknown(r, "mmap", errno);
		close(fd);
		return;
	}
	reg.addr = (__u64)(unsigned long)area;
	reg.len = len;
	reg.chunk_size = 3000;
	reg.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	ret = setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ? -errno : 0;
	if (!ret)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -EINVAL)
		set(r, FEAT_MISSING, "XDP_UMEM_REG refuses the flag or a 3000-byte chunk (EINVAL)");
	else
		set_unknown(r, "XDP_UMEM_REG", -ret);
	munmap(area, len);
	close(fd);
}

static void probe_xskmap(struct feat_result *r)
{
	/* Not libbpf_probe_bpf_map_type(): it reports EPERM as "no". */
	int fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "xskmap_probe", sizeof(__u32), sizeof(__u32), 1, NULL);

	if (fd >= 0) {
		set(r, FEAT_AVAILABLE, NULL);
		close(fd);
	} else if (errno == EINVAL) {
		set(r, FEAT_MISSING, "BPF_MAP_CREATE refuses BPF_MAP_TYPE_XSKMAP (EINVAL)");
	} else {
		set_unknown(r, "BPF_MAP_CREATE", errno);
	}
}

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/*
 * libxdp puts a dispatcher in front of the program when the kernel lets it
 * (freplace, and pinning in bpffs), and otherwise silently attaches the
 * program alone. Attach our own program through libxdp in skb mode on the
 * namespace's lo, see which one it did, detach.
 */
/*
 * libxdp keeps its lock and dispatcher pins in $LIBXDP_BPFFS/xdp (default
 * /sys/fs/bpf/xdp) and leaves the directory behind: the probe removes it
 * if the probe made it and nothing else is in it.
 */
static void libxdp_dir(char *buf, size_t len)
{
	const char *fs = getenv("LIBXDP_BPFFS");

	snprintf(buf, len, "%s/xdp", fs && *fs ? fs : "/sys/fs/bpf");
}

static void probe_dispatcher(struct feat_result *r, int lo)
{
	char dir[256];
	bool had_dir;
	struct xsk_redirect *skel;
	struct xdp_multiprog *mp;
	struct xdp_program *xp;
	libbpf_print_fn_t old_bpf;
	libxdp_print_fn_t old;
	int ret;

	libxdp_dir(dir, sizeof(dir));
	had_dir = !access(dir, F_OK);
	/* Its fallback is the answer here, not a warning for the user. */
	old = libxdp_set_print(libxdp_quiet);
	old_bpf = libbpf_set_print(NULL);
	skel = xsk_redirect__open();
	if (!skel) {
		set_unknown(r, "opening the BPF object", errno);
		goto restore;
	}
	/* The single-buffer flavour is what is asked about. */
	bpf_program__set_autoload(skel->progs.xsk_redirect_mb, false);
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .obj = skel->obj, .prog_name = "xsk_redirect");
	xp = xdp_program__create(&xopts);
	ret = libxdp_get_error(xp);
	if (ret) {
		set_unknown(r, "libxdp xdp_program__create", -ret);
		goto out;
	}
	ret = xdp_program__attach(xp, lo, XDP_MODE_SKB, 0);
	if (ret) {
		set_unknown(r, "libxdp attach to lo", -ret);
		goto close;
	}
	mp = xdp_multiprog__get_from_ifindex(lo);
	if (libxdp_get_error(mp))
		set_unknown(r, "reading back libxdp's attachment", -libxdp_get_error(mp));
	else if (xdp_multiprog__is_legacy(mp))
		set(r, FEAT_MISSING, "libxdp attached the program alone: the kernel refused its dispatcher's freplace (BPF_PROG_TYPE_EXT) programs or their pins in /sys/fs/bpf");
	else
		set(r, FEAT_AVAILABLE, NULL);
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	xdp_program__detach(xp, lo, XDP_MODE_SKB, 0);
close:
	xdp_program__close(xp);
out:
	/* A program made from an object leaves the object to its owner. */
	xsk_redirect__destroy(skel);
restore:
	libxdp_set_print(old);
	libbpf_set_print(old_bpf);
	if (!had_dir)
		rmdir(dir);	/* fails, harmlessly, if anything is left in it */
}

/* ---------------------------------------------------------- interface */

static void probe_native(struct feat_result *r, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int fd, link, ret;

	if (!bpf_xdp_query(ifindex, XDP_FLAGS_DRV_MODE, &q) && q.prog_id) {
		set(r, FEAT_AVAILABLE, "program id %u is attached in native mode", q.prog_id);
		return;
	}
	fd = load_xdp(XDP_PASS, 0);
	if (fd < 0) {
		set_unknown(r, "BPF_PROG_LOAD", -fd);
		return;
	}
	/*
	 * A link detaches by itself when closed or when this process dies; a
	 * kernel without XDP links (before 5.9) gets a netlink attach and an
	 * immediate detach.
	 */
	link = bpf_link_create(fd, ifindex, BPF_XDP, &(struct bpf_link_create_opts){
		.sz = sizeof(struct bpf_link_create_opts), .flags = XDP_FLAGS_DRV_MODE });
	ret = link >= 0 ? 0 : -errno;
	if (link >= 0) {
		close(link);
	} else if (ret == -EINVAL) {
		ret = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (!ret)
			bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	}
	close(fd);
	if (!ret)
		set(r, FEAT_AVAILABLE, NULL);
	else if (ret == -EOPNOTSUPP)
		set(r, FEAT_MISSING, "the driver of %s has no native XDP (EOPNOTSUPP): use --mode skb", ifname);
	else if (ret == -EBUSY || ret == -EEXIST)
		set(r, FEAT_UNKNOWN, "%s already has an XDP program in another mode", ifname);
	else
		set_unknown(r, "attaching in native mode", -ret);
}

static void probe_zerocopy(struct feat_result *r, int ifindex, const char *ifname)
{
	int ret = try_bind(ifindex, XDP_ZEROCOPY);

	if (!ret)
		set(r, FEAT_AVAILABLE, "queue 0");
	else if (ret == -EOPNOTSUPP || ret == -EINVAL)
		set(r, FEAT_MISSING, "the driver of %s refuses a zero-copy bind (%s): copy mode works",
		    ifname, strerror(-ret));
	else if (ret == -EBUSY)
		set(r, FEAT_UNKNOWN, "queue 0 of %s already has an AF_XDP socket", ifname);
	else
		set_unknown(r, "a zero-copy bind", -ret);
}

void features_probe_iface(struct feat_result *res, const char *ifname)
{
	int ifindex = if_nametoindex(ifname);

	probe_native(&res[FEAT_NATIVE_XDP], ifindex, ifname);
	probe_zerocopy(&res[FEAT_ZEROCOPY], ifindex, ifname);
}

int features_try_bind(int ifindex, __u32 queue_id, __u16 flags)
{
	struct probe_xsk x;
	int ret = probe_xsk_open(&x, true);

	if (!ret)
		ret = probe_xsk_bind(&x, ifindex, queue_id, flags, 0);
	probe_xsk_close(&x);
	return ret;
}

/* The kernel-wide probes, on a thread of their own: see features_probe(). */
static void *probe_kernel_wide(void *arg)
{
	struct feat_result *res = arg;
	int i, lo, fd;

	/*
	 * They bind and attach to lo: a private network namespace keeps that
	 * away from the machine's own lo and its users. unshare() moves this
	 * thread only, so a caller's other threads and sockets stay where they
	 * are. Without the privilege to make one, probe in place.
	 */
	(void)unshare(CLONE_NEWNET);
	lo = if_nametoindex("lo");

	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		set(&res[FEAT_AF_XDP], FEAT_AVAILABLE, NULL);
		close(fd);
	} else if (errno == EAFNOSUPPORT) {
		set(&res[FEAT_AF_XDP], FEAT_MISSING, "socket(AF_XDP) fails with EAFNOSUPPORT");
	} else {
		set_unknown(&res[FEAT_AF_XDP], "socket(AF_XDP)", errno);
	}
	probe_xskmap(&res[FEAT_XSKMAP]);
	if (res[FEAT_AF_XDP].state == FEAT_AVAILABLE) {
		probe_bind_flag(&res[FEAT_NEED_WAKEUP], lo, XDP_USE_NEED_WAKEUP, "XDP_USE_NEED_WAKEUP");
		probe_bind_flag(&res[FEAT_XSK_MULTI_BUFFER], lo, XDP_USE_SG, "XDP_USE_SG");
		probe_shared_umem(&res[FEAT_SHARED_UMEM], lo);
		probe_tx_skb_budget(&res[FEAT_TX_SKB_BUDGET]);
		probe_unaligned(&res[FEAT_UNALIGNED]);
	} else {
		static const enum feat_id needs_sockets[] = {
			FEAT_NEED_WAKEUP, FEAT_XSK_MULTI_BUFFER, FEAT_SHARED_UMEM, FEAT_TX_SKB_BUDGET,
			FEAT_UNALIGNED,
		};

		for (i = 0; i < (int)(sizeof(needs_sockets) / sizeof(needs_sockets[0])); i++)
			set(&res[needs_sockets[i]], res[FEAT_AF_XDP].state,
			    "no AF_XDP sockets to try it on: %s", res[FEAT_AF_XDP].detail);
	}
	probe_busy_poll(&res[FEAT_BUSY_POLL]);
	probe_xdp_frags(&res[FEAT_XDP_FRAGS]);
	probe_live_frames(&res[FEAT_LIVE_FRAMES]);
	features_probe_rx_metadata(&res[FEAT_RX_METADATA], &res[FEAT_RX_META_VLAN]);
	probe_dispatcher(&res[FEAT_DISPATCHER], lo);
	return NULL;
}

void features_probe(struct feat_result *res, const char *ifname)
{
	pthread_t t;
	int i;

	for (i = 0; i < FEAT_COUNT; i++)
		set(&res[i], feat_defs[i].per_iface ? FEAT_NOT_PROBED : FEAT_UNKNOWN, NULL);
	if (ifname) {
		int ifindex = if_nametoindex(ifname);

		probe_native(&res[FEAT_NATIVE_XDP], ifindex, ifname);
		probe_zerocopy(&res[FEAT_ZEROCOPY], ifindex, ifname);
	}
	if (pthread_create(&t, NULL, probe_kernel_wide, res)) {
		for (i = 0; i < FEAT_COUNT; i++)
			if (!feat_defs[i].per_iface)
				set(&res[i], FEAT_UNKNOWN, "cannot start the probing thread");
		return;
	}
	pthread_join(t, NULL);
}

/* One capability, probed as features_probe() does (see features_check()). */
struct probe_one {
	enum feat_id id;
	struct feat_result r;
};

static void *probe_one_thread(void *arg)
{
	struct probe_one *po = arg;
	int lo;

	(void)unshare(CLONE_NEWNET);
	lo = if_nametoindex("lo");
	switch (po->id) {
	case FEAT_XSK_MULTI_BUFFER:
		probe_bind_flag(&po->r, lo, XDP_USE_SG, "XDP_USE_SG");
		break;
	case FEAT_XDP_FRAGS:
		probe_xdp_frags(&po->r);
		break;
	default:
		set(&po->r, FEAT_UNKNOWN, "no single probe for it: see xskmap features");
	}
	return NULL;
}

enum feat_state features_check(enum feat_id id, char *msg, size_t len)
{
	struct probe_one po = { .id = id };
	pthread_t t;

	set(&po.r, FEAT_UNKNOWN, NULL);
	if (pthread_create(&t, NULL, probe_one_thread, &po))
		set(&po.r, FEAT_UNKNOWN, "cannot start the probing thread");
	else
		pthread_join(t, NULL);
	if (po.r.state == FEAT_MISSING) {
		char need[160];

		features_missing_msg(id, need, sizeof(need));
		snprintf(msg, len, "%s%s%s", need, po.r.detail[0] ? ": " : "", po.r.detail);
	} else {
		snprintf(msg, len, "%s", po.r.detail);
	}
	return po.r.state;
}

/* ---------------------------------------------------------- rendering */

void features_missing_msg(enum feat_id id, char *buf, size_t len)
{
	const struct feat_def *d = &feat_defs[id];

	snprintf(buf, len, "%s needs %s", d->title, d->needs);
}

#define NOT_PROBED_HINT "give an interface: xskmap features IFNAME"

static const char *state_word(enum feat_state s)
{
	switch (s) {
	case FEAT_AVAILABLE:
		return "yes";
	case FEAT_MISSING:
		return "no";
	case FEAT_NOT_PROBED:
		return "-";
	default:
		return "unknown";
	}
}

void features_print_text(FILE *f, const struct feat_result *res, const char *ifname,
			 const char *kernel)
{
	char msg[256];
	int i;

	fprintf(f, "kernel %s (probed, not read from the version)%s%s\n", kernel,
		ifname ? ", interface " : "", ifname ? ifname : "");
	for (i = 0; i < FEAT_COUNT; i++) {
		const struct feat_result *r = &res[i];

		fprintf(f, "  %-66s %-7s", feat_defs[i].title, state_word(r->state));
		if (r->state == FEAT_MISSING) {
			features_missing_msg(i, msg, sizeof(msg));
			fprintf(f, " %s%s%s", msg, r->detail[0] ? "; " : "", r->detail);
		} else if (r->state == FEAT_NOT_PROBED) {
			fprintf(f, " %s", NOT_PROBED_HINT);
		} else if (r->detail[0]) {
			fprintf(f, " %s", r->detail);
		}
		fputc('\n', f);
	}
}

void features_print_json(FILE *f, const struct feat_result *res, const char *ifname,
			 const char *kernel)
{
	json_object *o = json_object_new_object(), *feats = json_object_new_object();
	char msg[256];
	int i;

	jput_str(o, "kernel", kernel);
	jput_str(o, "interface", ifname);
	for (i = 0; i < FEAT_COUNT; i++) {
		const struct feat_result *r = &res[i];
		json_object *e = json_object_new_object();

		jput_str(e, "title", feat_defs[i].title);
		jput(e, "available", r->state == FEAT_AVAILABLE ? json_object_new_boolean(1) :
				     r->state == FEAT_MISSING ? json_object_new_boolean(0) : NULL);
		jput_str(e, "needs", feat_defs[i].needs);
		if (r->state == FEAT_MISSING) {
			features_missing_msg(i, msg, sizeof(msg));
			jput_str(e, "message", msg);
		}
		if (r->state == FEAT_NOT_PROBED)
			jput_str(e, "detail", NOT_PROBED_HINT);
		else if (r->detail[0])
			jput_str(e, "detail", r->detail);
		jput(feats, feat_defs[i].key, e);
	}
	jput(o, "features", feats);
	json_out_print(f, o);
}

/* --------------------------------------------------------------- command */
