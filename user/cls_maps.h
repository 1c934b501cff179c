/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rule maps of a loaded xsk_redirect: reached through the skeleton by
 * the running instance, or through their pins by `xskmap rules` in another
 * process. Changes go through cls_apply(), which never disturbs traffic.
 */
#ifndef XSKMAP_CLS_MAPS_H
#define XSKMAP_CLS_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ruleset.h"
#include "xsk_redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Pin names are the map names. Order matters only for the loops. xsks_map
 * is pinned for its size: `rules` refuses an index past its slots.
 */
#define CLS_MAPS(X)							\
	X(cls_ruleset) X(cls_active) X(cls_hdr) X(cls_act) X(cls_ipver)	\
	X(cls_proto) X(cls_vlan) X(cls_sport) X(cls_dport) X(cls_src4)	\
	X(cls_dst4) X(cls_src6) X(cls_dst6) X(rule_hits) X(xsk_stats)	\
	X(xsks_map)

struct cls_fds {
#define X(name) int name;
	CLS_MAPS(X)
#undef X
	bool owned;		/* opened from pins: close them */
};

/* Index of each pinned map, in CLS_MAPS order. */
enum cls_map_idx {
#define X(name) CLS_MAP_##name,
	CLS_MAPS(X)
#undef X
	CLS_NR_MAPS
};

/* A pinned map as a run records it: what a pin must be to be that run's. */
struct pin_map {
	__u32 id;		/* map id, 0: not pinned */
	__u32 type;		/* enum bpf_map_type */
};

struct xsk_redirect;

void cls_fds_from_skel(struct xsk_redirect *skel, struct cls_fds *f);

/* Name of map i (CLS_MAPS order); NULL past the end. */
const char *cls_map_name(unsigned int i);

/* Ids and types of the skeleton's maps, to record before pinning. */
int cls_maps_describe(struct xsk_redirect *skel, struct pin_map maps[CLS_NR_MAPS]);

/* Default pin directory of an interface: /sys/fs/bpf/xskmap/IFNAME. */
void cls_pin_dir_default(const char *ifname, char *buf, size_t len);

/*
 * Check a pin directory before anything in it is touched: the path (made
 * absolute and resolved, into real) must lead to a bpf filesystem, and no
 * directory from there up to / may be writable by others unless it is
 * sticky and owned by root (as sshd's StrictModes and systemd-tmpfiles
 * demand), nor owned by a user other than root or us. The directory itself
 * need not exist yet. Mounts bpffs on /sys/fs/bpf when dir is under it and
 * nothing is mounted there (as in `ip netns exec`). 0 or -errno + err.
 */
int cls_pin_dir_check(const char *dir, char *real, size_t reallen, char *err, size_t errlen);

/* Bit i set: an entry named as map i exists under dir (whatever it is). */
__u32 cls_pins_present(const char *dir);

/*
 * Pin the maps under dir (checked, resolved): makes the directory if
 * needed and records in created_top the highest directory it made ("" if
 * none). Refuses (EEXIST) a name already taken. On failure removes what it
 * pinned. 0 or -errno + err.
 */
int cls_pin(struct xsk_redirect *skel, const char *dir, char *created_top, size_t toplen,
	    char *err, size_t errlen);

/*
 * Unlink the pins under dir that are exactly the maps recorded (a map, of
 * that name, id and type); nothing else is touched. With dry_run only
 * count them. Returns how many, their bits (as cls_pins_present()) in bits.
 */
int cls_unpin_recorded(const char *dir, const struct pin_map maps[CLS_NR_MAPS], bool dry_run,
		       __u32 *bits);

/* rmdir dir, then its parents up to and including top, while empty. */
void cls_pin_dir_remove(const char *dir, const char *top);

/* 0 if every fd of f is the map recorded in maps, else -ESTALE. */
int cls_fds_match(const struct cls_fds *f, const struct pin_map maps[CLS_NR_MAPS]);

/* Open the pinned maps of a running instance. 0 or -errno + err. */
int cls_fds_open(const char *dir, struct cls_fds *f, char *err, size_t errlen);
void cls_fds_close(struct cls_fds *f);

int cls_ruleset_read(const struct cls_fds *f, struct xsk_ruleset *rs);

/*
 * Make rs the running rule set: compile it, write the generation not in
 * use, flip cls_active, wait for the frames still classified by the old
 * generation (cls_wait_readers), store rs. A frame is classified by the
 * old set or the new one, never by a mix, however close the changes; on
 * return no frame is classified by the old set. 0 or -errno + err.
 */
int cls_apply(const struct cls_fds *f, const struct xsk_ruleset *rs, char *err, size_t errlen);

/* Slots of xsks_map (its max_entries). 0 or -errno. */
int cls_slots(const struct cls_fds *f, __u32 *slots);

/*
 * Wait until no frame is still being classified with a generation the
 * program no longer reads: one RCU grace period (XDP runs inside RCU
 * read-side sections). cls_apply() calls it after the switch, so the
 * generation it left is out of use before the next change rewrites it.
 * Replaceable, so a test can see when it runs; 0 or -errno.
 */
extern int (*cls_wait_readers)(void);
int cls_wait_grace_period(void);

/* Hits by rule id, summed over CPUs; [XSK_HITS_DEFAULT] is the default. */
int cls_hits_read(const struct cls_fds *f, struct xsk_stat hits[XSK_MAX_RULES + 1]);

/* Zero the hits of rule id on every CPU (before an id is given out again). */
int cls_hits_reset(const struct cls_fds *f, __u32 id);

#ifdef __cplusplus
}
#endif
#endif
