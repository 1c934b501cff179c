/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Declarative command-line options: one table per command gives both the
 * getopt_long() parsing and the --help text, so an option is written once.
 * Options every command shares (--pin-dir, --json, -v) are the OPT_*
 * macros below, declared once here; -h/--help and --version are added to
 * every table by the parser itself.
 */
#ifndef XSKMAP_OPTS_H
#define XSKMAP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum opt_kind {
	OPT_KIND_END = 0,	/* ends a table */
	OPT_KIND_SECTION,	/* a heading in --help, no option */
	OPT_KIND_FLAG,		/* bool at off set to true */
	OPT_KIND_COUNT,		/* int at off, +1 each time (-vv) */
	OPT_KIND_PATH,		/* const char * at off; '' refused with the fix in help_empty */
	OPT_KIND_CALL,		/* parse(obj, value, ...) */
};

struct opt_def {
	enum opt_kind kind;
	const char *name;	/* long name without "--"; section: the heading */
	int key;		/* short letter, 0: long only */
	const char *arg;	/* the value's name in --help, NULL: no value */
	const char *help;	/* lines joined by '\n', aligned in --help; NULL: not listed */
	const char *shown;	/* what --help shows instead of "-k, --name ARG" */
	size_t off;		/* FLAG, COUNT, PATH: the field in obj */
	const char *empty_fix;	/* PATH: what the '' refusal says to do */
	bool absolute;		/* PATH: must be absolute, no '.' or '..' components */
	/*
	 * CALL: 0, or -1 with a one-line message (cause and fix) in err. It
	 * gets obj + off: 0 for a command's own option, a member's offset
	 * for a shared one (OPT_BUSY_POLL...).
	 */
	int (*parse)(void *obj, const char *val, char *err, size_t errlen);
	/*
	 * CALL: the value may be left out (val NULL); given, it is the next
	 * word when that word is a number, or after '='. Such a parse must
	 * not keep val.
	 */
	bool optional;
};

struct opt_cmd {
	const char *name;	/* "run": messages say 'xskmap run --help' */
	const char *head;	/* --help before the options */
	const char *opts_title;	/* heading of the first options, NULL: none */
	const char *tail;	/* --help after the options, NULL: none */
	const struct opt_def *defs;
	/*
	 * Words may start with '-' ("->" in a rule): only "--..." and the
	 * table's own short options are options, and they may come anywhere.
	 */
	bool dash_words;
	/* The words left once the options are out: 0 or -1 + err. */
	int (*words)(void *obj, int n, char **w, char *err, size_t errlen);
};

#define OPT_SECTION(title) { .kind = OPT_KIND_SECTION, .name = (title) }
#define OPT_END { .kind = OPT_KIND_END }

/* The shared options, with each command's own words for --help. */
#define OPT_PIN_DIR(type, helptext)						\
	{ .kind = OPT_KIND_PATH, .name = "pin-dir", .arg = "DIR", .help = (helptext),	\
	  .off = offsetof(type, pin_dir), .empty_fix = "give a directory on a bpf filesystem",	\
	  .absolute = true }
#define OPT_JSON(type, helptext)						\
	{ .kind = OPT_KIND_FLAG, .name = "json", .help = (helptext), .off = offsetof(type, json) }
/* run and gen: the counters in a Prometheus textfile (prom_out.h). */
#define OPT_PROMETHEUS(type)							\
	{ .kind = OPT_KIND_PATH, .name = "prometheus", .arg = "FILE",		\
	  .off = offsetof(type, prometheus),					\
	  .empty_fix = "give a file name such as /var/lib/node_exporter/textfile/xskmap.prom",	\
	  .help = "the counters in the Prometheus text format, FILE\n"		\
		  "replaced whole (write, rename) every -i SEC\n"		\
		  "(default 1 s) and at the stop (node_exporter's\n"		\
		  "textfile collector reads *.prom)" }
#define OPT_VERBOSE(type)							\
	{ .kind = OPT_KIND_COUNT, .name = "verbose", .key = 'v',		\
	  .help = "show libbpf/libxdp messages", .off = offsetof(type, verbose) }

/*
 * The performance options `run` and `gen` share (perf.h), one line each in
 * a table; member names the struct xskmap_perf_opts in type (OPT_BATCH: the
 * command's __u32 batch). The _TEXT forms take the command's own --help
 * words, the parsing and its messages staying the same.
 */
int perf_set_busy_poll(void *perf, const char *val, char *err, size_t errlen);
int perf_set_cpus(void *perf, const char *val, char *err, size_t errlen);
int perf_set_poll(void *perf, const char *val, char *err, size_t errlen);
int perf_set_batch(void *batch, const char *val, char *err, size_t errlen);

#define OPT_BUSY_POLL(type, member)						\
	{ .kind = OPT_KIND_CALL, .name = "busy-poll", .arg = "[N]",		\
	  .optional = true, .off = offsetof(type, member), .parse = perf_set_busy_poll,	\
	  .help = "preferred busy polling on each socket: the loop drives\n"	\
		  "the NAPI itself, N frames a poll (default: --batch)" }
#define OPT_CPUS_TEXT(type, member, helptext)					\
	{ .kind = OPT_KIND_CALL, .name = "cpus", .arg = "LIST", .off = offsetof(type, member), \
	  .parse = perf_set_cpus, .help = (helptext) }
#define OPT_CPUS(type, member)							\
	OPT_CPUS_TEXT(type, member,						\
		      "pin the worker of each queue, in queue order, to these\n"	\
		      "CPUs (e.g. 2,3 or 2-5; one per queue); default unpinned")
#define OPT_POLL_TEXT(type, member, helptext)					\
	{ .kind = OPT_KIND_CALL, .name = "poll", .off = offsetof(type, member),	\
	  .parse = perf_set_poll, .help = (helptext) }
#define OPT_POLL(type, member)							\
	OPT_POLL_TEXT(type, member,						\
		      "sleep in poll() whenever the RX ring is empty (least CPU)\n"	\
		      "instead of spinning a moment after a busy batch")
#define OPT_BATCH(type, member, helptext)					\
	{ .kind = OPT_KIND_CALL, .name = "batch", .arg = "N", .off = offsetof(type, member), \
	  .parse = perf_set_batch, .help = (helptext) }

/*
 * Parse argv (argv[0] is the command's name) into obj. 0; 1 when --help
 * or --version was printed to stdout; -1 with a one-line message in err.
 */
int opts_parse(const struct opt_cmd *cmd, int argc, char **argv, void *obj, char *err,
	       size_t errlen);

/*
 * What a command's handler does with opts_parse()'s ret: -1 to go on;
 * else the exit code to end with now (EXIT_OK after --help or --version,
 * EXIT_USAGE after err is said on stderr).
 */
int opts_exit_code(int ret, const char *err);

/* The command's --help text. */
void opts_usage(const struct opt_cmd *cmd, FILE *f);
/*
 * Set: opts_usage() calls it instead (the program's man page writer, man.c),
 * with the options every table gets.
 */
extern void (*opts_help_hook)(const struct opt_cmd *cmd, const struct opt_def *builtin, FILE *f);

/*
 * text's lines ('\n' between them) on f, each after the first indented to
 * column: the layout of --help's second column.
 */
void opts_put_lines(FILE *f, const char *text, int column);

/* IFNAME as the kernel takes it: 0, or -1 + err. */
int opts_check_ifname(const char *ifname, char *err, size_t errlen);

/* "xskmap 0.1.0 (libbpf v1.1, libxdp 1.3.1)" and a newline. */
void print_version(FILE *f);

#ifdef __cplusplus
}
#endif
#endif
