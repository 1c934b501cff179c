// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "log.h"
#include "run_owner.h"
#include "xsk_redirect.skel.h"

bool owner_same_dir(const char *path, __u64 dev, __u64 ino)
{
	struct stat st;

	return dev && !stat(path, &st) && S_ISDIR(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

void pin_names(__u32 bits, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < CLS_NR_MAPS && off < len; i++)
		if (bits & (1u << i) && n++ < 3)
			off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", cls_map_name(i));
	if (n > 3 && off < len)
		snprintf(buf + off, len - off, " and %u more", n - 3);
}

struct share_scan {
	struct run_owner *r;
	__u64 dev, ino;
	const char *self;
	__u32 known;			/* pins the dead records account for */
	const struct owner_rec *live;	/* a live run using the same directory */
	struct owner_rec live_rec;
};

static int share_scan_one(const char *name, enum owner_state st, const struct owner_rec *rec, void *arg)
{
	struct share_scan *sc = arg;
	__u32 bits;

	if (!strcmp(name, sc->self) || !rec->pin_dir[0] || rec->pin_dev != sc->dev ||
	    rec->pin_ino != sc->ino)
		return 0;
	if (st == OWNER_LIVE || st == OWNER_ATTACHED) {
		sc->live_rec = *rec;
		sc->live = &sc->live_rec;
		return 1;
	}
	cls_unpin_recorded(sc->r->pin_dir, rec->maps, true, &bits);
	sc->known |= bits;
	if (sc->r->nr_dead < RUN_OWNER_MAX_DEAD)
		snprintf(sc->r->dead[sc->r->nr_dead++], sizeof(sc->r->dead[0]), "%s", name);
	return 0;
}

/*
 * The pin directory, before anything in it is touched. 0 when usable,
 * -errno with err otherwise.
 */
static int pin_dir_vet(struct run_owner *r, char *err, size_t errlen)
{
	struct share_scan sc = { .r = r, .self = r->own.name };
	char names[128];
	struct stat st;
	__u32 present, bits;
	int ret;

	if (stat(r->pin_dir, &st))
		return 0;	/* made later: nobody's yet */
	sc.dev = st.st_dev;
	sc.ino = st.st_ino;
	ret = owner_foreach(share_scan_one, &sc);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the run records under %s: %s", OWNER_STATE_DIR,
			 strerror(-ret));
		return ret;
	}
	if (sc.live && sc.live->attach) {
		snprintf(err, errlen, "pin directory %s is in use by the 'xskmap attach' on %s: give each interface its own --pin-dir",
			 r->pin_dir, sc.live->ifname);
		return -EBUSY;
	}
	if (sc.live) {
		snprintf(err, errlen, "pin directory %s is in use by the xskmap run on %s (pid %d): give each interface its own --pin-dir",
			 r->pin_dir, sc.live->ifname, sc.live->pid);
		return -EBUSY;
	}
	if (r->own.has_stale && owner_same_dir(r->pin_dir, r->own.stale.pin_dev, r->own.stale.pin_ino)) {
		cls_unpin_recorded(r->pin_dir, r->own.stale.maps, true, &bits);
		sc.known |= bits;
	}
	present = cls_pins_present(r->pin_dir) & ~sc.known;
	if (present) {
		pin_names(present, names, sizeof(names));
		snprintf(err, errlen, "pin directory %s already holds %s, which no xskmap run recorded: xskmap never deletes what it did not make; remove them yourself if they are stale (an older xskmap left such pins after kill -9) or choose another --pin-dir",
			 r->pin_dir, names);
		return -EEXIST;
	}
	return 0;
}

/* The record alone: 0 (also when not root: no record, said), or -errno after a line. */
static int claim_record(struct run_owner *r, int ifindex, const char *ifname, bool no_pins)
{
	char err[3 * PATH_MAX];
	int ret;

	memset(r, 0, sizeof(*r));
	owner_init(&r->own);
	ret = owner_claim(&r->own, ifindex, ifname, err, sizeof(err));
	if (ret == -EBUSY) {
		if (r->own.stale.attach && r->own.stale.running)
			pr_err("%s is attached by 'xskmap attach' (xsk_redirect, BPF link %u pinned under %s) for other processes' sockets, with no process of its own: 'xskmap detach %s' removes it first; nothing, not even --force, replaces it\n",
			       ifname, r->own.stale.link_id, r->own.stale.pin_dir, ifname);
		else if (r->own.stale.pid)
			pr_err("xskmap already runs on %s (pid %d): stop it first ('kill %d'); nothing, not even --force, replaces a running xskmap\n",
			       ifname, r->own.stale.pid, r->own.stale.pid);
		else
			pr_err("another xskmap is starting on %s: wait for it, or stop it\n", ifname);
		return ret;
	}
	if ((ret == -EACCES || ret == -EPERM || ret == -EROFS) && no_pins) {
		/*
		 * Without root (file capabilities only) /run is not ours to write.
		 * The kernel still guards the interface (the link), but pins nobody
		 * can prove live must not be made: run without them.
		 */
		pr_warn("%s; running without a record or pins: live rule changes are unavailable ('xskmap rules' and 'xskmap detach' will not know this run)\n",
			err);
		return 1;
	}
	if (ret == -EACCES || ret == -EPERM) {
		/* --pin-dir: pins nobody can prove live are not made, so no record is no run. */
		pr_err("%s: --pin-dir needs the run record, and %s is not this user's to write: run as root, give the user the directory ('install -d -o USER %s'), or leave out --pin-dir (no live rule changes then)\n",
		       err, OWNER_STATE_DIR, OWNER_STATE_DIR);
		return ret;
	}
	if (ret) {
		pr_err("%s\n", err);
		return ret;
	}
	r->claimed = true;
	return 0;
}

int run_owner_claim_tx(struct run_owner *r, int ifindex, const char *ifname)
{
	int ret = claim_record(r, ifindex, ifname, true);

	return ret > 0 ? 0 : ret;
}

int run_owner_claim(struct run_owner *r, int ifindex, const char *ifname, const char *pin_dir)
{
	char dir[PATH_MAX], err[3 * PATH_MAX];
	int ret;

	ret = claim_record(r, ifindex, ifname, !pin_dir);
	if (ret)
		return ret > 0 ? 0 : ret;

	r->pin_custom = pin_dir != NULL;
	if (pin_dir)
		snprintf(dir, sizeof(dir), "%s", pin_dir);
	else
		cls_pin_dir_default(ifname, dir, sizeof(dir));
	ret = cls_pin_dir_check(dir, r->pin_dir, sizeof(r->pin_dir), err, sizeof(err));
	if (!ret)
		ret = pin_dir_vet(r, err, sizeof(err));
	if (ret) {
		r->pin_dir[0] = '\0';
		r->nr_dead = 0;
		if (r->pin_custom) {
			pr_err("%s\n", err);
			return ret;
		}
		pr_warn("%s; live rule changes are unavailable: 'xskmap rules' will not reach this run\n", err);
	}
	return 0;
}

int owner_unpin_link(const char *dir, __u32 link_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/" ATTACH_LINK_PIN, dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	/* Only the very link recorded: a link pin of somebody else's stays. */
	if (link_id && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == link_id &&
	    !unlink(path))
		n = 1;
	close(fd);
	return n;
}

/* Clean what a dead run recorded: its pins and the directories it made. */
static void clean_dead(struct run_owner *r, const struct owner_rec *d, bool ours_too)
{
	int n = 0;

	if (owner_same_dir(d->pin_dir, d->pin_dev, d->pin_ino)) {
		n = cls_unpin_recorded(d->pin_dir, d->maps, false, NULL);
		if (d->attach)
			n += owner_unpin_link(d->pin_dir, d->link_id);
		if (!strcmp(d->pin_dir, r->pin_dir)) {
			/* Our pin dir: the directories it made are ours to remove now. */
			if (!r->own.rec.created_top[0])
				snprintf(r->own.rec.created_top, sizeof(r->own.rec.created_top), "%s",
					 d->created_top);
		} else if (ours_too) {
			cls_pin_dir_remove(d->pin_dir, d->created_top);
		}
	}
	pr_info("removed %d pin%s of the dead xskmap run on %s (pid %d) under %s\n", n,
		n == 1 ? "" : "s", d->ifname, d->pid, d->pin_dir[0] ? d->pin_dir : "(none)");
}

int run_owner_commit(struct run_owner *r, struct prog *p)
{
	char err[3 * PATH_MAX], top[PATH_MAX];
	struct stat st;
	unsigned int i;
	int ret;

	if (!r->claimed)
		return 0;	/* no record (see run_owner_claim()): no pins either */

	r->own.rec.prog_id = p ? p->prog_id : 0;
	r->own.rec.link_id = p ? p->link_id : 0;
	if (r->own.has_stale) {
		if (r->own.stale.pin_dir[0])
			clean_dead(r, &r->own.stale, true);
		r->took_over = true;
	}
	for (i = 0; i < r->nr_dead; i++) {
		struct owner d;

		if (owner_hold_dead(&d, r->dead[i]))
			continue;	/* came back to life, or gone: leave it */
		clean_dead(r, &d.rec, false);
		owner_release(&d, true);
	}
	r->nr_dead = 0;

	if (r->pin_dir[0] && p) {
		ret = cls_pin(p->skel, r->pin_dir, top, sizeof(top), err, sizeof(err));
		if (ret) {
			if (r->pin_custom) {
				pr_err("%s\n", err);
				return ret;
			}
			pr_warn("%s; live rule changes are unavailable: 'xskmap rules' will not reach this run\n", err);
			r->pin_dir[0] = '\0';
		} else {
			r->pinned = true;
			if (top[0] && (!r->own.rec.created_top[0] ||
				       strlen(top) < strlen(r->own.rec.created_top)))
				snprintf(r->own.rec.created_top, sizeof(r->own.rec.created_top), "%s", top);
			cls_maps_describe(p->skel, r->own.rec.maps);
			if (!stat(r->pin_dir, &st)) {
				r->own.rec.pin_dev = st.st_dev;
				r->own.rec.pin_ino = st.st_ino;
			}
			snprintf(r->own.rec.pin_dir, sizeof(r->own.rec.pin_dir), "%s", r->pin_dir);
			pr_debug("rule maps pinned under %s\n", r->pin_dir);
		}
	}
	r->own.rec.running = true;
	ret = owner_write(&r->own);
	if (ret) {
		pr_err("cannot write the run record %s/%s: %s\n", OWNER_STATE_DIR, r->own.name,
		       strerror(-ret));
		return ret;
	}
	return 0;
}

void run_owner_release(struct run_owner *r)
{
	if (!r->claimed)
		return;
	if (r->pinned) {
		cls_unpin_recorded(r->pin_dir, r->own.rec.maps, false, NULL);
		cls_pin_dir_remove(r->pin_dir, r->own.rec.created_top);
		r->pinned = false;
	} else if (r->took_over && r->own.rec.created_top[0] && r->pin_dir[0]) {
		cls_pin_dir_remove(r->pin_dir, r->own.rec.created_top);
	}
	/* A start that failed before taking over leaves the dead run's record. */
	owner_release(&r->own, r->took_over || !r->own.has_stale);
	r->claimed = false;
}

int owner_clean_dead(const struct owner_rec *d, char *msg, size_t len)
{
	char names[128], who[128];
	__u32 left;
	int n;

	/* An attach has no process: it is dead when its link no longer attaches the program. */
	if (d->attach)
		snprintf(who, sizeof(who), "the 'xskmap attach' on %s whose BPF link %u is gone or detached",
			 d->ifname, d->link_id);
	else
		snprintf(who, sizeof(who), "the dead xskmap run on %s (pid %d)", d->ifname, d->pid);
	if (!d->pin_dir[0]) {
		snprintf(msg, len, "%s had pinned nothing", who);
		return 0;
	}
	if (!owner_same_dir(d->pin_dir, d->pin_dev, d->pin_ino)) {
		snprintf(msg, len, "the pins of %s under %s are not in this mount namespace (a private bpffs, as under 'ip netns exec', went with it): nothing to remove there",
			 who, d->pin_dir);
		return 0;
	}
	n = cls_unpin_recorded(d->pin_dir, d->maps, false, NULL);
	if (d->attach)
		n += owner_unpin_link(d->pin_dir, d->link_id);
	left = cls_pins_present(d->pin_dir);
	cls_pin_dir_remove(d->pin_dir, d->created_top);
	if (left) {
		pin_names(left, names, sizeof(names));
		snprintf(msg, len, "removed %d %s%s of %s under %s; left %s there, which it did not pin",
			 n, d->attach ? "pin" : "pinned map", n == 1 ? "" : "s", who, d->pin_dir, names);
	} else {
		snprintf(msg, len, "removed %d %s%s of %s under %s", n, d->attach ? "pin" : "pinned map",
			 n == 1 ? "" : "s", who, d->pin_dir);
	}
	return n;
}

void run_owner_keep(struct run_owner *r)
{
	if (!r->claimed)
		return;
	owner_keep(&r->own);
	r->pinned = false;
	r->claimed = false;
}
