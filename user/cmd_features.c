// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xskmap features: what this kernel (and IFNAME) can do, probed. */
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "kernel_features.h"
#include "opts.h"
#include "util.h"

struct features_args {
	const char *ifname;	/* NULL: the kernel only */
	bool json;
};

static int features_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	struct features_args *a = obj;

	if (n > 1)
		return errf(err, errlen, "one interface at most, got also '%s': usage: xskmap features [--json] [IFNAME]",
			    w[1]);
	if (n)
		a->ifname = w[0];
	return n ? opts_check_ifname(a->ifname, err, errlen) : 0;
}

static const struct opt_def features_defs[] = {
	OPT_JSON(struct features_args, "the results as one JSON object"),
	OPT_END,
};

static const struct opt_cmd features_cmd_opts = {
	.name = "features",
	.head =
"Usage: xskmap features [--json] [IFNAME]\n\n"
"Probe what this kernel can do for AF_XDP and XDP, by trying each capability\n"
"(never by its version number), and say what a missing one needs. With IFNAME,\n"
"also native XDP and zero-copy on that interface: a program is attached and a\n"
"socket bound to queue 0 for an instant, and nothing is left behind.\n"
"Exit 1 when a probe could not tell (for example without root).\n\n",
	.opts_title = "Options:",
	.defs = features_defs,
	.words = features_words,
};

int cmd_features(int argc, char **argv)
{
	struct feat_result res[FEAT_COUNT];
	struct features_args a = {};
	struct utsname u;
	char err[512];
	int i, ret, unknown = 0;

	ret = opts_exit_code(opts_parse(&features_cmd_opts, argc, argv, &a, err, sizeof(err)), err);
	if (ret >= 0)
		return ret;
	if (a.ifname && !if_nametoindex(a.ifname)) {
		fprintf(stderr, "xskmap: error: interface '%s' does not exist: check the name with 'ip link show'\n",
			a.ifname);
		return EXIT_USAGE;
	}
	libbpf_set_print(NULL);
	features_probe(res, a.ifname);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	if (a.json)
		features_print_json(stdout, res, a.ifname, u.release);
	else
		features_print_text(stdout, res, a.ifname, u.release);
	for (i = 0; i < FEAT_COUNT; i++)
		unknown += res[i].state == FEAT_UNKNOWN;
	if (unknown) {
		fflush(stdout);
		fprintf(stderr, "xskmap: error: %d of the probes could not tell (see why above)%s\n", unknown,
			geteuid() ? ": run as root" : "");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
