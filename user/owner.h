/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Who owns an interface. A run writes a record, /run/xskmap/ns<NETNS>.if<IFINDEX>
 * (interface names repeat across network namespaces, `ip netns exec`
 * shares /run but not /sys), and holds an exclusive flock() on it for its
 * whole life: the kernel drops the lock when the process dies, even by
 * SIGKILL, so "the lock is taken" is proof that the run is alive. The
 * record says where the run pinned its maps and which maps they are, so a
 * dead run's pins can be found (even under a custom --pin-dir) and told
 * apart from anything else with the same names.
 */
#ifndef XSKMAP_OWNER_H
#define XSKMAP_OWNER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#include "cls_maps.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OWNER_STATE_DIR "/run/xskmap"

struct owner_rec {
	int pid;
	char ifname[IF_NAMESIZE];
	int ifindex;
	__u64 netns;			/* inode of the network namespace */
	bool running;			/* false: still starting */
	/*
	 * Left by `xskmap attach`: no process holds the lock, the BPF link
	 * pinned in pin_dir (ATTACH_LINK_PIN) keeps the program on, and the
	 * record counts as live while that link (link_id, prog_id) attaches
	 * it to ifindex (OWNER_ATTACHED).
	 */
	bool attach;
	__u32 prog_id, link_id;
	char pin_dir[PATH_MAX];		/* "" if nothing pinned */
	__u64 pin_dev, pin_ino;		/* of pin_dir: the same path may be another bpffs */
	char created_top[PATH_MAX];	/* highest directory the run made, "" if none */
	struct pin_map maps[CLS_NR_MAPS];
};

enum owner_state {
	OWNER_NONE,	/* no record */
	OWNER_LIVE,	/* its run holds the lock */
	OWNER_DEAD,	/* nobody holds it: the run died without cleaning up */
	OWNER_ATTACHED,	/* an `xskmap attach` record whose link still holds the program */
};

/* Name of the pinned BPF link of an `xskmap attach`, in its pin directory. */
#define ATTACH_LINK_PIN "xdp_link"

/*
 * Whether the attach record rec still has its program on: the link it
 * names attaches that program to an interface. Unknown (no right to look
 * the link up) counts as on: nothing is cleaned that might be in use.
 */
bool owner_attach_alive(const struct owner_rec *rec);

/* A record held by this process (a run's own, or a dead one being cleaned). */
struct owner {
	int fd;				/* -1: none */
	char name[64];			/* under OWNER_STATE_DIR */
	struct owner_rec rec;		/* what is (or will be) written */
	bool has_stale;			/* claim found a dead run's record ... */
	struct owner_rec stale;		/* ... this one */
};

void owner_init(struct owner *o);

/* Inode of the calling thread's network namespace. 0 or -errno. */
int owner_netns(__u64 *id);

/*
 * For `run` and `attach`: take ifindex's record. A live run or a live
 * attach there: -EBUSY, its record in o->stale. A dead one: 0, has_stale, its record in o->stale (the
 * caller cleans up and takes over). Writes a "starting" record with our
 * pid. 0 or -errno + err.
 */
int owner_claim(struct owner *o, int ifindex, const char *ifname, char *err, size_t errlen);

/*
 * Let go of the record and keep it, as `xskmap attach` leaves it: o->rec
 * (written before) stays for the next command to find.
 */
void owner_keep(struct owner *o);

/* Write o->rec as the record. 0 or -errno. */
int owner_write(struct owner *o);

/*
 * Give up the record: removed if done (a run that cleaned up after itself,
 * or a dead record whose leftovers are gone), else a dead run's record the
 * claim found is written back so its leftovers stay findable.
 */
void owner_release(struct owner *o, bool done);

/*
 * For `detach` and `rules`: the state of ifindex's record in this network
 * namespace, its content in *rec. With hold_dead, a dead record (or an
 * attach record) stays locked in o (for cleaning it; owner_release() after). 0 or -errno + err.
 */
int owner_lookup(struct owner *o, int ifindex, bool hold_dead, enum owner_state *st,
		 struct owner_rec *rec, char *err, size_t errlen);

/*
 * Call fn for every record (any namespace), with its state, until fn
 * returns non-zero. The record is not held during the call.
 */
int owner_foreach(int (*fn)(const char *name, enum owner_state st,
			    const struct owner_rec *rec, void *arg), void *arg);

/* Lock the dead record name (EX) into o, for cleaning. -EBUSY if it is live. */
int owner_hold_dead(struct owner *o, const char *name);

#ifdef __cplusplus
}
#endif
#endif
