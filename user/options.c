// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include <bpf/libbpf.h>

#include "options.h"

#ifndef XSKMAP_VERSION
#error "XSKMAP_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif

void run_opts_default(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = ATTACH_AUTO;
	o->all_queues = true;
	o->match = XSK_MATCH_ALL;
	o->fallback = XDP_PASS;
	o->frames = 4096;
	o->frame_size = 4096;
	o->ring_size = 2048;
	o->batch = 64;
	o->bind = BIND_AUTO;
	o->need_wakeup = true;
}

void run_usage(FILE *f)
{
	fprintf(f,
"Usage: xskmap run [OPTIONS] IFNAME\n"
"\n"
"Attach the xsk_redirect XDP program to IFNAME, open one AF_XDP socket per\n"
"selected RX queue and receive what the program steers to them. Whatever no\n"
"socket takes goes to the kernel (or is dropped with --fallback drop).\n"
"Stops on SIGINT/SIGTERM, --count or --duration, prints a summary, detaches.\n"
"\n"
"Attaching:\n"
"  -m, --mode MODE        native | skb | auto (default auto: native, else skb)\n"
"  -q, --queues LIST      RX queues to open sockets on: all (default) or a\n"
"                         list such as 0,2,4-7\n"
"      --force            replace an XDP program another tool attached to\n"
"                         IFNAME through netlink (never a running xskmap)\n"
"Steering (rules can change while running: see 'xskmap rules'):\n"
"  -r, --rule RULE        add a steering rule; rules are tried in the order\n"
"                         given, the first match decides (at most %u)\n"
"      --default ACTION   action when no rule matches (default: queue)\n"
"      --match all|udp    shorthand: udp = --rule 'udp -> queue' --default pass\n"
"      --fixed-index N    make every 'queue' action 'index N'; the socket of\n"
"                         the single queue given with -q (default 0) is put\n"
"                         at slot N\n"
"      --fallback pass|drop  verdict when the slot holds no socket (default pass)\n"
"      --pin-dir DIR      where the rule maps are pinned for 'xskmap rules'\n"
"                         (default /sys/fs/bpf/xskmap/IFNAME); on a bpffs,\n"
"                         and not writable by others unless sticky and root's\n"
"Output:\n"
"  -w, --write FILE       write every received frame to FILE (pcap, ns; - is stdout)\n"
"  -c, --count N          stop after N frames\n"
"  -d, --duration SEC     stop after SEC seconds\n"
"  -i, --interval SEC     per-queue stats on stderr every SEC seconds\n"
"      --json             final summary as one JSON object on stdout\n"
"Sockets and rings:\n"
"      --frames N         UMEM frames per queue, power of 2 (default 4096)\n"
"      --frame-size N     2048 or 4096 (default 4096)\n"
"      --ring-size N      RX ring entries, power of 2, <= frames (default 2048)\n"
"      --batch N          descriptors per ring operation, 1-%u (default 64)\n"
"      --copy | --zero-copy  force the bind mode (default: the kernel picks)\n"
"      --no-need-wakeup   do not use the need_wakeup flag\n"
"  -v, --verbose          show libbpf/libxdp messages\n"
"  -h, --help             this text\n"
"      --version          the version of xskmap and its libraries\n"
"\n"
"Rules: [MATCH...] -> ACTION\n"
"  MATCH   ip4 | ip6 | vlan ID | udp | tcp | icmp | icmp6 | proto N\n"
"          src PREFIX | dst PREFIX | sport P[-P] | dport P[-P]\n"
"          type N | code N (with icmp or icmp6)\n"
"  ACTION  queue (socket of the frame's RX queue) | index N (socket in slot N)\n"
"          | pass (to the kernel) | drop\n"
"  e.g. -r 'udp dport 4789 -> queue' -r 'ip6 tcp dport 22 -> pass'\n"
"       -r 'src 198.18.0.0/15 -> drop' --default pass\n"
"\n"
"Exit status: 0 done, 1 runtime failure, 2 bad usage.\n"
"Example: xskmap run --match udp -c 1000 -w udp.pcap eth0\n",
		XSK_MAX_RULES, XSKMAP_MAX_BATCH);
}

#define fail errf

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int parse_queue_list(const char *s, bool *all, __u32 *out, __u32 max, __u32 *n,
		     char *err, size_t errlen)
{
	char buf[1024], *tok, *save = NULL;
	bool seen[XSKMAP_MAX_QUEUES] = { false };
	__u32 cnt = 0;

	if (!strcmp(s, "all")) {
		*all = true;
		*n = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf) || !*s)
		return fail(err, errlen, "invalid --queues '%s': expected 'all' or a list such as 0,2,4-7", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		__u64 lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_u64(tok, 0, XSKMAP_MAX_QUEUES - 1, &lo) ||
		    (dash && parse_u64(dash + 1, 0, XSKMAP_MAX_QUEUES - 1, &hi)))
			return fail(err, errlen, "invalid --queues '%s': queues are numbers 0-%u, ranges are LO-HI",
				    s, XSKMAP_MAX_QUEUES - 1);
		if (!dash)
			hi = lo;
		if (hi < lo)
			return fail(err, errlen, "invalid --queues '%s': range %llu-%llu is backwards",
				    s, (unsigned long long)lo, (unsigned long long)hi);
		for (; lo <= hi; lo++) {
			/* Repeats are dropped here, so they do not count against max. */
			if (seen[lo])
				continue;
			if (cnt == max)
				return fail(err, errlen, "invalid --queues '%s': more than %u queues", s, max);
			seen[lo] = true;
			out[cnt++] = lo;
		}
	}
	if (!cnt)
		return fail(err, errlen, "invalid --queues '%s': no queue given", s);
	qsort(out, cnt, sizeof(*out), cmp_u32);
	*all = false;
	*n = cnt;
	return 0;
}

enum {
	OPT_MATCH = 256, OPT_FIXED, OPT_FALLBACK, OPT_JSON, OPT_FRAMES,
	OPT_FRAME_SIZE, OPT_RING_SIZE, OPT_BATCH, OPT_COPY, OPT_ZEROCOPY,
	OPT_NO_WAKEUP, OPT_FORCE, OPT_DEFAULT, OPT_PIN_DIR, OPT_VERSION,
};

static const struct option run_longopts[] = {
	{ "mode",	    required_argument, NULL, 'm' },
	{ "queues",	    required_argument, NULL, 'q' },
	{ "rule",	    required_argument, NULL, 'r' },
	{ "default",	    required_argument, NULL, OPT_DEFAULT },
	{ "pin-dir",	    required_argument, NULL, OPT_PIN_DIR },
	{ "match",	    required_argument, NULL, OPT_MATCH },
	{ "fixed-index",    required_argument, NULL, OPT_FIXED },
	{ "fallback",	    required_argument, NULL, OPT_FALLBACK },
	{ "write",	    required_argument, NULL, 'w' },
	{ "count",	    required_argument, NULL, 'c' },
	{ "duration",	    required_argument, NULL, 'd' },
	{ "interval",	    required_argument, NULL, 'i' },
	{ "json",	    no_argument,       NULL, OPT_JSON },
	{ "frames",	    required_argument, NULL, OPT_FRAMES },
	{ "frame-size",	    required_argument, NULL, OPT_FRAME_SIZE },
	{ "ring-size",	    required_argument, NULL, OPT_RING_SIZE },
	{ "batch",	    required_argument, NULL, OPT_BATCH },
	{ "copy",	    no_argument,       NULL, OPT_COPY },
	{ "zero-copy",	    no_argument,       NULL, OPT_ZEROCOPY },
	{ "no-need-wakeup", no_argument,       NULL, OPT_NO_WAKEUP },
	{ "force",	    no_argument,       NULL, OPT_FORCE },
	{ "verbose",	    no_argument,       NULL, 'v' },
	{ "help",	    no_argument,       NULL, 'h' },
	{ "version",	    no_argument,       NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	__u64 v;
	int c;

	run_opts_default(o);
	optind = 0;	/* GNU: full reset, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:q:r:w:c:d:i:vh", run_longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "auto"))
				o->mode = ATTACH_AUTO;
			else if (!strcmp(optarg, "native") || !strcmp(optarg, "drv"))
				o->mode = ATTACH_NATIVE;
			else if (!strcmp(optarg, "skb") || !strcmp(optarg, "generic"))
				o->mode = ATTACH_SKB;
			else
				return fail(err, errlen, "invalid --mode '%s': use native, skb or auto", optarg);
			break;
		case 'q':
			if (parse_queue_list(optarg, &o->all_queues, o->queues, XSKMAP_MAX_QUEUES,
					     &o->nr_queues, err, errlen))
				return -1;
			break;
		case OPT_MATCH:
			if (!strcmp(optarg, "all"))
				o->match = XSK_MATCH_ALL;
			else if (!strcmp(optarg, "udp"))
				o->match = XSK_MATCH_UDP;
			else
				return fail(err, errlen, "invalid --match '%s': use all or udp", optarg);
			break;
		case 'r':
			if (o->nr_rules == XSK_MAX_RULES)
				return fail(err, errlen, "too many --rule: at most %u", XSK_MAX_RULES);
			o->rules[o->nr_rules++] = optarg;
			break;
		case OPT_DEFAULT:
			o->default_action = optarg;
			break;
		case OPT_PIN_DIR:
			if (!*optarg)
				return fail(err, errlen, "invalid --pin-dir '': give a directory on a bpf filesystem");
			o->pin_dir = optarg;
			break;
		case OPT_FIXED:
			if (parse_u64(optarg, 0, XSKMAP_MAX_QUEUES - 1, &v))
				return fail(err, errlen, "invalid --fixed-index '%s': use a slot number 0-%u",
					    optarg, XSKMAP_MAX_QUEUES - 1);
			o->fixed = true;
			o->fixed_index = v;
			break;
		case OPT_FALLBACK:
			if (!strcmp(optarg, "pass"))
				o->fallback = XDP_PASS;
			else if (!strcmp(optarg, "drop"))
				o->fallback = XDP_DROP;
			else
				return fail(err, errlen, "invalid --fallback '%s': use pass or drop", optarg);
			break;
		case 'w':
			if (!*optarg)
				return fail(err, errlen, "invalid --write '': give a file name");
			o->pcap_path = optarg;
			break;
		case 'c':
			if (parse_u64(optarg, 1, UINT64_MAX, &o->count))
				return fail(err, errlen, "invalid --count '%s': use a whole number >= 1", optarg);
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration))
				return fail(err, errlen, "invalid --duration '%s': use seconds > 0, e.g. 10 or 0.5", optarg);
			break;
		case 'i':
			if (parse_seconds(optarg, &o->interval))
				return fail(err, errlen, "invalid --interval '%s': use seconds > 0, e.g. 1", optarg);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_FRAMES:
			if (parse_u64(optarg, 64, 1u << 20, &v) || !is_pow2(v))
				return fail(err, errlen, "invalid --frames '%s': use a power of 2 from 64 to 1048576", optarg);
			o->frames = v;
			break;
		case OPT_FRAME_SIZE:
			if (parse_u64(optarg, 2048, 4096, &v) || !is_pow2(v))
				return fail(err, errlen, "invalid --frame-size '%s': use 2048 or 4096", optarg);
			o->frame_size = v;
			break;
		case OPT_RING_SIZE:
			if (parse_u64(optarg, 64, 1u << 20, &v) || !is_pow2(v))
				return fail(err, errlen, "invalid --ring-size '%s': use a power of 2 from 64 to 1048576", optarg);
			o->ring_size = v;
			break;
		case OPT_BATCH:
			if (parse_u64(optarg, 1, XSKMAP_MAX_BATCH, &v))
				return fail(err, errlen, "invalid --batch '%s': use 1 to %u", optarg, XSKMAP_MAX_BATCH);
			o->batch = v;
			break;
		case OPT_COPY:
		case OPT_ZEROCOPY:
			if (o->bind != BIND_AUTO)
				return fail(err, errlen, "--copy and --zero-copy exclude each other: give one");
			o->bind = c == OPT_COPY ? BIND_COPY : BIND_ZEROCOPY;
			break;
		case OPT_NO_WAKEUP:
			o->need_wakeup = false;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		case OPT_VERSION:
			print_version(stdout);
			return 1;
		case ':':
			return fail(err, errlen, "option '%s' needs a value: see 'xskmap run --help'",
				    argv[optind - 1]);
		default:
			/*
			 * optopt names an unknown short option; optind has not moved
			 * past "-xv" yet, so argv[optind - 1] would be the word before.
			 */
			if (optopt)
				return fail(err, errlen, "unknown option '-%c': see 'xskmap run --help'",
					    optopt);
			return fail(err, errlen, "unknown option '%s': see 'xskmap run --help'",
				    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return fail(err, errlen, "no interface given: xskmap run [OPTIONS] IFNAME");
	if (optind + 1 < argc)
		return fail(err, errlen, "unexpected argument '%s' after interface '%s'",
			    argv[optind + 1], argv[optind]);
	o->ifname = argv[optind];
	if (!*o->ifname || strlen(o->ifname) >= 16)
		return fail(err, errlen, "invalid interface name '%s': at most 15 characters", o->ifname);
	if (o->ring_size > o->frames)
		return fail(err, errlen, "--ring-size %u is larger than --frames %u: raise --frames or lower --ring-size",
			    o->ring_size, o->frames);
	/* Both would go to stdout, and a JSON reader would get a pcap. */
	if (o->json && o->pcap_path && !strcmp(o->pcap_path, "-"))
		return fail(err, errlen, "--json and -w - both write to stdout: write the capture to a file, or drop --json (the text summary goes to stderr)");
	if (o->batch > o->ring_size)
		return fail(err, errlen, "--batch %u is larger than --ring-size %u: lower --batch",
			    o->batch, o->ring_size);
	if (o->fixed) {
		if (o->all_queues) {
			o->all_queues = false;
			o->queues[0] = 0;
			o->nr_queues = 1;
		} else if (o->nr_queues != 1) {
			return fail(err, errlen, "--fixed-index puts one socket at slot %u: give a single queue with -q",
				    o->fixed_index);
		}
	}
	return 0;
}

int run_opts_ruleset(const struct run_opts *o, struct xsk_ruleset *rs, char *err, size_t errlen)
{
	__u32 action = XSK_ACT_QUEUE, index = 0, id, i;
	struct xsk_rule r;

	if (o->default_action) {
		if (action_parse(o->default_action, &action, &index, err, errlen))
			return -1;
	} else if (o->match == XSK_MATCH_UDP) {
		action = XSK_ACT_PASS;
	}
	ruleset_init(rs, action, index);
	for (i = 0; i < o->nr_rules; i++) {
		if (rule_parse(o->rules[i], &r, err, errlen) ||
		    ruleset_add(rs, &r, -1, &id, err, errlen))
			return -1;
	}
	if (o->match == XSK_MATCH_UDP) {
		if (rule_parse("udp -> queue", &r, err, errlen) ||
		    ruleset_add(rs, &r, -1, &id, err, errlen))
			return -1;
	}
	if (o->fixed) {
		for (i = 0; i < rs->nr_rules; i++) {
			if (rs->rules[i].action == XSK_ACT_QUEUE) {
				rs->rules[i].action = XSK_ACT_INDEX;
				rs->rules[i].index = o->fixed_index;
			}
		}
		if (rs->default_action == XSK_ACT_QUEUE) {
			rs->default_action = XSK_ACT_INDEX;
			rs->default_index = o->fixed_index;
		}
	}
	return 0;
}

void print_version(FILE *f)
{
	fprintf(f, "xskmap %s (libbpf %s, libxdp %s)\n", XSKMAP_VERSION, libbpf_version_string(),
		XSKMAP_LIBXDP_VERSION);
}

__u32 run_opts_slots(const struct run_opts *o, __u32 dev_queues)
{
	if (o->fixed && o->fixed_index >= dev_queues)
		return o->fixed_index + 1;
	return dev_queues;
}

char *words_join(int n, char *const *words)
{
	size_t len = 1, off = 0;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++)
		off += sprintf(s + off, "%s%s", i ? " " : "", words[i]);
	return s;
}

void rules_usage(FILE *f)
{
	fprintf(f,
"Usage: xskmap rules [OPTIONS] IFNAME list\n"
"       xskmap rules [OPTIONS] IFNAME add [--at RANK] RULE\n"
"       xskmap rules [OPTIONS] IFNAME del ID\n"
"       xskmap rules [OPTIONS] IFNAME default ACTION\n"
"\n"
"Show or change the steering rules of the 'xskmap run' on IFNAME, through\n"
"the maps it pins (default /sys/fs/bpf/xskmap/IFNAME). A change takes\n"
"effect at once and atomically: each frame is classified by the old rules\n"
"or the new ones, none is lost. 'add' appends (lowest priority) unless\n"
"--at gives the rank (0 = first). Quote the rule: 'udp dport 53 -> queue'\n"
"(unquoted, the shell reads '>' as a redirection).\n"
"'xskmap run --help' describes the rule language.\n"
"\n"
"Options (anywhere on the line):\n"
"      --pin-dir DIR      the --pin-dir the run was given\n"
"      --json             list as one JSON object\n"
"      --version          the version of xskmap\n"
"  -h, --help             this text\n");
}

void rules_args_free(struct rules_args *a)
{
	free(a->text);
	a->text = NULL;
}

/* VERB ARGS... from the words left once the options are out. */
static int rules_verb_parse(int n, char **w, struct rules_args *a, bool at_given,
			    char *err, size_t errlen)
{
	const char *verb = w[0];
	__u64 v;

	if (!strcmp(verb, "list")) {
		a->verb = RULES_LIST;
		if (n > 1)
			return fail(err, errlen, "unexpected argument '%s' after 'list'", w[1]);
	} else if (!strcmp(verb, "add")) {
		a->verb = RULES_ADD;
		if (n == 1)
			return fail(err, errlen, "'add' needs a rule, e.g. 'udp dport 53 -> queue'");
		a->text = words_join(n - 1, w + 1);
		if (!a->text)
			return fail(err, errlen, "out of memory");
		if (rule_parse(a->text, &a->rule, err, errlen))
			return -1;
	} else if (!strcmp(verb, "del")) {
		a->verb = RULES_DEL;
		/* Any number is an id: one that is not in use is "no rule" (exit 1). */
		if (n != 2 || parse_u64(w[1], 0, UINT32_MAX, &v))
			return fail(err, errlen, "'del' takes one rule id (see 'xskmap rules %s list')",
				    a->ifname);
		a->id = v;
	} else if (!strcmp(verb, "default")) {
		a->verb = RULES_DEFAULT;
		a->text = words_join(n - 1, w + 1);
		if (!a->text)
			return fail(err, errlen, "out of memory");
		if (action_parse(a->text, &a->action, &a->index, err, errlen))
			return -1;
	} else {
		return fail(err, errlen, "unknown rules command '%s': use list, add, del or default", verb);
	}
	if (at_given && a->verb != RULES_ADD)
		return fail(err, errlen, "--at only goes with 'add'");
	return 0;
}

int rules_args_parse(int argc, char **argv, struct rules_args *a, char *err, size_t errlen)
{
	char **words = calloc(argc > 0 ? argc : 1, sizeof(*words));
	bool at_given = false;
	int i, n = 0, ret;
	__u64 v;

	memset(a, 0, sizeof(*a));
	a->at = -1;
	if (!words)
		return fail(err, errlen, "out of memory");
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		/* Rule words never start with "--"; "->" and a lone "-" are words. */
		if (strncmp(arg, "--", 2) && strcmp(arg, "-h")) {
			words[n++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			free(words);
			rules_usage(stdout);
			return 1;
		}
		if (!strcmp(arg, "--version")) {
			free(words);
			print_version(stdout);
			return 1;
		}
		if (!strcmp(arg, "--json")) {
			a->json = true;
			continue;
		}
		if (!strcmp(arg, "--pin-dir") || !strcmp(arg, "--at")) {
			if (i + 1 == argc) {
				ret = fail(err, errlen, "option '%s' needs a value: see 'xskmap rules --help'", arg);
				goto out;
			}
			if (arg[2] == 'p') {
				if (!*argv[i + 1]) {
					ret = fail(err, errlen, "invalid --pin-dir '': give a directory on a bpf filesystem");
					goto out;
				}
				a->pin_dir = argv[++i];
				continue;
			}
			if (parse_u64(argv[i + 1], 0, XSK_MAX_RULES - 1, &v)) {
				ret = fail(err, errlen, "invalid --at '%s': give a rank 0-%u", argv[i + 1],
					   XSK_MAX_RULES - 1);
				goto out;
			}
			a->at = v;
			at_given = true;
			i++;
			continue;
		}
		ret = fail(err, errlen, "unknown rules option '%s': see 'xskmap rules --help'", arg);
		goto out;
	}
	if (n < 2) {
		ret = fail(err, errlen, n ? "no command after '%s': xskmap rules IFNAME list|add RULE|del ID|default ACTION" :
			   "usage: xskmap rules IFNAME list|add RULE|del ID|default ACTION%s", n ? words[0] : "");
		goto out;
	}
	a->ifname = words[0];
	if (strlen(a->ifname) >= 16) {
		ret = fail(err, errlen, "invalid interface name '%s': at most 15 characters", a->ifname);
		goto out;
	}
	ret = rules_verb_parse(n - 1, words + 1, a, at_given, err, errlen);
out:
	free(words);
	return ret;
}
