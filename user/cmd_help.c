// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xskmap help, xskmap version. */
#include <stdio.h>

#include "cmd.h"
#include "man.h"
#include "opts.h"
#include "util.h"

#define CMD_SUMMARY_COLUMN 18

void cmd_usage(FILE *f)
{
	const struct xskmap_cmd *c;

	fputs("Usage: xskmap COMMAND [OPTIONS] IFNAME\n\n"
	      "Steer packets from XDP into AF_XDP sockets.\n\n"
	      "Commands:\n", f);
	for (c = xskmap_cmds; c->name; c++) {
		int n = fprintf(f, "  %s", c->synopsis);

		/* A long synopsis has the summary on the lines below it. */
		if (n >= CMD_SUMMARY_COLUMN)
			fprintf(f, "\n%*s", CMD_SUMMARY_COLUMN, "");
		else
			fprintf(f, "%*s", CMD_SUMMARY_COLUMN - n, "");
		opts_put_lines(f, c->summary, CMD_SUMMARY_COLUMN);
	}
}

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (man_wanted())
		man_main(stdout);
	else
		cmd_usage(stdout);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_version(stdout);
	return EXIT_OK;
}
