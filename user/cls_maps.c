// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/membarrier.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cls_maps.h"
#include "log.h"
#include "stats.h"
#include "xsk_redirect.skel.h"

#define BPFFS_ROOT "/sys/fs/bpf"

void cls_fds_from_skel(struct xsk_redirect *skel, struct cls_fds *f)
{
#define X(name) f->name = bpf_map__fd(skel->maps.name);
	CLS_MAPS(X)
#undef X
	f->owned = false;
}

void cls_pin_dir_default(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, BPFFS_ROOT "/xskmap/%s", ifname);
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* mkdir -p, for the two levels we create under a bpffs. */
static int make_dir(const char *dir)
{
	char tmp[512];
	char *slash;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (slash = strchr(tmp + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

void cls_unpin(const char *dir)
{
	char path[600], parent[512], *slash;

#define X(name) snprintf(path, sizeof(path), "%s/" #name, dir); unlink(path);
	CLS_MAPS(X)
#undef X
	if (rmdir(dir))
		return;
	/* The shared parent (/sys/fs/bpf/xskmap) goes when the last one does. */
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (!strcmp(parent, BPFFS_ROOT "/xskmap"))
			rmdir(parent);
	}
}

int cls_pin(struct xsk_redirect *skel, const char *dir, char *err, size_t errlen)
{
	char path[600];
	int ret;

	if (!strncmp(dir, BPFFS_ROOT "/", sizeof(BPFFS_ROOT)) && !is_bpffs(BPFFS_ROOT)) {
		/* `ip netns exec` gives a fresh /sys without bpffs: mount one. */
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
			ret = -errno;
			snprintf(err, errlen, "cannot mount bpffs on " BPFFS_ROOT " to pin the rule maps: %s; mount it or use --pin-dir",
				 strerror(-ret));
			return ret;
		}
	}
	ret = make_dir(dir);
	if (ret) {
		snprintf(err, errlen, "cannot create pin directory %s: %s; use --pin-dir on a bpf filesystem",
			 dir, strerror(-ret));
		return ret;
	}
	/* The caller made sure no instance runs here: these pins are stale. */
	cls_unpin(dir);
	make_dir(dir);
#define X(name)								\
	snprintf(path, sizeof(path), "%s/" #name, dir);			\
	ret = bpf_map__pin(skel->maps.name, path);			\
	if (ret) {							\
		snprintf(err, errlen, "cannot pin %s: %s; is %s on a bpf filesystem? (use --pin-dir)", \
			 path, strerror(-ret), dir);			\
		cls_unpin(dir);						\
		return ret;						\
	}
	CLS_MAPS(X)
#undef X
	return 0;
}

int cls_fds_open(const char *dir, struct cls_fds *f, char *err, size_t errlen)
{
	char path[600];
	int ret;

#define X(name) f->name = -1;
	CLS_MAPS(X)
#undef X
	f->owned = true;
#define X(name)								\
	snprintf(path, sizeof(path), "%s/" #name, dir);			\
	f->name = bpf_obj_get(path);					\
	if (f->name < 0) {						\
		ret = -errno;						\
		snprintf(err, errlen, "no running xskmap found at %s (%s): is 'xskmap run' running? (same --pin-dir; in a namespace, bpffs must be shared)", \
			 dir, strerror(-ret));				\
		cls_fds_close(f);					\
		return ret;						\
	}
	CLS_MAPS(X)
#undef X
	return 0;
}

void cls_fds_close(struct cls_fds *f)
{
	if (!f->owned)
		return;
#define X(name) if (f->name >= 0) close(f->name); f->name = -1;
	CLS_MAPS(X)
#undef X
}

int cls_ruleset_read(const struct cls_fds *f, struct xsk_ruleset *rs)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(f->cls_ruleset, &zero, rs) ? -errno : 0;
}

/* Write values[0..n) at keys base..base+n of an array map, in one call. */
static int write_array(int fd, __u32 base, const void *values, __u32 n)
{
	__u32 *keys = malloc(n * sizeof(*keys));
	__u32 i, count = n;
	int ret;

	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = base + i;
	ret = bpf_map_update_batch(fd, keys, values, &count, NULL);
	free(keys);
	return ret ? -errno : 0;
}

/* Replace generation gen's entries of an LPM table with the list. */
static int write_lpm(int fd, bool v6, __u8 gen, const struct cls_lpm_list *l)
{
	struct xsk_lpm6_key key, next;	/* the larger of the two layouts */
	struct xsk_lpm4_key *k4 = (void *)&key;
	size_t alen = v6 ? 16 : 4;
	void *prev = NULL;
	__u32 i;

	/* Delete the old entries of this generation; keys of the other stay. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		if (next.gen == gen) {
			if (bpf_map_delete_elem(fd, &key))
				return -errno;
			prev = NULL;	/* restart: the iterator lost its place */
			continue;
		}
		prev = &key;
	}
	for (i = 0; i < l->count; i++) {
		memset(&key, 0, sizeof(key));
		key.prefixlen = 8 + l->e[i].len;
		key.gen = gen;
		if (v6)
			memcpy(key.addr, l->e[i].addr, alen);
		else
			memcpy(k4->addr, l->e[i].addr, alen);
		if (bpf_map_update_elem(fd, &key, &l->e[i].bits, BPF_ANY))
			return -errno;
	}
	return 0;
}

int cls_slots(const struct cls_fds *f, __u32 *slots)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(f->xsks_map, &info, &len))
		return -errno;
	*slots = info.max_entries;
	return 0;
}

/*
 * A frame is classified inside one RCU read-side section: the driver runs
 * XDP from NAPI with bottom halves off, generic XDP under rcu_read_lock(),
 * and since 4.20 synchronize_rcu() waits for both. membarrier(GLOBAL) is
 * synchronize_rcu() for userspace (kernel/sched/membarrier.c; on one online
 * CPU it returns at once, which is enough there without PREEMPT_RT: no
 * section can be open while this task runs). It needs no privilege, and
 * the selftests of BPF wait for map readers the same way (kern_sync_rcu).
 * It fails with EINVAL on nohz_full kernels, ENOSYS without
 * CONFIG_MEMBARRIER, EPERM under a seccomp filter: then sleep. One
 * classification holds the section for a few lookups, microseconds; 50 ms
 * covers it many times over, though it is not the kernel's guarantee.
 */
int cls_wait_grace_period(void)
{
	static bool warned;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	if (!syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		return 0;
	if (!warned) {
		pr_debug("membarrier(MEMBARRIER_CMD_GLOBAL) failed (%s): waiting 50 ms for the old rules to go out of use\n",
			 strerror(errno));
		warned = true;
	}
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}

int (*cls_wait_readers)(void) = cls_wait_grace_period;

int cls_apply(const struct cls_fds *f, const struct xsk_ruleset *rs, char *err, size_t errlen)
{
	struct cls_tables *t = calloc(1, sizeof(*t));
	__u32 zero = 0, active = 0, gen;
	const char *what = "";
	int ret = 0;

	if (!t) {
		snprintf(err, errlen, "out of memory compiling the rules");
		return -ENOMEM;
	}
	cls_compile(rs, t);
	if (bpf_map_lookup_elem(f->cls_active, &zero, &active)) {
		ret = -errno;
		what = "cls_active";
		goto out;
	}
	gen = !(active & 1);

	/* Only the tables the new set uses: the program skips the others. */
#define WRITE(field, map, flag, entries)					\
	if (!ret && (t->hdr.used_fields & (flag))) {				\
		ret = write_array(f->map, gen * (entries), t->field, entries);	\
		what = #map;							\
	}
	WRITE(ipver, cls_ipver, XSK_F_IPVER, XSK_T_IPVER);
	WRITE(proto, cls_proto, XSK_F_PROTO, XSK_T_PROTO);
	WRITE(vlan, cls_vlan, XSK_F_VLAN, XSK_T_VLAN);
	WRITE(sport, cls_sport, XSK_F_SPORT, XSK_T_PORT);
	WRITE(dport, cls_dport, XSK_F_DPORT, XSK_T_PORT);
#undef WRITE
	if (!ret && (t->hdr.used_fields & XSK_F_SRC)) {
		what = "cls_src4/6";
		ret = write_lpm(f->cls_src4, false, gen, &t->src4);
		if (!ret)
			ret = write_lpm(f->cls_src6, true, gen, &t->src6);
	}
	if (!ret && (t->hdr.used_fields & XSK_F_DST)) {
		what = "cls_dst4/6";
		ret = write_lpm(f->cls_dst4, false, gen, &t->dst4);
		if (!ret)
			ret = write_lpm(f->cls_dst6, true, gen, &t->dst6);
	}
	if (!ret && t->hdr.nr_rules) {
		what = "cls_act";
		ret = write_array(f->cls_act, gen * XSK_MAX_RULES, t->act, XSK_MAX_RULES);
	}
	if (!ret) {
		what = "cls_hdr";
		if (bpf_map_update_elem(f->cls_hdr, &gen, &t->hdr, BPF_ANY))
			ret = -errno;
	}
	/* Everything of generation gen is in place: switch in one write. */
	if (!ret) {
		what = "cls_active";
		if (bpf_map_update_elem(f->cls_active, &zero, &gen, BPF_ANY))
			ret = -errno;
	}
	/*
	 * Frames that read the old generation before the switch may still be
	 * in its tables. The next change rewrites exactly those tables, and
	 * the hits of a rule id are reset before the id is given out again:
	 * both must wait until those frames are done. Waiting here, once per
	 * change, means that when a change returns the old rules are out of
	 * use, whoever changes them next and however soon.
	 */
	if (!ret) {
		what = "(grace period)";
		ret = cls_wait_readers();
	}
	if (!ret) {
		what = "cls_ruleset";
		if (bpf_map_update_elem(f->cls_ruleset, &zero, rs, BPF_ANY))
			ret = -errno;
	}
out:
	if (ret)
		snprintf(err, errlen, "cannot update the rule map %s: %s", what, strerror(-ret));
	free(t);
	return ret;
}

int cls_hits_read(const struct cls_fds *f, struct xsk_stat hits[XSK_MAX_RULES + 1])
{
	int ncpus = libbpf_num_possible_cpus();
	struct xsk_stat *percpu;
	__u32 key;
	int ret = 0;

	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (key = 0; key <= XSK_MAX_RULES; key++) {
		if (bpf_map_lookup_elem(f->rule_hits, &key, percpu)) {
			ret = -errno;
			break;
		}
		hits[key] = stats_sum_percpu(percpu, ncpus);
	}
	free(percpu);
	return ret;
}

int cls_hits_reset(const struct cls_fds *f, __u32 id)
{
	int ncpus = libbpf_num_possible_cpus();
	struct xsk_stat *zero;
	int ret = 0;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(f->rule_hits, &id, zero, BPF_EXIST))
		ret = -errno;
	free(zero);
	return ret;
}
