// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xskmap detach: what a run killed by SIGKILL left, and who holds IFNAME. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cls_maps.h"
#include "log.h"
#include "prog.h"
#include "cmd.h"
#include "run_owner.h"
#include "opts.h"
#include "owner.h"
#include "util.h"

struct detach_args {
	const char *ifname;
	const char *pin_dir;	/* --pin-dir, NULL: the default */
};

static int detach_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	struct detach_args *a = obj;

	if (n != 1)
		return errf(err, errlen, "%s: usage: xskmap detach [--pin-dir DIR] IFNAME",
			    n ? "more than one interface given" : "no interface given");
	a->ifname = w[0];
	return opts_check_ifname(a->ifname, err, errlen);
}

static const struct opt_def detach_defs[] = {
	OPT_PIN_DIR(struct detach_args, "a directory to look in besides the runs' records\n(default /sys/fs/bpf/xskmap/IFNAME)"),
	OPT_END,
};

static const struct opt_cmd detach_cmd_opts = {
	.name = "detach",
	.head =
"Usage: xskmap detach [--pin-dir DIR] IFNAME\n\n"
"What 'xskmap attach' left on IFNAME (its record says where) is removed\n"
"whole: the pinned BPF link goes first, so the kernel detaches the program,\n"
"then the pinned maps, the directories attach made and the record; the\n"
"interface is as it was before the attach.\n\n"
"An xskmap run attaches through a BPF link, so the kernel detaches its\n"
"program when it ends, even by SIGKILL; what SIGKILL leaves is the rule\n"
"maps it pinned. detach removes those of dead runs only (found from the\n"
"run's record in " OWNER_STATE_DIR ", whatever --pin-dir it used; DIR adds\n"
"a directory to look in), refuses a live run naming its pid, and names\n"
"every XDP program still on IFNAME with the way to remove it: it never\n"
"removes a program, xsk_redirect or not, that some other tool attached.\n\n",
	.opts_title = "Options:",
	.defs = detach_defs,
	.words = detach_words,
};

static int detach_leftovers(int ifindex, const char *ifname, const char *pin_dir);

int cmd_detach(int argc, char **argv)
{
	struct detach_args a = {};
	char err[512];
	int ifindex, ret;

	ret = opts_exit_code(opts_parse(&detach_cmd_opts, argc, argv, &a, err, sizeof(err)), err);
	if (ret >= 0)
		return ret;
	log_init(0);
	ifindex = if_nametoindex(a.ifname);
	if (!ifindex) {
		pr_err("interface '%s' does not exist: check the name with 'ip link show'\n", a.ifname);
		return EXIT_USAGE;
	}
	return detach_leftovers(ifindex, a.ifname, a.pin_dir);
}

struct dead_scan {
	__u64 dev, ino;
	char names[RUN_OWNER_MAX_DEAD][64];
	unsigned int n;
};

static int dead_scan_one(const char *name, enum owner_state st, const struct owner_rec *rec, void *arg)
{
	struct dead_scan *d = arg;

	if (st == OWNER_DEAD && rec->pin_dir[0] && rec->pin_dev == d->dev && rec->pin_ino == d->ino &&
	    d->n < RUN_OWNER_MAX_DEAD)
		snprintf(d->names[d->n++], sizeof(d->names[0]), "%s", name);
	return 0;
}

/*
 * `xskmap detach`: what an xskmap run leaves when it dies without cleaning
 * up is its record and its pins (the kernel closes its BPF link, and so
 * detaches its program). Remove those, of dead runs only, and name every
 * XDP program still on the interface with the way to remove it.
 */
static int detach_leftovers(int ifindex, const char *ifname, const char *pin_dir)
{
	struct owner o;
	struct owner_rec rec;
	enum owner_state st;
	char msg[2048], dir[PATH_MAX], names[128];
	struct stat sb;
	bool said = false;
	unsigned int k;
	int ret;

	if (owner_lookup(&o, ifindex, true, &st, &rec, msg, sizeof(msg))) {
		pr_err("%s\n", msg);
		return EXIT_FAIL;
	}
	if (st == OWNER_LIVE) {
		pr_err("xskmap (pid %d) is running on %s: stop it ('kill %d') and it removes its program and pins itself; detach never takes an interface from a live run\n",
		       rec.pid, ifname, rec.pid);
		return EXIT_FAIL;
	}
	if (st == OWNER_ATTACHED) {
		ret = attach_remove(&o, ifname, pin_dir);
		if (ret)
			return ret;
		said = true;
	} else if (st == OWNER_DEAD) {
		owner_clean_dead(&o.rec, msg, sizeof(msg));
		owner_release(&o, true);
		printf("xskmap: %s\n", msg);
		said = true;
	}

	/* Pins at the given (or default) directory that no dead record above covered. */
	if (pin_dir)
		snprintf(dir, sizeof(dir), "%s", pin_dir);
	else
		cls_pin_dir_default(ifname, dir, sizeof(dir));
	if (!stat(dir, &sb) && S_ISDIR(sb.st_mode) &&
	    !((st == OWNER_DEAD || st == OWNER_ATTACHED) && rec.pin_dev == sb.st_dev && rec.pin_ino == sb.st_ino)) {
		struct dead_scan ds = { .dev = sb.st_dev, .ino = sb.st_ino };
		__u32 left;

		owner_foreach(dead_scan_one, &ds);
		for (k = 0; k < ds.n; k++) {
			struct owner d;

			if (owner_hold_dead(&d, ds.names[k]))
				continue;
			owner_clean_dead(&d.rec, msg, sizeof(msg));
			owner_release(&d, true);
			printf("xskmap: %s\n", msg);
			said = true;
		}
		left = stat(dir, &sb) ? 0 : cls_pins_present(dir);
		if (left) {
			pin_names(left, names, sizeof(names));
			printf("xskmap: left %s under %s: no xskmap run recorded them (an older xskmap, or another tool, made them); if they are stale, remove them yourself ('rm %s/NAME')\n",
			       names, dir, dir);
			said = true;
		}
	}

	ret = prog_describe_attached(ifindex, ifname, msg, sizeof(msg));
	if (ret < 0) {
		pr_err("%s%s\n", msg, ret == -EPERM ? "; run as root (CAP_NET_ADMIN, CAP_BPF)" : "");
		return EXIT_FAIL;
	}
	if (ret > 0) {
		printf("xskmap: %s\n", msg);
		said = true;
	}
	if (!said)
		printf("xskmap: nothing to remove on %s: no dead xskmap run left pins, and no XDP program is attached\n",
		       ifname);
	return EXIT_OK;
}
