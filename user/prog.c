// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "prog.h"
#include "xsk_redirect.skel.h"

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
	p->skel = xsk_redirect__open();
	if (!p->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-ret));
		return ret;
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
		out[n++] = (struct attached){ q.drv_prog_id, XDP_FLAGS_DRV_MODE, "native" };
	if (q.skb_prog_id)
		out[n++] = (struct attached){ q.skb_prog_id, XDP_FLAGS_SKB_MODE, "skb" };
	if (q.hw_prog_id)
		out[n++] = (struct attached){ q.hw_prog_id, XDP_FLAGS_HW_MODE, "hw" };
	return n;
}

static int try_attach(struct prog *p, int ifindex, __u32 mode_flag, bool force)
{
	int fd = bpf_program__fd(p->skel->progs.xsk_redirect);
	__u32 flags = mode_flag | (force ? 0 : XDP_FLAGS_UPDATE_IF_NOEXIST);

	return bpf_xdp_attach(ifindex, fd, flags, NULL);
}

int prog_attach(struct prog *p, int ifindex, const char *ifname,
		enum attach_mode mode, bool force, char *err, size_t errlen)
{
	struct attached cur[3];
	char name[BPF_OBJ_NAME_LEN];
	int n, i, ret;

	n = query_attached(ifindex, cur);
	if (n < 0) {
		snprintf(err, errlen, "cannot query XDP programs on %s: %s", ifname, strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		prog_name_by_id(cur[i].id, name, sizeof(name));
		if (!force) {
			if (!strcmp(name, XSKMAP_PROG_NAME))
				snprintf(err, errlen, "%s already has xskmap's program attached (%s mode, id %u): another xskmap runs there, or one was killed: run 'xskmap detach %s'",
					 ifname, cur[i].mode, cur[i].id, ifname);
			else
				snprintf(err, errlen, "%s already has XDP program '%s' attached (%s mode, id %u): remove it, or use --force to replace it",
					 ifname, name, cur[i].mode, cur[i].id);
			return -EEXIST;
		}
		pr_warn("replacing XDP program '%s' (id %u, %s mode) on %s (--force); it is not restored on exit\n",
			name, cur[i].id, cur[i].mode, ifname);
		/* Native and skb programs cannot coexist: clear the other mode. */
		if ((mode == ATTACH_SKB && cur[i].flags != XDP_FLAGS_SKB_MODE) ||
		    (mode != ATTACH_SKB && cur[i].flags != XDP_FLAGS_DRV_MODE))
			bpf_xdp_detach(ifindex, cur[i].flags, NULL);
	}

	p->ifindex = ifindex;
	if (mode == ATTACH_NATIVE || mode == ATTACH_AUTO) {
		ret = try_attach(p, ifindex, XDP_FLAGS_DRV_MODE, force);
		if (!ret) {
			p->xdp_flags = XDP_FLAGS_DRV_MODE;
			p->mode = ATTACH_NATIVE;
			return 0;
		}
		if (mode == ATTACH_NATIVE || ret == -EBUSY || ret == -EEXIST || ret == -EPERM)
			goto fail;
		pr_debug("native attach failed (%s), trying skb mode\n", strerror(-ret));
	}
	ret = try_attach(p, ifindex, XDP_FLAGS_SKB_MODE, force);
	if (!ret) {
		p->xdp_flags = XDP_FLAGS_SKB_MODE;
		p->mode = ATTACH_SKB;
		return 0;
	}
fail:
	if (ret == -EBUSY || ret == -EEXIST)
		snprintf(err, errlen, "%s got another XDP program while xskmap was starting (%s): retry, or use --force",
			 ifname, strerror(-ret));
	else if (ret == -EPERM)
		snprintf(err, errlen, "attaching to %s was refused (%s): run as root or grant CAP_NET_ADMIN",
			 ifname, strerror(-ret));
	else if (mode == ATTACH_NATIVE && (ret == -EOPNOTSUPP || ret == -EINVAL))
		snprintf(err, errlen, "%s does not support native XDP (%s): use --mode skb or --mode auto",
			 ifname, strerror(-ret));
	else
		snprintf(err, errlen, "cannot attach to %s in %s mode: %s (MTU too large for XDP? try a smaller MTU or --mode skb)",
			 ifname, mode == ATTACH_SKB ? "skb" : "native", strerror(-ret));
	p->ifindex = 0;
	return ret;
}

void prog_detach(struct prog *p)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int ret;

	if (!p->skel || !p->xdp_flags)
		return;
	/* XDP_FLAGS_REPLACE (set by libbpf for old_prog_fd): only if still ours. */
	opts.old_prog_fd = bpf_program__fd(p->skel->progs.xsk_redirect);
	ret = bpf_xdp_detach(p->ifindex, p->xdp_flags, &opts);
	if (ret && ret != -EEXIST)
		pr_warn("detaching from ifindex %d failed: %s\n", p->ifindex, strerror(-ret));
	p->xdp_flags = 0;
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

int prog_detach_leftover(int ifindex, const char *ifname, char *msg, size_t msglen)
{
	struct attached cur[3];
	char name[BPF_OBJ_NAME_LEN];
	size_t off = 0;
	int n, i, removed = 0, ret;

	msg[0] = '\0';
	n = query_attached(ifindex, cur);
	if (n < 0) {
		snprintf(msg, msglen, "cannot query XDP programs on %s: %s", ifname, strerror(-n));
		return n;
	}
	if (!n) {
		snprintf(msg, msglen, "no XDP program on %s: nothing to remove", ifname);
		return 0;
	}
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
		int fd;

		prog_name_by_id(cur[i].id, name, sizeof(name));
		if (strcmp(name, XSKMAP_PROG_NAME)) {
			off += snprintf(msg + off, msglen - off,
					"%sleft XDP program '%s' (id %u, %s mode) on %s: it is not xskmap's; remove it with 'ip link set dev %s xdp off'",
					off ? "; " : "", name, cur[i].id, cur[i].mode, ifname, ifname);
			continue;
		}
		fd = bpf_prog_get_fd_by_id(cur[i].id);
		if (fd < 0)
			continue;	/* already gone */
		opts.old_prog_fd = fd;
		ret = bpf_xdp_detach(ifindex, cur[i].flags, &opts);
		close(fd);
		if (ret) {
			snprintf(msg, msglen, "cannot remove '%s' (id %u) from %s: %s",
				 name, cur[i].id, ifname, strerror(-ret));
			return ret;
		}
		removed++;
		off += snprintf(msg + off, msglen - off, "%sremoved XDP program '%s' (id %u, %s mode) from %s",
				off ? "; " : "", name, cur[i].id, cur[i].mode, ifname);
		if (off >= msglen)
			off = msglen - 1;
	}
	return removed;
}
