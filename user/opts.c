// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "opts.h"
#include "util.h"

#ifndef XSKMAP_VERSION
#error "XSKMAP_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif

/* Past any table of ours; a longer one is refused at the first parse. */
#define OPTS_MAX 64
#define OPTS_HELP_COLUMN 25

enum { KEY_HELP = 'h', KEY_VERSION = 1000, KEY_LONG_BASE = 1001 };

static const struct opt_def opts_builtin[] = {
	{ .kind = OPT_KIND_CALL, .name = "help", .key = 'h', .help = "this text" },
	{ .kind = OPT_KIND_CALL, .name = "version",
	  .help = "the version of xskmap and its libraries" },
	OPT_END,
};

static bool is_option(const struct opt_def *d)
{
	return d->kind != OPT_KIND_END && d->kind != OPT_KIND_SECTION;
}

/* The key getopt_long() returns for d: its short letter or a private one. */
static int def_key(const struct opt_def *defs, const struct opt_def *d)
{
	if (d->key)
		return d->key;
	if (d == &opts_builtin[1])
		return KEY_VERSION;
	return KEY_LONG_BASE + (int)(d - defs);
}

static int build(const struct opt_cmd *cmd, struct option *lo, char *so, size_t solen)
{
	const struct opt_def *tables[2] = { cmd->defs, opts_builtin }, *d;
	size_t n = 0, s = 0;
	int t;

	so[s++] = ':';	/* a missing value is ':', not '?' */
	for (t = 0; t < 2; t++) {
		for (d = tables[t]; d->kind != OPT_KIND_END; d++) {
			if (!is_option(d))
				continue;
			if (n + 1 >= OPTS_MAX || s + 3 >= solen)
				return -1;
			lo[n++] = (struct option){ d->name,
						   d->optional ? optional_argument :
						   d->arg ? required_argument : no_argument,
						   NULL, def_key(cmd->defs, d) };
			if (d->key && !d->optional) {
				so[s++] = d->key;
				if (d->arg)
					so[s++] = ':';
			}
		}
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	so[s] = '\0';
	return 0;
}

static const struct opt_def *find_key(const struct opt_cmd *cmd, int key)
{
	const struct opt_def *d;

	for (d = cmd->defs; d->kind != OPT_KIND_END; d++)
		if (is_option(d) && def_key(cmd->defs, d) == key)
			return d;
	return NULL;
}

/* "/a/b", not "a/b", "/a/../b" or "/a/.": what a pin directory must be. */
static bool path_is_plain_absolute(const char *p)
{
	const char *c = p;

	if (*p != '/')
		return false;
	while (*c) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
	}
	return true;
}

static int apply(const struct opt_cmd *cmd, const struct opt_def *d, void *obj,
		 const char *val, char *err, size_t errlen)
{
	char *field = (char *)obj + d->off;

	switch (d->kind) {
	case OPT_KIND_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_KIND_COUNT:
		(*(int *)field)++;
		return 0;
	case OPT_KIND_PATH:
		if (!*val)
			return errf(err, errlen, "invalid --%s '': %s", d->name, d->empty_fix);
		if (d->absolute && !path_is_plain_absolute(val))
			return errf(err, errlen, "invalid --%s '%s': it must be an absolute path without '.' or '..' components; %s",
				    d->name, val, d->empty_fix);
		*(const char **)field = val;
		return 0;
	case OPT_KIND_CALL:
		return d->parse(field, val, err, errlen);
	default:
		return errf(err, errlen, "option --%s of 'xskmap %s' has no kind", d->name,
			    cmd->name);
	}
}

/* The option named name (len bytes) or with short letter key; NULL: none. */
static const struct opt_def *find_def(const struct opt_cmd *cmd, const char *name, size_t len,
				      int key)
{
	const struct opt_def *tables[2] = { cmd->defs, opts_builtin }, *d;
	int t;

	for (t = 0; t < 2; t++)
		for (d = tables[t]; d->kind != OPT_KIND_END; d++)
			if (is_option(d) && (name ? strlen(d->name) == len &&
						    !strncmp(d->name, name, len) :
						    d->key == key))
				return d;
	return NULL;
}

/*
 * dash_words: split argv into the options (with their values) and the
 * words, by the table, so that getopt_long() never sees "->" as "-" ">".
 */
static int split_words(const struct opt_cmd *cmd, int argc, char **argv, char **opts, int *nopts,
		       char **words, int *nwords)
{
	int i, no = 0, nw = 0;

	opts[no++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_def *d = NULL;

		if (!strcmp(a, "--")) {
			while (++i < argc)
				words[nw++] = argv[i];
			break;
		}
		if (!strncmp(a, "--", 2)) {
			d = find_def(cmd, a + 2, strcspn(a + 2, "="), 0);
		} else if (a[0] == '-' && a[1] && !a[2] && (d = find_def(cmd, NULL, 0, a[1]))) {
			/* one of the table's short options */
		} else {
			words[nw++] = argv[i];
			continue;
		}
		opts[no++] = argv[i];
		/* An unknown "--x" goes to getopt_long() too, to be refused there. */
		if (d && d->arg && !strchr(a, '=') && i + 1 < argc &&
		    (!d->optional || (argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')))
			opts[no++] = argv[++i];
	}
	opts[no] = NULL;
	*nopts = no;
	*nwords = nw;
	return 0;
}

int opts_parse(const struct opt_cmd *cmd, int argc, char **argv, void *obj, char *err,
	       size_t errlen)
{
	struct option lo[OPTS_MAX];
	char so[2 * OPTS_MAX + 2];
	char **opts = NULL, **words = NULL;
	int nopts = argc, nwords = 0, c, ret = -1;
	const struct opt_def *d;
	const char *val;

	if (build(cmd, lo, so, sizeof(so)))
		return errf(err, errlen, "'xskmap %s' declares too many options", cmd->name);
	opts = argv;
	if (cmd->dash_words) {
		opts = calloc(argc + 1, sizeof(*opts));
		words = calloc(argc + 1, sizeof(*words));
		if (!opts || !words) {
			errf(err, errlen, "out of memory");
			goto out;
		}
		split_words(cmd, argc, argv, opts, &nopts, words, &nwords);
	}
	optind = 0;	/* GNU: full reset, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(nopts, opts, so, lo, NULL)) != -1) {
		if (c == KEY_HELP) {
			opts_usage(cmd, stdout);
			ret = 1;
			goto out;
		}
		if (c == KEY_VERSION) {
			print_version(stdout);
			ret = 1;
			goto out;
		}
		if (c == ':') {
			errf(err, errlen, "option '%s' needs a value: see 'xskmap %s --help'",
			     opts[optind - 1], cmd->name);
			goto out;
		}
		d = c == '?' ? NULL : find_key(cmd, c);
		if (!d) {
			/*
			 * optopt names an unknown short option; optind has not moved
			 * past "-xv" yet, so argv[optind - 1] would be the word before.
			 */
			if (optopt)
				errf(err, errlen, "unknown %s option '-%c': see 'xskmap %s --help'",
				     cmd->name, optopt, cmd->name);
			else
				errf(err, errlen, "unknown %s option '%s': see 'xskmap %s --help'",
				     cmd->name, opts[optind - 1], cmd->name);
			goto out;
		}
		val = optarg;
		/*
		 * "--busy-poll 64": a number after an optional value is its
		 * value. getopt_long() permutes past it as past any value.
		 */
		if (d->optional && !val && optind < nopts && opts[optind] &&
		    opts[optind][0] >= '0' && opts[optind][0] <= '9')
			val = opts[optind++];
		if (apply(cmd, d, obj, val, err, errlen))
			goto out;
	}
	if (!cmd->dash_words) {
		words = argv + optind;
		nwords = argc - optind;
	}
	ret = cmd->words ? cmd->words(obj, nwords, words, err, errlen) : 0;
out:
	if (cmd->dash_words) {
		free(opts);
		free(words);
	}
	return ret;
}

int opts_exit_code(int ret, const char *err)
{
	if (!ret)
		return -1;
	if (ret < 0) {
		fprintf(stderr, "xskmap: error: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* "  -m, --mode MODE" as --help shows it. */
static int opt_shown(const struct opt_def *d, char *buf, size_t len)
{
	if (d->shown)
		return snprintf(buf, len, "      %s", d->shown);
	if (d->key)
		return snprintf(buf, len, "  -%c, --%s%s%s", d->key, d->name, d->arg ? " " : "",
				d->arg ? d->arg : "");
	return snprintf(buf, len, "      --%s%s%s", d->name, d->arg ? " " : "",
			d->arg ? d->arg : "");
}

void opts_put_lines(FILE *f, const char *text, int column)
{
	const char *nl;

	for (;;) {
		nl = strchr(text, '\n');
		fprintf(f, "%.*s\n", nl ? (int)(nl - text) : (int)strlen(text), text);
		if (!nl)
			break;
		text = nl + 1;
		fprintf(f, "%*s", column, "");
	}
}

static void usage_defs(const struct opt_def *d, FILE *f)
{
	char left[128];

	for (; d->kind != OPT_KIND_END; d++) {
		const char *h = d->help;
		int n;

		if (d->kind == OPT_KIND_SECTION) {
			fprintf(f, "%s\n", d->name);
			continue;
		}
		if (!h)
			continue;
		n = opt_shown(d, left, sizeof(left));
		/* Too long for the column: the help follows after two blanks. */
		fprintf(f, "%-*s", OPTS_HELP_COLUMN - 1, left);
		if (n >= OPTS_HELP_COLUMN - 1)
			fputs(" ", f);
		fputs(" ", f);
		opts_put_lines(f, h, OPTS_HELP_COLUMN);
	}
}

void (*opts_help_hook)(const struct opt_cmd *cmd, const struct opt_def *builtin, FILE *f);

void opts_usage(const struct opt_cmd *cmd, FILE *f)
{
	if (opts_help_hook) {
		opts_help_hook(cmd, opts_builtin, f);
		return;
	}
	fputs(cmd->head, f);
	if (cmd->opts_title)
		fprintf(f, "%s\n", cmd->opts_title);
	usage_defs(cmd->defs, f);
	usage_defs(opts_builtin, f);
	if (cmd->tail)
		fputs(cmd->tail, f);
}

int opts_check_ifname(const char *ifname, char *err, size_t errlen)
{
	if (!*ifname || strlen(ifname) >= 16)
		return errf(err, errlen, "invalid interface name '%s': at most 15 characters", ifname);
	return 0;
}

void print_version(FILE *f)
{
	fprintf(f, "xskmap %s (libbpf %s, libxdp %s)\n", XSKMAP_VERSION, libbpf_version_string(),
		XSKMAP_LIBXDP_VERSION);
}
