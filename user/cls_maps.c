// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
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
#include "safepath.h"
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

const char *cls_map_name(unsigned int i)
{
	static const char *const names[] = {
#define X(name) #name,
		CLS_MAPS(X)
#undef X
	};

	return i < CLS_NR_MAPS ? names[i] : NULL;
}

/* The fd of map i (CLS_MAPS order). */
static int cls_fd(const struct cls_fds *f, unsigned int i)
{
	switch (i) {
#define X(name) case CLS_MAP_##name: return f->name;
	CLS_MAPS(X)
#undef X
	default:
		return -1;
	}
}

int cls_maps_describe(struct xsk_redirect *skel, struct pin_map maps[CLS_NR_MAPS])
{
	struct cls_fds f;
	unsigned int i;

	cls_fds_from_skel(skel, &f);
	for (i = 0; i < CLS_NR_MAPS; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(cls_fd(&f, i), &info, &len))
			return -errno;
		maps[i].id = info.id;
		maps[i].type = info.type;
	}
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/*
 * One directory on the way to the pins: owned by root or by us, and not
 * writable by others unless sticky and root's (/tmp). Others who could
 * write there could swap a directory on the path for theirs.
 */
static int check_component(const char *path, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st)) {
		snprintf(err, errlen, "cannot check pin directory %s: %s: %s", dir, path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "pin directory %s: %s is not a directory", dir, path);
		return -ENOTDIR;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "pin directory %s is not safe: %s belongs to uid %u, who could replace xskmap's pins: use a directory of your own, e.g. a private bpffs ('mkdir -p DIR && mount -t bpf bpf DIR', then --pin-dir DIR/NAME)",
			 dir, path, st.st_uid);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !((st.st_mode & S_ISVTX) && st.st_uid == 0)) {
		snprintf(err, errlen, "pin directory %s is not safe: %s is writable by others (mode %04o) and not sticky and root's: 'chmod go-w %s', or use a private bpffs ('mkdir -p DIR && mount -t bpf bpf DIR', then --pin-dir DIR/NAME)",
			 dir, path, st.st_mode & 07777, path);
		return -EPERM;
	}
	return 0;
}

int cls_pin_dir_check(const char *dir, char *real, size_t reallen, char *err, size_t errlen)
{
	char path[PATH_MAX], head[PATH_MAX], *slash;
	const char *tail = "";
	struct statfs sf;
	struct stat st;
	int ret;

	if (dir[0] != '/' || strlen(dir) >= sizeof(path) - 1 || strstr(dir, "/../") ||
	    strstr(dir, "/./") || (strlen(dir) >= 3 && !strcmp(dir + strlen(dir) - 3, "/..")) ||
	    (strlen(dir) >= 2 && !strcmp(dir + strlen(dir) - 2, "/."))) {
		snprintf(err, errlen, "pin directory '%s' must be an absolute path without '.' or '..' components", dir);
		return -EINVAL;
	}
	/* realpath() below follows links blindly: first refuse one of another user's. */
	ret = safepath_check(dir, "pin directory", err, errlen);
	if (ret)
		return ret;
	if (!strncmp(dir, BPFFS_ROOT "/", sizeof(BPFFS_ROOT)) && !is_bpffs(BPFFS_ROOT)) {
		/* `ip netns exec` gives a fresh /sys without bpffs: mount one. */
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
			ret = -errno;
			snprintf(err, errlen, "cannot mount bpffs on " BPFFS_ROOT " to pin the rule maps: %s; mount it ('mount -t bpf bpf " BPFFS_ROOT "') or use --pin-dir on a bpffs",
				 strerror(-ret));
			return ret;
		}
	}
	/* The deepest part of the path that exists; the rest is made later. */
	snprintf(head, sizeof(head), "%s", dir);
	while (stat(head, &st)) {
		if (errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "cannot use pin directory %s: %s: %s", dir, head, strerror(-ret));
			return ret;
		}
		slash = strrchr(head, '/');
		if (!slash || slash == head) {
			snprintf(head, sizeof(head), "/");
			break;
		}
		*slash = '\0';
	}
	if (strcmp(head, dir))
		tail = dir + strlen(head);
	if (!realpath(head, path)) {
		ret = -errno;
		snprintf(err, errlen, "cannot resolve pin directory %s: %s", dir, strerror(-ret));
		return ret;
	}
	if (statfs(path, &sf) || sf.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "pin directory %s is not on a bpf filesystem (%s is not bpffs): pins live only on bpffs; mount one ('mkdir -p DIR && mount -t bpf bpf DIR') and give --pin-dir DIR/NAME",
			 dir, path);
		return -EXDEV;
	}
	/* Every directory from the deepest existing one up to /. */
	snprintf(head, sizeof(head), "%s", path);
	for (;;) {
		ret = check_component(head, dir, err, errlen);
		if (ret)
			return ret;
		slash = strrchr(head, '/');
		if (!slash)
			break;
		if (slash == head) {
			if (!head[1])
				break;
			head[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
	if ((size_t)snprintf(real, reallen, "%s%s", strcmp(path, "/") ? path : "", tail) >= reallen) {
		snprintf(err, errlen, "pin directory %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

__u32 cls_pins_present(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	__u32 bits = 0;
	unsigned int i;

	for (i = 0; i < CLS_NR_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cls_map_name(i));
		if (!lstat(path, &st))
			bits |= 1u << i;
	}
	return bits;
}

/* mkdir -p; top gets the highest directory made here, if any. */
static int make_dir(const char *dir, char *top, size_t toplen)
{
	char tmp[PATH_MAX];
	char *slash;

	top[0] = '\0';
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (slash = strchr(tmp + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (!mkdir(tmp, 0700)) {
			if (!top[0])
				snprintf(top, toplen, "%s", tmp);
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (!slash)
			return 0;
		*slash = '/';
	}
}

void cls_pin_dir_remove(const char *dir, const char *top)
{
	char path[PATH_MAX], *slash;

	if (!top[0] || strncmp(dir, top, strlen(top)) ||
	    (dir[strlen(top)] != '/' && dir[strlen(top)] != '\0'))
		return;
	snprintf(path, sizeof(path), "%s", dir);
	while (strlen(path) >= strlen(top)) {
		if (rmdir(path))
			return;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return;
		*slash = '\0';
	}
}

/* Whether fd is a BPF map (and not a program or link pinned by that name). */
static bool fd_is_map(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:bpf-map");
}

/* 0 if the map behind fd is map i as recorded: name, id, type. */
static int map_matches(int fd, unsigned int i, const struct pin_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!m->id || !fd_is_map(fd) || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -ESTALE;
	if (info.id != m->id || info.type != m->type || strncmp(info.name, cls_map_name(i), sizeof(info.name)))
		return -ESTALE;
	return 0;
}

int cls_unpin_recorded(const char *dir, const struct pin_map maps[CLS_NR_MAPS], bool dry_run,
		       __u32 *bits)
{
	char path[PATH_MAX];
	unsigned int i;
	int n = 0, fd;

	if (bits)
		*bits = 0;
	for (i = 0; i < CLS_NR_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cls_map_name(i));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!map_matches(fd, i, &maps[i]) && (dry_run || !unlink(path))) {
			n++;
			if (bits)
				*bits |= 1u << i;
		}
		close(fd);
	}
	return n;
}

int cls_pin(struct xsk_redirect *skel, const char *dir, char *created_top, size_t toplen,
	    char *err, size_t errlen)
{
	struct pin_map none[CLS_NR_MAPS] = {}, mine[CLS_NR_MAPS];
	struct cls_fds f;
	char path[PATH_MAX];
	unsigned int i;
	int ret;

	ret = make_dir(dir, created_top, toplen);
	if (ret) {
		snprintf(err, errlen, "cannot create pin directory %s: %s", dir, strerror(-ret));
		return ret;
	}
	ret = cls_maps_describe(skel, mine);
	if (ret) {
		snprintf(err, errlen, "cannot read the ids of the rule maps: %s", strerror(-ret));
		goto fail;
	}
	cls_fds_from_skel(skel, &f);
	for (i = 0; i < CLS_NR_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cls_map_name(i));
		if (bpf_obj_pin(cls_fd(&f, i), path)) {
			ret = -errno;
			if (ret == -EEXIST)
				snprintf(err, errlen, "cannot pin %s: something else has that name (another run started there meanwhile?); xskmap never replaces what it did not make",
					 path);
			else
				snprintf(err, errlen, "cannot pin %s: %s", path, strerror(-ret));
			goto fail;
		}
		none[i] = mine[i];
	}
	return 0;
fail:
	cls_unpin_recorded(dir, none, false, NULL);
	cls_pin_dir_remove(dir, created_top);
	created_top[0] = '\0';
	return ret;
}

int cls_fds_match(const struct cls_fds *f, const struct pin_map maps[CLS_NR_MAPS])
{
	unsigned int i;

	for (i = 0; i < CLS_NR_MAPS; i++)
		if (map_matches(cls_fd(f, i), i, &maps[i]))
			return -ESTALE;
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
		if (ret == -EACCES || ret == -EPERM)			\
			snprintf(err, errlen, "permission denied opening the pinned maps under %s (%s): 'xskmap rules' needs root, or CAP_BPF and access to %s", \
				 dir, strerror(-ret), dir);		\
		else							\
			snprintf(err, errlen, "no running xskmap found at %s (%s): is 'xskmap run' running? (same --pin-dir; in a namespace, bpffs must be shared)", \
				 dir, strerror(-ret));			\
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
