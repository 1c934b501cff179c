/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The commands of xskmap, one file each (cmd_NAME.c), dispatched by
 * main.c from the table below. A handler gets argv with argv[0] the
 * command's name and returns the exit code (util.h).
 */
#ifndef XSKMAP_CMD_H
#define XSKMAP_CMD_H

#include <stddef.h>
#include <stdio.h>

struct xskmap_cmd {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *synopsis;	/* "run IFNAME", for 'xskmap help' */
	const char *summary;	/* lines joined by '\n' */
};

extern const struct xskmap_cmd xskmap_cmds[];	/* ends with a NULL name */

int cmd_run(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

struct owner;

/*
 * `xskmap detach` of an `xskmap attach` (record held in o): unpin the
 * link (the kernel detaches the program), then the maps, remove the
 * directories attach made and the record. pin_dir: the --pin-dir given,
 * NULL if none. The exit code, after saying what was done.
 */
int attach_remove(struct owner *o, const char *ifname, const char *pin_dir);

/* 'xskmap help' on f. */
void cmd_usage(FILE *f);

#endif
