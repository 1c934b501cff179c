/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What `xskmap run` owns beyond the program: its record (owner.h) and its
 * pins. Claimed and checked before anything is changed, committed once the
 * program is attached, released on every exit path.
 */
#ifndef XSKMAP_RUN_OWNER_H
#define XSKMAP_RUN_OWNER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "owner.h"
#include "prog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RUN_OWNER_MAX_DEAD 8

struct run_owner {
	struct owner own;
	bool claimed;
	bool took_over;			/* a dead run's leftovers were cleaned */
	bool pin_custom;		/* --pin-dir given: failing to pin is an error */
	char pin_dir[PATH_MAX];		/* resolved; "" = no pins for this run */
	bool pinned;
	/* Dead records of other interfaces whose pins sit in our pin dir. */
	char dead[RUN_OWNER_MAX_DEAD][64];
	unsigned int nr_dead;
};

/*
 * Before anything is touched: take the interface's record (a live run
 * there is refused, --force or not) and check the pin directory (bpffs,
 * safe, not another live run's, holding nothing xskmap did not make).
 * 0, or -errno after printing one line.
 */
int run_owner_claim(struct run_owner *r, int ifindex, const char *ifname, const char *pin_dir);

/*
 * After attach: remove what a dead run left (only pins its record names),
 * pin our maps and write the full record. 0 or -errno after a message.
 */
int run_owner_commit(struct run_owner *r, struct prog *p);

/* Unpin, remove the directories we made, give up the record. Idempotent. */
void run_owner_release(struct run_owner *r);

/* path names the directory recorded by dev and ino (same bpffs, same inode). */
bool owner_same_dir(const char *path, __u64 dev, __u64 ino);

/*
 * Unlink dir/ATTACH_LINK_PIN when it is the BPF link link_id (an attach's,
 * as recorded): 1 if removed, else 0.
 */
int owner_unpin_link(const char *dir, __u32 link_id);

/*
 * `xskmap attach` leaves: the record (marked attach) and the pins stay,
 * the lock goes. After run_owner_commit().
 */
void run_owner_keep(struct run_owner *r);

/* "cls_active, cls_hdr, rule_hits and 2 more": the pins of bits. */
void pin_names(__u32 bits, char *buf, size_t len);

/*
 * Remove what dead run d left: only the pins its record names, and the
 * directories it made if then empty. One line in msg. Returns the number
 * of pins removed.
 */
int owner_clean_dead(const struct owner_rec *d, char *msg, size_t len);

#ifdef __cplusplus
}
#endif
#endif
