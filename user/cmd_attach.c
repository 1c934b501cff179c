// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap attach: the xsk_redirect program and its rules for sockets other
 * processes own (DPDK's af_xdp PMD with use_pinned_map, the AF_XDP device
 * plugin's pods, anybody's libxdp code), left on the interface when the
 * command exits.
 *
 * The attachment is a BPF link pinned in the pin directory, not a netlink
 * attachment: the pin keeps it after this process ends, the kernel refuses
 * to let anybody replace or remove it through netlink meanwhile (`ip link
 * set dev IF xdp off` gets EBUSY, so no other tool takes the interface by
 * mistake), its id in the record tells `run`, `rules` and `detach` whether
 * it is still on, and unpinning it is all `detach` needs to remove it.
 * xsks_map and the rule maps are pinned beside it, so the directory holds
 * the whole instance.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "cls_maps.h"
#include "iface.h"
#include "log.h"
#include "privs.h"
#include "options.h"
#include "owner.h"
#include "prog.h"
#include "run_owner.h"
#include "cmd.h"
#include "util.h"

#define BPFFS_SYS "/sys/fs/bpf"

/* The deepest existing directory of path is on a bpffs. */
static bool on_bpffs(const char *path, char *where, size_t len)
{
	char head[PATH_MAX], *slash;
	struct statfs sf;
	struct stat st;

	snprintf(head, sizeof(head), "%s", path);
	while (stat(head, &st)) {
		slash = strrchr(head, '/');
		if (!slash || slash == head) {
			snprintf(head, sizeof(head), "/");
			break;
		}
		*slash = '\0';
	}
	snprintf(where, len, "%s", head);
	return !statfs(head, &sf) && sf.f_type == BPF_FS_MAGIC;
}

/*
 * The attachment lives in its pins, so they must be on a bpffs that
 * outlives this command. attach never mounts one itself: a mount made here
 * would hide what the directory held, and under `ip netns exec` (a mount
 * namespace of its own) it would vanish with the command, the program with
 * it. EXIT_OK or EXIT_FAIL after one line.
 */
static int attach_check_dir(const char *dir, const char *ifname)
{
	char where[PATH_MAX];

	if (on_bpffs(dir, where, sizeof(where)))
		return EXIT_OK;
	if (!strncmp(dir, BPFFS_SYS "/", sizeof(BPFFS_SYS)) && !strcmp(where, BPFFS_SYS))
		pr_err("no bpffs is mounted on " BPFFS_SYS " in this mount namespace (as under 'ip netns exec', which gives each command a fresh /sys): a bpffs mounted for this command would vanish with it, and the attachment with it; mount a bpffs the consumers share ('mkdir -p DIR && mount -t bpf bpf DIR') and give --pin-dir DIR\n");
	else
		pr_err("pin directory %s is not on a bpf filesystem (%s is not bpffs): the attachment and xsks_map live in pins, which only a bpffs holds; mount one there as the AF_XDP device plugin does ('mkdir -p %s && mount -t bpf bpf %s'), or give --pin-dir on a bpffs (e.g. " BPFFS_SYS "/xskmap/%s)\n",
		       dir, where, dir, dir, ifname);
	return EXIT_FAIL;
}

int cmd_attach(int argc, char **argv)
{
	struct run_opts *o = calloc(1, sizeof(*o));
	struct xsk_ruleset *rs = calloc(1, sizeof(*rs));
	struct run_owner *own = calloc(1, sizeof(*own));
	struct prog prog = { .link_fd = -1 };
	struct prog_cfg pcfg = {};
	char err[768], caps[128], dir[PATH_MAX], path[PATH_MAX + 16], why[128];
	struct cls_fds fds;
	int ifindex, nq, ret = EXIT_FAIL;
	__u32 slots;

	if (!o || !rs || !own) {
		pr_err("out of memory\n");
		goto out;
	}
	ret = opts_exit_code(attach_opts_parse(argc, argv, o, err, sizeof(err)), err);
	if (ret >= 0)
		goto out;
	ret = EXIT_FAIL;
	log_init(o->verbose);
	if (run_opts_ruleset(o, rs, err, sizeof(err))) {
		fprintf(stderr, "xskmap: error: %s\n", err);
		ret = EXIT_USAGE;
		goto out;
	}
	if (check_caps(caps, sizeof(caps), true)) {
		char setcap[320];

		privs_setcap_line(setcap, sizeof(setcap));
		pr_err("missing %s: run as root, or grant them with '%s'\n", caps, setcap);
		goto out;
	}
	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		pr_err("interface '%s' does not exist: check the name with 'ip link show'\n", o->ifname);
		ret = EXIT_USAGE;
		goto out;
	}
	nq = iface_rx_queues(o->ifname);
	if (nq <= 0) {
		pr_err("cannot read the RX queue count of %s: %s\n", o->ifname,
		       strerror(nq ? -nq : ENOENT));
		goto out;
	}
	if (nq > XSKMAP_MAX_QUEUES)
		nq = XSKMAP_MAX_QUEUES;
	/* xsk_socket__update_xskmap() puts a socket at its queue id: one slot per queue. */
	slots = run_opts_slots(o, nq);
	snprintf(why, sizeof(why), ", one per RX queue of %s%s", o->ifname,
		 o->fixed ? " or up to --fixed-index" : "");
	if (ruleset_check_slots(rs, slots, why, err, sizeof(err))) {
		pr_err("%s\n", err);
		ret = EXIT_USAGE;
		goto out;
	}
	if (o->pin_dir)
		snprintf(dir, sizeof(dir), "%s", o->pin_dir);
	else
		snprintf(dir, sizeof(dir), ATTACH_PIN_ROOT "/%s", o->ifname);
	if (attach_check_dir(dir, o->ifname))
		goto out;

	/* The record and the pin directory (safe, nobody else's) before anything changes. */
	if (run_owner_claim(own, ifindex, o->ifname, dir))
		goto out;
	own->own.rec.attach = true;

	raise_memlock();
	pcfg.fallback = o->fallback;
	pcfg.map_entries = slots;
	if (prog_load(&prog, &pcfg, err, sizeof(err))) {
		pr_err("%s\n", err);
		goto fail;
	}
	/* Rules in place before attach: the first frame already obeys them. */
	cls_fds_from_skel(prog.skel, &fds);
	if (cls_apply(&fds, rs, err, sizeof(err))) {
		pr_err("%s\n", err);
		goto fail;
	}
	if (prog_attach(&prog, ifindex, o->ifname, o->mode, o->force, err, sizeof(err))) {
		pr_err("%s\n", err);
		goto fail;
	}
	if (run_owner_commit(own, &prog))
		goto fail;
	snprintf(path, sizeof(path), "%s/" ATTACH_LINK_PIN, own->pin_dir);
	if (bpf_obj_pin(prog.link_fd, path)) {
		pr_err("cannot pin the BPF link as %s: %s\n", path, strerror(errno));
		goto fail;
	}
	/* From here on the pins hold everything: the record stays, unlocked. */
	run_owner_keep(own);
	printf("xskmap: attached %s to %s in %s mode (program id %u, BPF link %u pinned as %s)\n",
	       XSKMAP_PROG_NAME, o->ifname, attach_mode_str(prog.mode), prog.prog_id, prog.link_id,
	       path);
	printf("xskmap: xsks_map (%u slot%s, a socket of queue q goes to slot q) is pinned as %s/xsks_map: insert sockets with xsk_socket__update_xskmap(), DPDK with use_pinned_map=1,dp_path=%s/xsks_map\n",
	       slots, slots == 1 ? "" : "s", own->pin_dir, own->pin_dir);
	printf("xskmap: 'xskmap rules %s list' shows the rules; 'xskmap detach %s' removes it all\n",
	       o->ifname, o->ifname);
	prog_destroy(&prog);
	ret = EXIT_OK;
	goto out;
fail:
	/* Link closed (the kernel detaches) before the record goes. */
	prog_destroy(&prog);
	run_owner_release(own);
out:
	free(o);
	free(rs);
	free(own);
	return ret;
}

/* The link is gone (or no longer attaches): after its last pin went. */
static bool link_gone(__u32 id)
{
	int fd = bpf_link_get_fd_by_id(id);

	if (fd < 0)
		return errno == ENOENT;
	close(fd);
	return false;
}

int attach_remove(struct owner *o, const char *ifname, const char *pin_dir)
{
	const struct owner_rec *rec = &o->rec;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char names[128];
	__u32 left;
	int i, n, l;

	if (!owner_same_dir(rec->pin_dir, rec->pin_dev, rec->pin_ino)) {
		pr_err("the 'xskmap attach' on %s pinned its link under %s, which this command does not see (another mount namespace: under 'ip netns exec' each command has its own /sys/fs/bpf): run detach where that bpffs is mounted\n",
		       ifname, rec->pin_dir);
		owner_keep(o);
		return EXIT_FAIL;
	}
	if (pin_dir && !owner_same_dir(pin_dir, rec->pin_dev, rec->pin_ino)) {
		pr_err("the 'xskmap attach' on %s pinned under %s, not %s: give that --pin-dir, or none\n",
		       ifname, rec->pin_dir, pin_dir);
		owner_keep(o);
		return EXIT_FAIL;
	}
	l = owner_unpin_link(rec->pin_dir, rec->link_id);
	/* The kernel frees the link (and detaches) shortly after its last reference. */
	for (i = 0; i < 200 && !link_gone(rec->link_id); i++)
		nanosleep(&tick, NULL);
	if (!link_gone(rec->link_id)) {
		pr_err("BPF link %u still attaches %s to %s after its pin %s/" ATTACH_LINK_PIN " was removed: another process holds it open ('bpftool link show id %u'; 'bpftool link detach id %u' forces it off); the maps stay pinned until then, run detach again\n",
		       rec->link_id, XSKMAP_PROG_NAME, ifname, rec->pin_dir, rec->link_id, rec->link_id);
		owner_keep(o);
		return EXIT_FAIL;
	}
	n = cls_unpin_recorded(rec->pin_dir, rec->maps, false, NULL);
	left = cls_pins_present(rec->pin_dir);
	cls_pin_dir_remove(rec->pin_dir, rec->created_top);
	printf("xskmap: detached %s (program id %u, BPF link %u) from %s; removed %d pin%s under %s\n",
	       XSKMAP_PROG_NAME, rec->prog_id, rec->link_id, ifname, n + l, n + l == 1 ? "" : "s",
	       rec->pin_dir);
	if (left) {
		pin_names(left, names, sizeof(names));
		printf("xskmap: left %s under %s, which 'xskmap attach' did not pin\n", names,
		       rec->pin_dir);
	}
	owner_release(o, true);
	return EXIT_OK;
}
