/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The commands of xskmap, one file each (cmd_NAME.c), dispatched by
 * main.c from the table below. A handler gets argv with argv[0] the
 * command's name and returns the exit code (util.h).
 */
#ifndef XSKMAP_CMD_H
#define XSKMAP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

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
int cmd_status(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

/*
 * What a command on an interface checks first (cmd_common.c): the
 * capabilities (CAP_PERFMON too with loads_prog: check_caps()), then that
 * IFNAME exists. EXIT_OK with its index in *ifindex, else the exit code,
 * the cause and the fix said.
 */
int cmd_check_iface(const char *ifname, int *ifindex, bool loads_prog);
/*
 * Setup done: every capability dropped (privs.h), before the threads that
 * outlive setup are made. EXIT_OK, or EXIT_FAIL after the reason.
 */
int cmd_drop_privs(void);
/* --json with stdout closed would lose the summary: EXIT_FAIL, said; else EXIT_OK. */
int cmd_check_json_stdout(bool json, const char *example);
/* SIGINT, SIGTERM and SIGHUP to handler (the stop); SIGPIPE, SIGXFSZ ignored. */
void cmd_stop_signals(void (*handler)(int));
/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns: the kernel's times made wall clock. */
__s64 cmd_wall_offset_ns(void);

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
