// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "prog.h"
#include "xsk_redirect.skel.h"
#include "xsk_redirect_meta.skel.h"
#include "xsk_redirect_meta_novlan.skel.h"

/* Newer than bookworm's linux-libc-dev 6.1: include/uapi/linux/bpf.h. */
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

/*
 * The skeleton of the default object over the ELF of a --metadata
 * flavour: the same source, so the same maps, program and rodata by name,
 * and every user of struct xsk_redirect works on either.
 */
static struct xsk_redirect *open_meta_flavour(bool vlan)
{
	struct xsk_redirect *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = xsk_redirect__create_skeleton(obj);
	if (!err) {
		obj->skeleton->data = vlan ?
			(void *)xsk_redirect_meta__elf_bytes(&obj->skeleton->data_sz) :
			(void *)xsk_redirect_meta_novlan__elf_bytes(&obj->skeleton->data_sz);
		err = bpf_object__open_skeleton(obj->skeleton, NULL);
	}
	if (err) {
		xsk_redirect__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

const char *attach_mode_str(enum attach_mode m)
{
	switch (m) {
	case ATTACH_NATIVE:
		return "native";
	case ATTACH_SKB:
		return "skb";
	default:
		return "auto";
	}
}

int prog_load(struct prog *p, const struct prog_cfg *cfg, char *err, size_t errlen)
{
	char buf[128];
	int ret;

	memset(p, 0, sizeof(*p));
	p->link_fd = -1;
	p->skel = cfg->meta_ifindex ? open_meta_flavour(cfg->meta_vlan) : xsk_redirect__open();
	if (!p->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-ret));
		return ret;
	}
	/*
	 * One flavour is loaded: the other would cost a verification for
	 * nothing, and the frags one needs a kernel that knows xdp.frags.
	 */
	p->multi_buffer = cfg->multi_buffer;
	bpf_program__set_autoload(p->skel->progs.xsk_redirect, !cfg->multi_buffer);
	bpf_program__set_autoload(p->skel->progs.xsk_redirect_mb, cfg->multi_buffer);
	if (cfg->meta_ifindex) {
		/* The kfuncs resolve to this device's driver: only it may run the program. */
		struct bpf_program *prog = cfg->multi_buffer ? p->skel->progs.xsk_redirect_mb :
							       p->skel->progs.xsk_redirect;

		bpf_program__set_ifindex(prog, cfg->meta_ifindex);
		bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_DEV_BOUND_ONLY);
	}
	p->skel->rodata->cfg_fallback = cfg->fallback;
	p->skel->rodata->cfg_rx_timestamp = cfg->rx_timestamp;
	ret = bpf_map__set_max_entries(p->skel->maps.xsks_map, cfg->map_entries);
	if (ret) {
		snprintf(err, errlen, "cannot size xsks_map to %u entries: %s", cfg->map_entries, strerror(-ret));
		goto fail;
	}
	ret = xsk_redirect__load(p->skel);
	if (ret) {
		libbpf_strerror(ret, buf, sizeof(buf));
		if (ret == -EPERM)
			snprintf(err, errlen, "loading the XDP program was refused (%s): run as root or grant CAP_BPF and CAP_NET_ADMIN", buf);
		else if (cfg->meta_ifindex)
			snprintf(err, errlen, "loading the --metadata XDP program bound to the interface failed (%s): the driver may have no RX-metadata kfuncs; rerun with -v for the verifier log, or run without --metadata", buf);
		else
			snprintf(err, errlen, "loading the XDP program failed (%s): rerun with -v for the verifier log", buf);
		goto fail;
	}
	return 0;
fail:
	xsk_redirect__destroy(p->skel);
	p->skel = NULL;
	return ret;
}

/* Name of the program with this id, or "?" if it vanished. */
static void prog_name_by_id(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, len, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(name, len, "%s", info.name[0] ? info.name : "(unnamed)");
	close(fd);
}

struct attached {
	__u32 id;
	__u32 flags;		/* XDP_FLAGS_DRV_MODE / SKB_MODE / HW_MODE */
	const char *mode;
	const char *ip_word;	/* `ip link set dev IF <word> off` */
};

/* What is attached to ifindex, one entry per mode. */
static int query_attached(int ifindex, struct attached out[3])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int n = 0, ret;

	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret)
		return ret;
	if (q.drv_prog_id)
		out[n++] = (struct attached){ q.drv_prog_id, XDP_FLAGS_DRV_MODE, "native", "xdpdrv" };
	if (q.skb_prog_id)
		out[n++] = (struct attached){ q.skb_prog_id, XDP_FLAGS_SKB_MODE, "skb", "xdpgeneric" };
	if (q.hw_prog_id)
		out[n++] = (struct attached){ q.hw_prog_id, XDP_FLAGS_HW_MODE, "hw", "xdpoffload" };
	return n;
}

/*
 * The id of the XDP link that attaches prog_id to ifindex, 0 when it was
 * attached through netlink. Link info names the ifindex, not the namespace,
 * so the program id must match too.
 */
__u32 prog_link_holding(int ifindex, __u32 prog_id)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		    info.prog_id == prog_id && (int)info.xdp.ifindex == ifindex) {
			close(fd);
			return id;
		}
		close(fd);
	}
	return 0;
}

/* One of ours, either flavour? */
static bool is_xskmap_prog(const char *name)
{
	return !strcmp(name, XSKMAP_PROG_NAME) || !strcmp(name, XSKMAP_PROG_NAME_MB);
}

const char *prog_name(const struct prog *p)
{
	return p->multi_buffer ? XSKMAP_PROG_NAME_MB : XSKMAP_PROG_NAME;
}

static int link_attach(struct prog *p, int ifindex, __u32 mode_flag)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode_flag);
	struct bpf_program *bp = p->multi_buffer ? p->skel->progs.xsk_redirect_mb :
				 p->skel->progs.xsk_redirect;
	int fd = bpf_link_create(bpf_program__fd(bp), ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static int iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* Why native attach most likely failed, for an errno the kernel gave. */
static void native_cause(int err, const char *ifname, bool mb, char *buf, size_t len)
{
	int mtu = iface_mtu(ifname);

	switch (err) {
	case EOPNOTSUPP:
		snprintf(buf, len, "the driver of %s has no native XDP", ifname);
		break;
	case ERANGE:
	case EINVAL:
		if (mb) {
			snprintf(buf, len, "the driver of %s likely has no multi-buffer XDP at MTU %d (or, on veth, the peer's MTU); a smaller MTU allows native mode",
				 ifname, mtu);
			break;
		}
		snprintf(buf, len, "MTU %d (or, on veth, the peer's MTU) is likely too large for a single-buffer XDP program on this driver; a smaller MTU allows native mode",
			 mtu);
		break;
	case ENOMEM:
		snprintf(buf, len, "the driver could not allocate its XDP rings");
		break;
	default:
		snprintf(buf, len, "the driver refused it");
		break;
	}
}

int prog_attach(struct prog *p, int ifindex, const char *ifname,
		enum attach_mode mode, bool force, char *err, size_t errlen)
{
	struct attached cur[3];
	char name[BPF_OBJ_NAME_LEN], cause[192];
	int n, i, ret;

	p->link_fd = -1;
	n = query_attached(ifindex, cur);
	if (n < 0) {
		snprintf(err, errlen, "cannot query XDP programs on %s: %s", ifname, strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		__u32 link = prog_link_holding(ifindex, cur[i].id);
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
		int fd;

		prog_name_by_id(cur[i].id, name, sizeof(name));
		if (link) {
			/* Nobody replaces a link's program, not even with --force. */
			snprintf(err, errlen, "%s already has XDP program '%s' (id %u, %s mode) held by BPF link %u of a running process%s: it goes when that process ends ('bpftool link detach id %u' forces it off)",
				 ifname, name, cur[i].id, cur[i].mode, link,
				 force ? "; --force cannot replace it" : "", link);
			return -EBUSY;
		}
		/*
		 * Without CAP_SYS_ADMIN no link (nor program) can be looked up
		 * by id: whose it is, and whether netlink could remove it, is
		 * unknown here. Say so rather than suggest a removal that may
		 * not be possible.
		 */
		if (bpf_link_get_next_id(0, &(__u32){ 0 }) == -EPERM) {
			snprintf(err, errlen, "%s already has XDP program id %u attached (%s mode); this run cannot tell whose (without CAP_SYS_ADMIN neither BPF links nor programs can be looked up by id): 'xskmap status %s' as root names it; if it is another xskmap run, stop that one first",
				 ifname, cur[i].id, cur[i].mode, ifname);
			return -EBUSY;
		}
		if (!force) {
			snprintf(err, errlen, "%s already has XDP program '%s' attached (%s mode, id %u)%s: remove it ('ip link set dev %s %s off'), or use --force to replace it",
				 ifname, name, cur[i].mode, cur[i].id,
				 !is_xskmap_prog(name) ? "" :
				 " through netlink, so not by a running xskmap (xdp-loader, ip link or an older xskmap put it there)",
				 ifname, cur[i].ip_word);
			return -EEXIST;
		}
		pr_warn("replacing XDP program '%s' (id %u, %s mode, attached through netlink) on %s (--force); it is not restored on exit\n",
			name, cur[i].id, cur[i].mode, ifname);
		/* A link cannot take over a netlink attachment: remove it first, if still that one. */
		fd = bpf_prog_get_fd_by_id(cur[i].id);
		if (fd < 0)
			continue;	/* already gone */
		opts.old_prog_fd = fd;
		ret = bpf_xdp_detach(ifindex, cur[i].flags, &opts);
		close(fd);
		if (ret && ret != -EEXIST) {
			snprintf(err, errlen, "cannot remove XDP program '%s' (id %u) from %s: %s",
				 name, cur[i].id, ifname, strerror(-ret));
			return ret;
		}
	}

	p->ifindex = ifindex;
	if (mode == ATTACH_NATIVE || mode == ATTACH_AUTO) {
		ret = link_attach(p, ifindex, XDP_FLAGS_DRV_MODE);
		if (ret >= 0) {
			p->link_fd = ret;
			p->mode = ATTACH_NATIVE;
			goto attached;
		}
		if (mode == ATTACH_NATIVE || ret == -EBUSY || ret == -EEXIST || ret == -EPERM)
			goto fail;
		native_cause(-ret, ifname, p->multi_buffer, cause, sizeof(cause));
		pr_info("native XDP attach to %s failed (%s: %s): %s; trying skb (generic) mode\n",
			ifname, strerrorname_np(-ret) ? strerrorname_np(-ret) : "?", strerror(-ret), cause);
	}
	ret = link_attach(p, ifindex, XDP_FLAGS_SKB_MODE);
	if (ret >= 0) {
		p->link_fd = ret;
		p->mode = ATTACH_SKB;
		goto attached;
	}
fail:
	if (ret == -EBUSY || ret == -EEXIST)
		snprintf(err, errlen, "%s got another XDP program while xskmap was starting (%s): retry, or use --force",
			 ifname, strerror(-ret));
	else if (ret == -EPERM)
		snprintf(err, errlen, "attaching to %s was refused (%s): run as root or grant CAP_NET_ADMIN",
			 ifname, strerror(-ret));
	else if (ret == -EINVAL && mode == ATTACH_SKB)
		snprintf(err, errlen, "cannot attach to %s in skb mode: %s (a kernel before 5.9 has no XDP links)",
			 ifname, strerror(-ret));
	else if (mode == ATTACH_NATIVE && ret == -EOPNOTSUPP)
		snprintf(err, errlen, "%s does not support native XDP (%s): use --mode skb or --mode auto",
			 ifname, strerror(-ret));
	else if (mode == ATTACH_NATIVE && (ret == -EINVAL || ret == -ERANGE)) {
		native_cause(-ret, ifname, p->multi_buffer, cause, sizeof(cause));
		snprintf(err, errlen, "%s does not support native XDP as configured (%s): %s; or use --mode skb or --mode auto",
			 ifname, strerror(-ret), cause);
	} else
		snprintf(err, errlen, "cannot attach to %s in %s mode: %s (MTU too large for XDP? try a smaller MTU or --mode skb)",
			 ifname, mode == ATTACH_SKB ? "skb" : "native", strerror(-ret));
	p->ifindex = 0;
	return ret;

attached: {
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(p->link_fd, &info, &len)) {
		p->link_id = info.id;
		p->prog_id = info.prog_id;
	}
	return 0;
}
}

int prog_link_check(const struct prog *p)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (p->link_fd < 0)
		return -EBADF;
	if (bpf_obj_get_info_by_fd(p->link_fd, &info, &len))
		return -errno;
	return (int)info.xdp.ifindex == p->ifindex ? 0 : -ENODEV;
}

void prog_detach(struct prog *p)
{
	if (!p->skel || p->link_fd < 0)
		return;
	/* The last reference: the kernel detaches the program. */
	close(p->link_fd);
	p->link_fd = -1;
}

void prog_destroy(struct prog *p)
{
	prog_detach(p);
	if (p->skel)
		xsk_redirect__destroy(p->skel);
	p->skel = NULL;
}

int prog_xsks_map_fd(const struct prog *p)
{
	return bpf_map__fd(p->skel->maps.xsks_map);
}

int prog_stats_map_fd(const struct prog *p)
{
	return bpf_map__fd(p->skel->maps.xsk_stats);
}

int prog_describe_attached(int ifindex, const char *ifname, char *msg, size_t msglen)
{
	struct attached cur[3];
	char name[BPF_OBJ_NAME_LEN];
	size_t off = 0;
	int n, i;

	msg[0] = '\0';
	n = query_attached(ifindex, cur);
	if (n < 0) {
		snprintf(msg, msglen, "cannot query XDP programs on %s: %s", ifname, strerror(-n));
		return n;
	}
	for (i = 0; i < n && off < msglen; i++) {
		__u32 link = prog_link_holding(ifindex, cur[i].id);

		prog_name_by_id(cur[i].id, name, sizeof(name));
		if (link)
			off += snprintf(msg + off, msglen - off,
					"%sleft XDP program '%s' (id %u, %s mode) on %s: held by BPF link %u of another process, not by an xskmap run; it goes when that process ends ('bpftool link detach id %u' forces it off)",
					off ? "\n" : "", name, cur[i].id, cur[i].mode, ifname, link, link);
		else
			off += snprintf(msg + off, msglen - off,
					"%sleft XDP program '%s' (id %u, %s mode) on %s: attached through netlink, so not by an xskmap run (it is not xskmap's to remove%s); remove it with 'ip link set dev %s %s off'",
					off ? "\n" : "", name, cur[i].id, cur[i].mode, ifname,
					!is_xskmap_prog(name) ? "" :
					": xdp-loader, ip link or an older xskmap attached it",
					ifname, cur[i].ip_word);
	}
	return n;
}

__u32 prog_link_held(int ifindex, __u32 *prog_id)
{
	struct attached cur[3];
	char name[BPF_OBJ_NAME_LEN];
	int n, i;

	n = query_attached(ifindex, cur);
	for (i = 0; i < n; i++) {
		__u32 link = prog_link_holding(ifindex, cur[i].id);

		prog_name_by_id(cur[i].id, name, sizeof(name));
		if (link && is_xskmap_prog(name)) {
			*prog_id = cur[i].id;
			return link;
		}
	}
	return 0;
}
