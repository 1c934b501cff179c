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

#include "options.h"
#include "opts.h"
#include "owner.h"
#include "worker.h"

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
	o->action = "count";
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

int queue_list_repeat(const char *s)
{
	char buf[1024], *tok, *save = NULL;
	bool seen[XSKMAP_MAX_QUEUES] = { false };

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		__u64 lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_u64(tok, 0, XSKMAP_MAX_QUEUES - 1, &lo))
			return -1;
		hi = lo;
		if (dash && parse_u64(dash + 1, 0, XSKMAP_MAX_QUEUES - 1, &hi))
			return -1;
		for (; lo <= hi; lo++) {
			if (seen[lo])
				return (int)lo;
			seen[lo] = true;
		}
	}
	return -1;
}

/* Each option's parser: 0, or -1 with the cause and the fix in err. */
#define RUN_SETTER(fn) static int fn(void *obj, const char *v, char *err, size_t errlen)
#define RUN_O struct run_opts *o = obj

RUN_SETTER(run_set_mode)
{
	RUN_O;

	if (!strcmp(v, "auto"))
		o->mode = ATTACH_AUTO;
	else if (!strcmp(v, "native") || !strcmp(v, "drv"))
		o->mode = ATTACH_NATIVE;
	else if (!strcmp(v, "skb") || !strcmp(v, "generic"))
		o->mode = ATTACH_SKB;
	else
		return fail(err, errlen, "invalid --mode '%s': use native, skb or auto", v);
	return 0;
}

RUN_SETTER(run_set_queues)
{
	RUN_O;
	int dup;

	if (parse_queue_list(v, &o->all_queues, o->queues, XSKMAP_MAX_QUEUES, &o->nr_queues,
			     err, errlen))
		return -1;
	/* Harmless (one socket per queue) but maybe a typo for another queue: say so. */
	dup = queue_list_repeat(v);
	if (dup >= 0)
		fprintf(stderr, "xskmap: warning: --queues '%s' names queue %d more than once; it gets one socket\n",
			v, dup);
	return 0;
}

RUN_SETTER(run_set_match)
{
	RUN_O;

	if (!strcmp(v, "all"))
		o->match = XSK_MATCH_ALL;
	else if (!strcmp(v, "udp"))
		o->match = XSK_MATCH_UDP;
	else
		return fail(err, errlen, "invalid --match '%s': use all or udp", v);
	return 0;
}

RUN_SETTER(run_set_rule)
{
	RUN_O;

	if (o->nr_rules == XSK_MAX_RULES)
		return fail(err, errlen, "too many --rule: at most %u", XSK_MAX_RULES);
	o->rules[o->nr_rules++] = v;
	return 0;
}

RUN_SETTER(run_set_default)
{
	RUN_O;

	(void)err;
	(void)errlen;
	o->default_action = v;
	return 0;
}

RUN_SETTER(run_set_fixed)
{
	RUN_O;
	__u64 n;

	if (parse_u64(v, 0, XSKMAP_MAX_QUEUES - 1, &n))
		return fail(err, errlen, "invalid --fixed-index '%s': use a slot number 0-%u", v,
			    XSKMAP_MAX_QUEUES - 1);
	o->fixed = true;
	o->fixed_index = n;
	return 0;
}

RUN_SETTER(run_set_fallback)
{
	RUN_O;

	if (!strcmp(v, "pass"))
		o->fallback = XDP_PASS;
	else if (!strcmp(v, "drop"))
		o->fallback = XDP_DROP;
	else
		return fail(err, errlen, "invalid --fallback '%s': use pass or drop", v);
	return 0;
}

RUN_SETTER(run_set_count)
{
	RUN_O;

	if (parse_u64(v, 1, UINT64_MAX, &o->count))
		return fail(err, errlen, "invalid --count '%s': use a whole number >= 1", v);
	return 0;
}

RUN_SETTER(run_set_duration)
{
	RUN_O;

	if (parse_seconds(v, &o->duration))
		return fail(err, errlen, "invalid --duration '%s': use seconds > 0 and at most 10000000 (115 days), e.g. 10 or 0.5", v);
	return 0;
}

RUN_SETTER(run_set_interval)
{
	RUN_O;

	if (parse_seconds(v, &o->interval))
		return fail(err, errlen, "invalid --interval '%s': use seconds > 0 and at most 10000000, e.g. 1", v);
	return 0;
}

/* A power of 2 in [lo, hi] into *out, else the message for --name. */
static int set_pow2(const char *name, const char *v, __u64 lo, __u64 hi, __u32 *out, char *err,
		    size_t errlen)
{
	__u64 n;

	if (parse_u64(v, lo, hi, &n) || !is_pow2(n))
		return fail(err, errlen, "invalid --%s '%s': use a power of 2 from %llu to %llu", name,
			    v, (unsigned long long)lo, (unsigned long long)hi);
	*out = n;
	return 0;
}

RUN_SETTER(run_set_frames)
{
	RUN_O;

	return set_pow2("frames", v, 64, 1u << 20, &o->frames, err, errlen);
}

RUN_SETTER(run_set_ring_size)
{
	RUN_O;

	return set_pow2("ring-size", v, 64, 1u << 20, &o->ring_size, err, errlen);
}

RUN_SETTER(run_set_frame_size)
{
	RUN_O;
	__u64 n;

	/* A power of 2 unless --unaligned, which may come later: run_words() checks. */
	if (parse_u64(v, 2048, 4096, &n))
		return fail(err, errlen, "invalid --frame-size '%s': use 2048 or 4096 (with --unaligned, 2048 to 4096)", v);
	o->frame_size = n;
	return 0;
}

static int run_set_bind(struct run_opts *o, enum bind_mode b, char *err, size_t errlen)
{
	if (o->bind != BIND_AUTO)
		return fail(err, errlen, "--copy and --zero-copy exclude each other: give one");
	o->bind = b;
	return 0;
}

RUN_SETTER(run_set_copy)
{
	(void)v;
	return run_set_bind(obj, BIND_COPY, err, errlen);
}

RUN_SETTER(run_set_zerocopy)
{
	(void)v;
	return run_set_bind(obj, BIND_ZEROCOPY, err, errlen);
}

RUN_SETTER(run_set_no_wakeup)
{
	RUN_O;

	(void)v;
	(void)err;
	(void)errlen;
	o->need_wakeup = false;
	return 0;
}

RUN_SETTER(run_set_explain)
{
	RUN_O;

	(void)v;
	(void)err;
	(void)errlen;
	o->explain = 1;
	return 0;
}

RUN_SETTER(run_set_no_explain)
{
	RUN_O;

	(void)v;
	(void)err;
	(void)errlen;
	o->explain = -1;
	return 0;
}

RUN_SETTER(run_set_multi_buffer)
{
	RUN_O;

	if (!strcmp(v, "auto"))
		o->multi_buffer = MBUF_AUTO;
	else if (!strcmp(v, "on"))
		o->multi_buffer = MBUF_ON;
	else if (!strcmp(v, "off"))
		o->multi_buffer = MBUF_OFF;
	else
		return fail(err, errlen, "invalid --multi-buffer '%s': use auto, on or off", v);
	return 0;
}

RUN_SETTER(run_set_action)
{
	RUN_O;

	if (!xskmap_action_find(v))
		return fail(err, errlen, "invalid --action '%s': use count, drop or fwd", v);
	o->action = xskmap_action_find(v)->name;
	return 0;
}

RUN_SETTER(run_set_write)
{
	RUN_O;

	if (!*v)
		return fail(err, errlen, "invalid --write '': give a file name");
	o->pcap_path = v;
	return 0;
}

RUN_SETTER(run_set_out)
{
	RUN_O;

	if (opts_check_ifname(v, err, errlen))
		return -1;
	o->out_ifname = v;
	return 0;
}

/* IFNAME, then the checks between options. */
static int run_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	RUN_O;

	if (!n)
		return fail(err, errlen, "no interface given: xskmap run [OPTIONS] IFNAME");
	if (n > 1)
		return fail(err, errlen, "unexpected argument '%s' after interface '%s'", w[1], w[0]);
	o->ifname = w[0];
	if (opts_check_ifname(o->ifname, err, errlen))
		return -1;
	if (!o->unaligned && !is_pow2(o->frame_size))
		return fail(err, errlen, "invalid --frame-size '%u': use 2048 or 4096, or any size from 2048 to 4096 with --unaligned",
			    o->frame_size);
	if (o->metadata && strcmp(o->action, "count"))
		return fail(err, errlen, "--metadata fills the capture and the summary of --action count: drop --metadata, or use --action count");
	if (o->metadata && o->mode == ATTACH_SKB)
		return fail(err, errlen, "--metadata needs native XDP (a device-bound program cannot attach in skb mode): drop --mode skb");
	if (o->ring_size > o->frames)
		return fail(err, errlen, "--ring-size %u is larger than --frames %u: raise --frames or lower --ring-size",
			    o->ring_size, o->frames);
	/* Both would go to stdout, and a JSON reader would get a pcap. */
	if (o->json && o->pcap_path && !strcmp(o->pcap_path, "-"))
		return fail(err, errlen, "--json and -w - both write to stdout: write the capture to a file, or drop --json (the text summary goes to stderr)");
	if (o->pcap_path && strcmp(o->action, "count"))
		return fail(err, errlen, "--action %s writes no capture: drop -w, or use --action count",
			    o->action);
	if (o->batch > o->ring_size)
		return fail(err, errlen, "--batch %u is larger than --ring-size %u: lower --batch",
			    o->batch, o->ring_size);
	if (o->perf.busy_poll && o->perf.poll)
		return fail(err, errlen, "--busy-poll and --poll exclude each other: busy polling never sleeps; give one");
	if (o->perf.busy_poll && !o->perf.busy_budget)
		o->perf.busy_budget = o->batch;
	if (o->bridge && !o->out_ifname)
		return fail(err, errlen, "--bridge forwards between IFNAME and the --out device: give --out IFNAME2 with it");
	if (o->out_ifname && strcmp(o->action, "fwd"))
		return fail(err, errlen, "--out %s sends the frames on: it needs --action fwd (the action is %s)",
			    o->out_ifname, o->action);
	if (o->out_ifname && !strcmp(o->out_ifname, o->ifname))
		return fail(err, errlen, "--out names %s, the interface frames come in on: give another device, or leave out --out to send frames back out of %s",
			    o->ifname, o->ifname);
	/* The two devices' sockets share one UMEM: that is what makes the crossing copy-free. */
	if (o->out_ifname)
		o->shared_umem = true;
	/* A shared UMEM's parts are laid out as aligned frames. */
	if (o->shared_umem && o->unaligned)
		return fail(err, errlen, "--unaligned lays out a UMEM of one socket; %s shares one between sockets in aligned frames: drop --unaligned",
			    o->out_ifname ? "--out" : "--shared-umem");
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

#define STR_(x) #x
#define STR(x) STR_(x)
#define CALL(...) { .kind = OPT_KIND_CALL, __VA_ARGS__ }

/*
 * The options of the program itself (attach mode, rules, fallback), which
 * `run` and `attach` share: declared once here, used by both tables.
 */
#define OPTS_PROG_MODE								\
	CALL(.name = "mode", .key = 'm', .arg = "MODE", .parse = run_set_mode,	\
	     .help = "native | skb | auto (default auto: native, else skb)")
#define OPTS_PROG_FORCE								\
	{ .kind = OPT_KIND_FLAG, .name = "force", .off = offsetof(struct run_opts, force),	\
	  .help = "replace an XDP program another tool attached to\nIFNAME through netlink (never a running xskmap)" }
#define OPTS_PROG_STEERING(fixed_help)						\
	CALL(.name = "rule", .key = 'r', .arg = "RULE", .parse = run_set_rule,	\
	     .help = "add a steering rule; rules are tried in the order\ngiven, the first match decides (at most " STR(XSK_MAX_RULES) ")"), \
	CALL(.name = "default", .arg = "ACTION", .parse = run_set_default,	\
	     .help = "action when no rule matches (default: queue)"),		\
	CALL(.name = "match", .arg = "all|udp", .parse = run_set_match,		\
	     .help = "shorthand: udp = --rule 'udp -> queue' --default pass"),	\
	CALL(.name = "fixed-index", .arg = "N", .parse = run_set_fixed, .help = (fixed_help)), \
	CALL(.name = "fallback", .arg = "pass|drop", .parse = run_set_fallback,	\
	     .help = "verdict when the slot holds no socket (default pass)")

static const struct opt_def run_defs[] = {
	OPT_SECTION("Attaching:"),
	OPTS_PROG_MODE,
	CALL(.name = "queues", .key = 'q', .arg = "LIST", .parse = run_set_queues,
	     .help = "RX queues to open sockets on: all (default) or a\nlist such as 0,2,4-7"),
	OPTS_PROG_FORCE,
	OPT_SECTION("Steering (rules can change while running: see 'xskmap rules'):"),
	OPTS_PROG_STEERING("make every 'queue' action 'index N'; the socket of\nthe single queue given with -q (default 0) is put\nat slot N"),
	OPT_PIN_DIR(struct run_opts, "where the rule maps are pinned for 'xskmap rules'\n(default /sys/fs/bpf/xskmap/IFNAME); on a bpffs,\nand not writable by others unless sticky and root's"),
	OPT_SECTION("Output:"),
	CALL(.name = "action", .key = 'a', .arg = "ACTION", .parse = run_set_action,
	     .help = "what the sockets do with the frames: count (default:\ncount them, and write them with -w), drop (give\nthem straight back to the kernel, no capture) or\nfwd (send each back out of its queue, Ethernet\naddresses swapped, from the same frame)"),
	CALL(.name = "out", .arg = "IFNAME2", .parse = run_set_out,
	     .help = "fwd: send the frames out of IFNAME2 instead, unchanged,\nRX queue q to TX queue q, from the same frame of a\nUMEM both devices share (no copy in userspace)"),
	{ .kind = OPT_KIND_FLAG, .name = "bridge", .off = offsetof(struct run_opts, bridge),
	  .help = "with --out: both ways; IFNAME2 gets the program too\nand what it steers goes out of IFNAME" },
	CALL(.name = "write", .key = 'w', .arg = "FILE", .parse = run_set_write,
	     .help = "write every received frame to FILE (pcap, ns; - is stdout)"),
	CALL(.name = "count", .key = 'c', .arg = "N", .parse = run_set_count,
	     .help = "stop after N frames"),
	CALL(.name = "duration", .key = 'd', .arg = "SEC", .parse = run_set_duration,
	     .help = "stop after SEC seconds"),
	CALL(.name = "interval", .key = 'i', .arg = "SEC", .parse = run_set_interval,
	     .help = "per-queue stats on stderr every SEC seconds (with\n--json: one JSON object a line on stdout)"),
	OPT_JSON(struct run_opts, "final summary as one JSON object on stdout"),
	OPT_PROMETHEUS(struct run_opts),
	CALL(.name = "explain", .parse = run_set_explain, .shown = "--explain | --no-explain",
	     .help = "count by queue and errno the frames the kernel refuses\nafter XDP_REDIRECT (RX ring full, frame too big, ...),\nthrough xdp:xdp_redirect_err (CAP_PERFMON); default:\non where it can attach, with a warning where not;\n--explain: refuse to run without it"),
	CALL(.name = "no-explain", .parse = run_set_no_explain),
	{ .kind = OPT_KIND_FLAG, .name = "metadata", .off = offsetof(struct run_opts, metadata),
	  .help = "the driver's RX metadata (timestamp, RSS hash, VLAN\ntag) through the XDP kfuncs, program bound to IFNAME:\nthe driver's timestamps in the capture (Linux 6.4)" },
	OPT_SECTION("Sockets and rings:"),
	CALL(.name = "frames", .arg = "N", .parse = run_set_frames,
	     .help = "UMEM frames per queue, power of 2 (default 4096)"),
	CALL(.name = "frame-size", .arg = "N", .parse = run_set_frame_size,
	     .help = "2048 or 4096 (default 4096); with --unaligned any\nsize from 2048 to 4096"),
	CALL(.name = "ring-size", .arg = "N", .parse = run_set_ring_size,
	     .help = "RX ring entries, power of 2, <= frames (default 2048)"),
	OPT_BATCH(struct run_opts, batch,
		  "descriptors per ring operation (RX, TX, fill and\ncompletion), 1-" STR(XSKMAP_MAX_BATCH) " (default 64)"),
	CALL(.name = "copy", .parse = run_set_copy, .shown = "--copy | --zero-copy",
	     .help = "force the bind mode (default: the kernel picks)"),
	CALL(.name = "zero-copy", .parse = run_set_zerocopy),
	CALL(.name = "no-need-wakeup", .parse = run_set_no_wakeup,
	     .help = "do not use the need_wakeup flag"),
	{ .kind = OPT_KIND_FLAG, .name = "shared-umem", .off = offsetof(struct run_opts, shared_umem),
	  .help = "one UMEM for the sockets of all queues, each socket\nwith its own fill and completion rings and its own\n--frames of it (implied by --out)" },
	CALL(.name = "multi-buffer", .arg = "auto|on|off", .parse = run_set_multi_buffer,
	     .help = "frames larger than a UMEM frame over several\n(XDP_USE_SG and the xdp.frags program, Linux 6.6);\nauto (default): when the MTU lets such frames in"),
	{ .kind = OPT_KIND_FLAG, .name = "unaligned", .off = offsetof(struct run_opts, unaligned),
	  .help = "unaligned UMEM chunks (XDP_UMEM_UNALIGNED_CHUNK_FLAG):\n--frame-size may be any size from 2048 to 4096" },
	{ .kind = OPT_KIND_FLAG, .name = "hugepages", .off = offsetof(struct run_opts, hugepages),
	  .help = "the UMEMs in huge pages (MAP_HUGETLB; reserve them\nwith 'sysctl vm.nr_hugepages=N')" },
	OPT_SECTION("Performance:"),
	OPT_BUSY_POLL(struct run_opts, perf),
	OPT_CPUS(struct run_opts, perf),
	OPT_POLL(struct run_opts, perf),
	OPT_VERBOSE(struct run_opts),
	OPT_END,
};

const struct opt_cmd run_cmd_opts = {
	.name = "run",
	.head =
"Usage: xskmap run [OPTIONS] IFNAME\n"
"\n"
"Attach the xsk_redirect XDP program to IFNAME, open one AF_XDP socket per\n"
"selected RX queue and receive what the program steers to them. Whatever no\n"
"socket takes goes to the kernel (or is dropped with --fallback drop).\n"
"Stops on SIGINT/SIGTERM, --count or --duration, prints a summary, detaches.\n"
"\n",
	.tail =
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
	.defs = run_defs,
	.words = run_words,
};

void run_usage(FILE *f)
{
	opts_usage(&run_cmd_opts, f);
}

int run_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	run_opts_default(o);
	return opts_parse(&run_cmd_opts, argc, argv, o, err, errlen);
}

/* IFNAME, for attach. */
static int attach_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	RUN_O;

	if (!n)
		return fail(err, errlen, "no interface given: xskmap attach [OPTIONS] IFNAME");
	if (n > 1)
		return fail(err, errlen, "unexpected argument '%s' after interface '%s'", w[1], w[0]);
	o->ifname = w[0];
	return opts_check_ifname(o->ifname, err, errlen);
}

static const struct opt_def attach_defs[] = {
	OPT_SECTION("Attaching:"),
	OPTS_PROG_MODE,
	OPTS_PROG_FORCE,
	OPT_PIN_DIR(struct run_opts, "where xsks_map, the rule maps and the BPF link are\npinned (default " ATTACH_PIN_ROOT "/IFNAME, where DPDK\nand the AF_XDP device plugin look); must be on a\nbpffs, which attach never mounts"),
	OPT_SECTION("Steering (rules can change later: see 'xskmap rules'):"),
	OPTS_PROG_STEERING("make every 'queue' action 'index N': every frame\ngoes to the socket in slot N (xsks_map then has\nN+1 slots at least)"),
	OPT_VERBOSE(struct run_opts),
	OPT_END,
};

static const struct opt_cmd attach_cmd_opts = {
	.name = "attach",
	.head =
"Usage: xskmap attach [OPTIONS] IFNAME\n"
"\n"
"Attach the xsk_redirect XDP program to IFNAME with its rules, pin xsks_map\n"
"as DIR/xsks_map for other processes' AF_XDP sockets (DPDK's af_xdp PMD with\n"
"use_pinned_map=1, pods of the AF_XDP device plugin, your own libxdp code\n"
"with XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD and xsk_socket__update_xskmap()),\n"
"and exit, leaving it attached through a BPF link pinned as DIR/" ATTACH_LINK_PIN ".\n"
"A socket bound to queue q goes into slot q. 'xskmap rules IFNAME' changes the\n"
"rules; 'xskmap detach IFNAME' removes the program, the pins and the record.\n"
"\n",
	.tail =
"\n"
"'xskmap run --help' describes the rule language.\n"
"Exit status: 0 attached, 1 failure, 2 bad usage.\n"
"Example: mkdir -p " ATTACH_PIN_ROOT "/eth0 && mount -t bpf bpf " ATTACH_PIN_ROOT "/eth0\n"
"         xskmap attach -r 'udp dport 4789 -> queue' --default pass eth0\n",
	.defs = attach_defs,
	.words = attach_words,
};

void attach_usage(FILE *f)
{
	opts_usage(&attach_cmd_opts, f);
}

int attach_opts_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	run_opts_default(o);
	return opts_parse(&attach_cmd_opts, argc, argv, o, err, errlen);
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

RUN_SETTER(rules_set_at)
{
	struct rules_args *a = obj;
	__u64 n;

	if (parse_u64(v, 0, XSK_MAX_RULES - 1, &n))
		return fail(err, errlen, "invalid --at '%s': give a rank 0-%u", v, XSK_MAX_RULES - 1);
	a->at = n;
	a->at_given = true;
	return 0;
}

/* IFNAME VERB ARGS..., from the words left once the options are out. */
static int rules_words(void *obj, int n, char **words, char *err, size_t errlen)
{
	struct rules_args *a = obj;

	if (n < 2)
		return fail(err, errlen, n ? "no command after '%s': xskmap rules IFNAME list|add RULE|del ID|default ACTION" :
			    "usage: xskmap rules IFNAME list|add RULE|del ID|default ACTION%s", n ? words[0] : "");
	a->ifname = words[0];
	if (opts_check_ifname(a->ifname, err, errlen))
		return -1;
	return rules_verb_parse(n - 1, words + 1, a, a->at_given, err, errlen);
}

static const struct opt_def rules_defs[] = {
	OPT_PIN_DIR(struct rules_args, "the --pin-dir the run was given"),
	OPT_JSON(struct rules_args, "list as one JSON object"),
	CALL(.name = "at", .arg = "RANK", .parse = rules_set_at,
	     .help = "add: the new rule's rank (0 = first; default last)"),
	OPT_END,
};

static const struct opt_cmd rules_cmd_opts = {
	.name = "rules",
	.head =
"Usage: xskmap rules [OPTIONS] IFNAME list\n"
"       xskmap rules [OPTIONS] IFNAME add [--at RANK] RULE\n"
"       xskmap rules [OPTIONS] IFNAME del ID\n"
"       xskmap rules [OPTIONS] IFNAME default ACTION\n"
"\n"
"Show or change the steering rules of the 'xskmap run' on IFNAME, or of\n"
"what 'xskmap attach' left there, through the maps it pins (found from its\n"
"record; a run's default /sys/fs/bpf/xskmap/IFNAME). A change takes\n"
"effect at once and atomically: each frame is classified by the old rules\n"
"or the new ones, none is lost. 'add' appends (lowest priority) unless\n"
"--at gives the rank (0 = first). Quote the rule: 'udp dport 53 -> queue'\n"
"(unquoted, the shell reads '>' as a redirection).\n"
"'xskmap run --help' describes the rule language.\n"
"\n",
	.opts_title = "Options (anywhere on the line):",
	.defs = rules_defs,
	/* "->" and "-" are rule words; options start with "--" (or are -h). */
	.dash_words = true,
	.words = rules_words,
};

void rules_usage(FILE *f)
{
	opts_usage(&rules_cmd_opts, f);
}

int rules_args_parse(int argc, char **argv, struct rules_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->at = -1;
	return opts_parse(&rules_cmd_opts, argc, argv, a, err, errlen);
}
