// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xskmap rules: show or change the rules of a live run through its pins. */
#include <errno.h>
#include <limits.h>
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
#include "iface.h"
#include "log.h"
#include "options.h"
#include "prog.h"
#include "stats.h"
#include "cmd.h"
#include "run_owner.h"
#include "util.h"

/* Carry out a change on the rule set rs read from f. 0 or -errno. */
static int rules_change(const struct cls_fds *f, struct xsk_ruleset *rs,
			struct rules_args *q, const char *ifname)
{
	char err[512], text[RULE_FORMAT_MAX];
	__u32 id;
	int ret;

	switch (q->verb) {
	case RULES_ADD:
		ret = ruleset_add(rs, &q->rule, q->at, &id, err, sizeof(err));
		if (ret == -EINVAL)
			snprintf(err, sizeof(err), "--at %d is past the end: %s has %u rule%s, so use a rank 0-%u",
				 q->at, ifname, rs->nr_rules, rs->nr_rules == 1 ? "" : "s", rs->nr_rules);
		if (ret)
			break;
		/* Ids are reused: the new rule must not start with a deleted one's hits. */
		ret = cls_hits_reset(f, id);
		if (ret) {
			snprintf(err, sizeof(err), "cannot reset the hit counter of rule %u: %s",
				 id, strerror(-ret));
			break;
		}
		ret = cls_apply(f, rs, err, sizeof(err));
		if (!ret) {
			rule_format(&q->rule, text, sizeof(text));
			printf("xskmap: added rule %u at rank %d: %s\n", id, ruleset_find(rs, id), text);
		}
		break;
	case RULES_DEL:
		ret = ruleset_del(rs, q->id);
		if (ret) {
			snprintf(err, sizeof(err), "no rule with id %u on %s: see 'xskmap rules %s list'",
				 q->id, ifname, ifname);
			break;
		}
		ret = cls_apply(f, rs, err, sizeof(err));
		if (!ret)
			printf("xskmap: deleted rule %u\n", q->id);
		break;
	default:
		rs->default_action = q->action;
		rs->default_index = q->index;
		ret = cls_apply(f, rs, err, sizeof(err));
		if (!ret) {
			action_format(q->action, q->index, text, sizeof(text));
			printf("xskmap: default action is now %s\n", text);
		}
		break;
	}
	if (ret)
		pr_err("%s\n", err);
	return ret;
}

/*
 * The maps of the live run on ifname, opened into f, their directory in
 * dir. Pins are trusted only when the interface's record is held by a live
 * run and names these very maps: the pins of a dead run change nothing any
 * run reads. EXIT_OK, or an exit code after one line.
 */
static int rules_find_run(const char *ifname, const char *pin_dir, char *dir, size_t dirlen,
			  struct cls_fds *f)
{
	struct owner o;
	struct owner_rec rec;
	enum owner_state st;
	char err[2 * PATH_MAX];
	struct stat sb;
	int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		pr_err("interface '%s' does not exist: check the name with 'ip link show'\n", ifname);
		return EXIT_USAGE;
	}
	if (owner_lookup(&o, ifindex, false, &st, &rec, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	/* What `xskmap attach` left is a live instance with no process. */
	if (st == OWNER_ATTACHED)
		st = OWNER_LIVE;
	if (pin_dir)
		snprintf(dir, dirlen, "%s", pin_dir);
	else if (st == OWNER_LIVE && rec.pin_dir[0])
		snprintf(dir, dirlen, "%s", rec.pin_dir);
	else
		cls_pin_dir_default(ifname, dir, dirlen);
	if (stat(dir, &sb) && (errno == EACCES || errno == EPERM)) {
		pr_err("permission denied reaching the pinned maps under %s (%s): 'xskmap rules' needs root, or CAP_BPF and access to %s\n",
		       dir, strerror(errno), dir);
		return EXIT_FAIL;
	}
	if (st == OWNER_DEAD) {
		pr_err("the xskmap run on %s (pid %d) is gone: it ended without cleaning up (kill -9?), so no run reads the pins under %s; 'xskmap detach %s' removes them\n",
		       ifname, rec.pid, rec.pin_dir[0] ? rec.pin_dir : dir, ifname);
		return EXIT_FAIL;
	}
	if (st == OWNER_NONE) {
		if (cls_fds_open(dir, f, err, sizeof(err))) {
			__u32 prog_id = 0, link = prog_link_held(ifindex, &prog_id);

			/*
			 * A capable run without root writes no record: it is not
			 * "no run at all" when its program is there, held by a link.
			 */
			if (link)
				pr_err("%s; but %s (program id %u) is on %s, held by BPF link %u: a run that could take no record (started without root, so no %s) may hold it; give 'xskmap rules' that run's --pin-dir ('bpftool link show id %u' names its process)\n",
				       err, XSKMAP_PROG_NAME, prog_id, ifname, link, OWNER_STATE_DIR, link);
			else
				pr_err("%s\n", err);
			return EXIT_FAIL;
		}
		cls_fds_close(f);
		pr_err("no xskmap runs on %s: the maps pinned under %s belong to no live run (an older xskmap or another tool left them; 'xskmap detach %s' names them)\n",
		       ifname, dir, ifname);
		return EXIT_FAIL;
	}
	if (!rec.running) {
		pr_err("the xskmap run on %s (pid %d) is still starting: retry in a moment\n", ifname, rec.pid);
		return EXIT_FAIL;
	}
	if (!rec.pin_dir[0]) {
		pr_err("the xskmap run on %s (pid %d) pinned no maps (it said why when it started): 'xskmap rules' cannot reach it\n",
		       ifname, rec.pid);
		return EXIT_FAIL;
	}
	if (!owner_same_dir(dir, rec.pin_dev, rec.pin_ino)) {
		if (pin_dir)
			pr_err("the xskmap run on %s (pid %d) pins its maps under %s, not %s: give that --pin-dir, or none\n",
			       ifname, rec.pid, rec.pin_dir, dir);
		else
			pr_err("the xskmap run on %s (pid %d) pinned its maps under %s in a mount namespace this command does not share (under 'ip netns exec' each command has its own /sys/fs/bpf): give both commands --pin-dir on a shared bpffs\n",
			       ifname, rec.pid, rec.pin_dir);
		return EXIT_FAIL;
	}
	if (cls_fds_open(dir, f, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_FAIL;
	}
	if (cls_fds_match(f, rec.maps)) {
		cls_fds_close(f);
		pr_err("the maps pinned under %s are not those of the xskmap run on %s (pid %d): something replaced them\n",
		       dir, ifname, rec.pid);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * An index action of add or default must name a slot the run's xsks_map
 * has. 0, 1 after a usage message, or -errno when the size is unreadable.
 */
static int rules_check_slots(const struct cls_fds *f, const struct rules_args *q,
			     const char *ifname)
{
	char err[512], why[64], text[RULE_FORMAT_MAX], what[RULE_FORMAT_MAX + 16];
	__u32 slots;
	int ret;

	ret = cls_slots(f, &slots);
	if (ret) {
		pr_err("cannot read the size of xsks_map: %s\n", strerror(-ret));
		return ret;
	}
	snprintf(why, sizeof(why), " in the run on %s", ifname);
	if (q->verb == RULES_ADD) {
		rule_format(&q->rule, text, sizeof(text));
		snprintf(what, sizeof(what), "rule '%s'", text);
		ret = action_check_slot(q->rule.action, q->rule.index, slots, what, why, err,
					sizeof(err));
	} else {
		ret = action_check_slot(q->action, q->index, slots, "default action", why, err,
					sizeof(err));
	}
	if (!ret)
		return 0;
	fprintf(stderr, "xskmap: error: %s\n", err);
	return 1;
}

int cmd_rules(int argc, char **argv)
{
	struct xsk_stat hits[XSK_MAX_RULES + 1] = {};
	struct xsk_ruleset rs;
	struct rules_args q;
	struct cls_fds f;
	const char *ifname;
	char dir[PATH_MAX], err[512];
	bool json, usage_err = false;
	int ret, lock_fd;

	ret = opts_exit_code(rules_args_parse(argc, argv, &q, err, sizeof(err)), err);
	if (ret >= 0) {
		rules_args_free(&q);
		return ret;
	}
	ifname = q.ifname;
	json = q.json;
	log_init(0);
	ret = rules_find_run(ifname, q.pin_dir, dir, sizeof(dir), &f);
	if (ret) {
		rules_args_free(&q);
		return ret;
	}
	/* One writer at a time: two changes must not interleave. */
	lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_EX);
	ret = cls_ruleset_read(&f, &rs);
	if (ret) {
		pr_err("cannot read the rule set under %s: %s\n", dir, strerror(-ret));
	} else if (q.verb != RULES_LIST && (ret = rules_check_slots(&f, &q, ifname))) {
		usage_err = ret > 0;
	} else if (q.verb == RULES_LIST) {
		ret = cls_hits_read(&f, hits);
		if (ret)
			pr_err("cannot read the rule hit counters: %s\n", strerror(-ret));
		else
			report_rules(stdout, &rs, hits, json);
	} else {
		ret = rules_change(&f, &rs, &q, ifname);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	cls_fds_close(&f);
	rules_args_free(&q);
	return ret ? (usage_err ? EXIT_USAGE : EXIT_FAIL) : EXIT_OK;
}
