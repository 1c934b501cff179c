// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap: steer packets from XDP into AF_XDP sockets. This file is the
 * command table and the dispatch; each command lives in cmd_NAME.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "man.h"
#include "util.h"

const struct xskmap_cmd xskmap_cmds[] = {
	{ "run", cmd_run, "run IFNAME",
	  "attach xsk_redirect and receive on AF_XDP sockets\n"
	  "('xskmap run --help' lists its options)" },
	{ "rules", cmd_rules, "rules IFNAME list|add RULE|del ID|default ACTION",
	  "show or change the rules of a running 'xskmap run'\n"
	  "('xskmap rules --help')" },
	{ "attach", cmd_attach, "attach [OPTIONS] IFNAME",
	  "attach xsk_redirect with its rules and pin xsks_map for\n"
	  "other processes' sockets (DPDK, the AF_XDP device plugin),\n"
	  "then exit ('xskmap attach --help')" },
	{ "detach", cmd_detach, "detach [--pin-dir DIR] IFNAME",
	  "remove what 'xskmap attach' left, or the pinned maps an\n"
	  "xskmap run killed by SIGKILL left; name any other XDP\n"
	  "program still on IFNAME" },
	{ "gen", cmd_gen, "gen [OPTIONS] IFNAME",
	  "send UDP frames with pktgen headers through AF_XDP or\n"
	  "live-frames XDP ('xskmap gen --help')" },
	{ "features", cmd_features, "features [--json] [IFNAME]",
	  "what this kernel (and IFNAME) can do, probed, and what a\n"
	  "missing capability needs" },
	{ "help", cmd_help, "help", "this text (also -h, --help)" },
	{ "version", cmd_version, "version", "the version (also --version, after any command too)" },
	{ NULL, NULL, NULL, NULL },
};

/* Spellings of help and version that are not command names. */
static const struct {
	const char *alias, *name;
} cmd_aliases[] = {
	{ "-h", "help" }, { "--help", "help" }, { "--version", "version" },
};

int main(int argc, char **argv)
{
	const struct xskmap_cmd *c;
	const char *name;
	size_t i;

	stdio_guard();
	if (man_wanted())
		opts_help_hook = man_cmd;
	if (argc < 2) {
		cmd_usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	for (i = 0; i < sizeof(cmd_aliases) / sizeof(cmd_aliases[0]); i++)
		if (!strcmp(name, cmd_aliases[i].alias))
			name = cmd_aliases[i].name;
	for (c = xskmap_cmds; c->name; c++)
		if (!strcmp(name, c->name))
			return close_stdout(c->handler(argc - 1, argv + 1));
	fprintf(stderr, "xskmap: error: unknown command '%s': use run, rules, attach, detach, gen or features ('xskmap help')\n", argv[1]);
	return EXIT_USAGE;
}
