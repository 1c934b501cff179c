// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gen_opts.h"
#include "options.h"
#include "opts.h"
#include "util.h"

#define GEN_STR_(x) #x
#define GEN_STR(x) GEN_STR_(x)
#define GEN_SETTER(fn) static int fn(void *obj, const char *v, char *err, size_t errlen)
#define GEN_O struct gen_opts *o = obj

int parse_mac(const char *s, __u8 *mac)
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

GEN_SETTER(gen_set_engine)
{
	GEN_O;

	if (!strcmp(v, "xsk"))
		o->engine = GEN_ENGINE_XSK;
	else if (!strcmp(v, "xdp"))
		o->engine = GEN_ENGINE_XDP;
	else
		return errf(err, errlen, "invalid --engine '%s': use xsk or xdp", v);
	return 0;
}

GEN_SETTER(gen_set_count)
{
	GEN_O;

	if (parse_u64(v, 1, UINT64_MAX, &o->count))
		return errf(err, errlen, "invalid --count '%s': use a whole number >= 1", v);
	return 0;
}

GEN_SETTER(gen_set_duration)
{
	GEN_O;

	if (parse_seconds(v, &o->duration))
		return errf(err, errlen, "invalid --duration '%s': use seconds > 0, e.g. 10 or 0.5", v);
	return 0;
}

GEN_SETTER(gen_set_rate)
{
	GEN_O;
	__u64 r;

	if (parse_u64(v, 1, 1000000000, &r))
		return errf(err, errlen, "invalid --rate '%s': use frames per second, 1-1000000000", v);
	o->rate = r;
	return 0;
}

GEN_SETTER(gen_set_frame_size)
{
	GEN_O;

	if (strcmp(v, "2048") && strcmp(v, "4096"))
		return errf(err, errlen, "invalid --frame-size '%s': use 2048 or 4096", v);
	o->frame_size = atoi(v);
	return 0;
}

GEN_SETTER(gen_set_size)
{
	GEN_O;
	__u64 n;

	if (parse_u64(v, 0, 65535, &n))
		return errf(err, errlen, "invalid --size '%s': use a frame length in bytes (60-...)", v);
	if (n < PKT_ETH_MIN)
		return errf(err, errlen, "invalid --size %llu: Ethernet frames are at least %u bytes (without FCS)",
			    (unsigned long long)n, PKT_ETH_MIN);
	o->size = n;
	return 0;
}

static int set_mac(const char *opt, const char *v, __u8 *mac, char *err, size_t errlen)
{
	if (parse_mac(v, mac))
		return errf(err, errlen, "invalid --%s '%s': use six hex bytes, e.g. 02:00:00:00:00:01",
			    opt, v);
	return 0;
}

GEN_SETTER(gen_set_src_mac)
{
	GEN_O;

	o->src_mac_set = true;
	return set_mac("src-mac", v, o->src_mac, err, errlen);
}

GEN_SETTER(gen_set_dst_mac)
{
	GEN_O;

	return set_mac("dst-mac", v, o->dst_mac, err, errlen);
}

static int set_ip(const char *opt, const char *v, int *family, __u8 *ip, char *err, size_t errlen)
{
	if (inet_pton(AF_INET, v, ip) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, v, ip) == 1)
		*family = AF_INET6;
	else
		return errf(err, errlen, "invalid --%s '%s': use an IPv4 or IPv6 address", opt, v);
	return 0;
}

GEN_SETTER(gen_set_src)
{
	GEN_O;

	return set_ip("src", v, &o->src_family, o->src_ip, err, errlen);
}

GEN_SETTER(gen_set_dst)
{
	GEN_O;

	return set_ip("dst", v, &o->dst_family, o->dst_ip, err, errlen);
}

static int set_ports(const char *opt, const char *v, __u16 *lo, __u16 *hi, char *err,
		     size_t errlen)
{
	char buf[32], *dash;
	__u64 a, b;

	if (strlen(v) >= sizeof(buf))
		goto bad;
	strcpy(buf, v);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u64(buf, 1, 65535, &a) || (dash && parse_u64(dash + 1, 1, 65535, &b)))
		goto bad;
	if (!dash)
		b = a;
	if (b < a)
		return errf(err, errlen, "invalid --%s '%s': the range is backwards", opt, v);
	*lo = a;
	*hi = b;
	return 0;
bad:
	return errf(err, errlen, "invalid --%s '%s': use a port 1-65535 or a range LO-HI", opt, v);
}

GEN_SETTER(gen_set_sport)
{
	GEN_O;

	return set_ports("sport", v, &o->sport_lo, &o->sport_hi, err, errlen);
}

GEN_SETTER(gen_set_dport)
{
	GEN_O;

	return set_ports("dport", v, &o->dport_lo, &o->dport_hi, err, errlen);
}

GEN_SETTER(gen_set_vlan)
{
	GEN_O;
	__u64 id;

	if (parse_u64(v, 1, 4094, &id))
		return errf(err, errlen, "invalid --vlan '%s': use a VLAN ID 1-4094", v);
	o->vlan = true;
	o->vlan_id = id;
	return 0;
}

GEN_SETTER(gen_set_queues)
{
	GEN_O;
	bool all = false;

	if (parse_queue_list(v, &all, o->queues, GEN_MAX_QUEUES, &o->nr_queues, err, errlen))
		return -1;
	if (all)
		return errf(err, errlen, "invalid --queues 'all' for gen: name the TX queues, e.g. -q 0-3");
	o->queues_set = true;
	return 0;
}

GEN_SETTER(gen_set_interval)
{
	GEN_O;

	if (parse_seconds(v, &o->interval))
		return errf(err, errlen, "invalid --interval '%s': use seconds > 0, e.g. 1", v);
	return 0;
}

GEN_SETTER(gen_set_timeout)
{
	GEN_O;

	if (parse_seconds(v, &o->rtt_timeout))
		return errf(err, errlen, "invalid --timeout '%s': use seconds > 0, e.g. 1 or 0.2", v);
	o->timeout_set = true;
	return 0;
}

static int gen_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	GEN_O;

	if (n == 0)
		return errf(err, errlen, "missing interface name: xskmap gen [OPTIONS] IFNAME");
	if (n > 1)
		return errf(err, errlen, "unexpected argument '%s': gen takes one interface", w[1]);
	o->ifname = w[0];
	return opts_check_ifname(o->ifname, err, errlen);
}

static const struct opt_def gen_defs[] = {
	{ .kind = OPT_KIND_CALL, .name = "engine", .key = 'e', .arg = "ENGINE", .parse = gen_set_engine,
	  .help = "xsk (default): AF_XDP TX rings, one thread per queue;\n"
		  "xdp: BPF_PROG_RUN live frames with XDP_TX, at kernel speed" },
	{ .kind = OPT_KIND_CALL, .name = "count", .key = 'c', .arg = "N", .parse = gen_set_count,
	  .help = "stop after N frames have left (completed), across all queues" },
	{ .kind = OPT_KIND_CALL, .name = "duration", .key = 'd', .arg = "SEC", .parse = gen_set_duration,
	  .help = "stop after SEC seconds" },
	{ .kind = OPT_KIND_CALL, .name = "rate", .arg = "PPS", .parse = gen_set_rate,
	  .help = "frames per second in total, paced evenly; default: as fast as possible" },
	{ .kind = OPT_KIND_CALL, .name = "size", .key = 's', .arg = "SIZE", .parse = gen_set_size,
	  .help = "frame length without FCS, as a capture shows it (default 64,\n"
		  "or the smallest that holds the headers: 78 for IPv6)" },
	{ .kind = OPT_KIND_CALL, .name = "frame-size", .arg = "N", .parse = gen_set_frame_size,
	  .help = "xsk: UMEM frame size, 2048 or 4096 (default 4096); a longer\n"
		  "frame goes over several (multi-buffer, Linux 6.6)" },
	OPT_SECTION("Round trips:"),
	{ .kind = OPT_KIND_FLAG, .name = "rtt", .off = offsetof(struct gen_opts, rtt),
	  .help = "receive the frames back on IFNAME (a peer running 'xskmap run\n"
		  "--action fwd' returns them) and report round-trip percentiles\n"
		  "and loss; attaches xsk_redirect to IFNAME while it runs;\n"
		  "--rate defaults to 10000" },
	{ .kind = OPT_KIND_CALL, .name = "timeout", .arg = "SEC", .parse = gen_set_timeout,
	  .help = "--rtt: a frame not back SEC after the last send is lost (default 1)" },
	{ .kind = OPT_KIND_FLAG, .name = "spin", .off = offsetof(struct gen_opts, spin),
	  .help = "--rtt: between sends, spin on the RX ring instead of sleeping\n"
		  "in ppoll() (no wakeup in the round trip; for a CPU of its own)" },
	OPT_SECTION("Frame:"),
	{ .kind = OPT_KIND_CALL, .name = "src-mac", .arg = "MAC", .parse = gen_set_src_mac,
	  .help = "source MAC (default: the interface's)" },
	{ .kind = OPT_KIND_CALL, .name = "dst-mac", .arg = "MAC", .parse = gen_set_dst_mac,
	  .help = "destination MAC (default: ff:ff:ff:ff:ff:ff, which every host takes)" },
	{ .kind = OPT_KIND_CALL, .name = "src", .arg = "IP", .parse = gen_set_src,
	  .help = "source address (default 198.18.0.2; IPv6 addresses make IPv6 frames)" },
	{ .kind = OPT_KIND_CALL, .name = "dst", .arg = "IP", .parse = gen_set_dst,
	  .help = "destination address (default 198.18.0.1)" },
	{ .kind = OPT_KIND_CALL, .name = "sport", .arg = "P[-P]", .parse = gen_set_sport,
	  .help = "UDP source port or range, one flow per port, cycled per frame (default 9)" },
	{ .kind = OPT_KIND_CALL, .name = "dport", .arg = "P[-P]", .parse = gen_set_dport,
	  .help = "UDP destination port or range, advanced when the source ports wrap (default 9)" },
	{ .kind = OPT_KIND_CALL, .name = "vlan", .arg = "ID", .parse = gen_set_vlan,
	  .help = "add an 802.1Q tag with VLAN ID (1-4094, priority 0)" },
	OPT_SECTION("Threads:"),
	{ .kind = OPT_KIND_CALL, .name = "queues", .key = 'q', .arg = "QUEUES", .parse = gen_set_queues,
	  .help = "xsk: TX queues, one socket and thread each, e.g. 0-3 (default 0)" },
	OPT_CPUS_TEXT(struct gen_opts, perf,
		      "pin the threads in this order, one CPU each (xsk: one per\n"
		      "queue, default unpinned; xdp: one thread per CPU given,\n"
		      "default one, kept on the CPU it starts on)"),
	OPT_SECTION("Performance (xsk; xdp takes --batch only):"),
	OPT_BATCH(struct gen_opts, batch,
		  "frames per TX batch (one kick) and per completion drain,\n"
		  "1-" GEN_STR(XSKMAP_MAX_BATCH) " (default 64); xdp: BPF_PROG_RUN's batch_size"),
	OPT_BUSY_POLL(struct gen_opts, perf),
	OPT_POLL_TEXT(struct gen_opts, perf,
		      "sleep in poll() until the TX ring has room before each batch\n"
		      "(least CPU) instead of spinning"),
	{ .kind = OPT_KIND_FLAG, .name = "unaligned", .off = offsetof(struct gen_opts, unaligned),
	  .help = "xsk: unaligned UMEM chunks (XDP_UMEM_UNALIGNED_CHUNK_FLAG)" },
	{ .kind = OPT_KIND_FLAG, .name = "hugepages", .off = offsetof(struct gen_opts, hugepages),
	  .help = "xsk: the UMEMs in huge pages (MAP_HUGETLB)" },
	OPT_SECTION("Output:"),
	{ .kind = OPT_KIND_CALL, .name = "interval", .key = 'i', .arg = "SEC", .parse = gen_set_interval,
	  .help = "live TX rates on stderr every SEC seconds (with --json:\none JSON object a line on stdout)" },
	OPT_JSON(struct gen_opts, "the summary as JSON on stdout"),
	OPT_PROMETHEUS(struct gen_opts),
	OPT_VERBOSE(struct gen_opts),
	OPT_END,
};

static const struct opt_cmd gen_cmd = {
	.name = "gen",
	.head = "Usage: xskmap gen [OPTIONS] IFNAME\n"
		"Send UDP frames out of IFNAME, each with correct IPv4/UDP (or IPv6/UDP)\n"
		"checksums and a kernel pktgen header (magic 0xbe9be955, a sequence number\n"
		"from 0, the send time) at the start of the payload.\n\n",
	.opts_title = "Options:",
	.tail = "\nExit: 0 done, 1 runtime failure, 2 usage error.\n",
	.defs = gen_defs,
	.words = gen_words,
};

static void gen_opts_default(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->engine = GEN_ENGINE_XSK;
	memset(o->dst_mac, 0xff, 6);
	o->sport_lo = o->sport_hi = 9;
	o->dport_lo = o->dport_hi = 9;
	o->frames = 4096;
	o->frame_size = 4096;
	o->ring_size = 2048;
	o->batch = 64;
	o->rtt_timeout = GEN_RTT_DEFAULT_TIMEOUT;
}

int gen_opts_parse(int argc, char **argv, struct gen_opts *o, char *err, size_t errlen)
{
	int ret;

	gen_opts_default(o);
	ret = opts_parse(&gen_cmd, argc, argv, o, err, errlen);
	if (ret)
		return ret;
	if (o->src_family && o->dst_family && o->src_family != o->dst_family)
		return errf(err, errlen, "--src and --dst are of different families: give two IPv4 or two IPv6 addresses");
	if (o->engine == GEN_ENGINE_XDP && o->queues_set)
		return errf(err, errlen, "-q is for --engine xsk: --engine xdp sends from the CPUs it runs on (--cpus)");
	/*
	 * The xdp engine has no socket and no ring: busy polling and poll()
	 * would change nothing, and a benchmark that asked for them must not
	 * read as if they had been used.
	 */
	if (o->engine == GEN_ENGINE_XDP && (o->perf.busy_poll || o->perf.poll))
		return errf(err, errlen, "--%s is for --engine xsk: --engine xdp has no socket to poll (the kernel sends from within BPF_PROG_RUN); drop it",
			    o->perf.busy_poll ? "busy-poll" : "poll");
	if (o->perf.busy_poll && o->perf.poll)
		return errf(err, errlen, "--busy-poll and --poll exclude each other: busy polling never sleeps; give one");
	if (o->perf.busy_poll && !o->perf.busy_budget)
		o->perf.busy_budget = o->batch;
	if (!o->rtt && (o->timeout_set || o->spin))
		return errf(err, errlen, "--%s is for --rtt: add --rtt, or leave it out",
			    o->spin ? "spin" : "timeout");
	if (o->rtt && o->engine == GEN_ENGINE_XDP)
		return errf(err, errlen, "--rtt needs --engine xsk: the frames come back through its sockets' RX rings");
	if (o->rtt && !o->rate)
		o->rate = GEN_RTT_DEFAULT_RATE;
	if (!o->queues_set) {
		o->queues[0] = 0;
		o->nr_queues = 1;
	}
	/* xsk: one thread per queue; xdp: one per CPU given. */
	return perf_check_cpu_count(&o->perf, o->engine == GEN_ENGINE_XSK ? o->nr_queues : 0, err,
				    errlen);
}

int gen_opts_spec(const struct gen_opts *o, const __u8 *if_mac, struct pkt_spec *s, char *err,
		  size_t errlen)
{
	int family = o->src_family ? o->src_family : o->dst_family ? o->dst_family : AF_INET;
	__u32 min;

	memset(s, 0, sizeof(*s));
	memcpy(s->src_mac, o->src_mac_set ? o->src_mac : if_mac, 6);
	memcpy(s->dst_mac, o->dst_mac, 6);
	s->family = family;
	if (o->src_family)
		memcpy(s->src_ip, o->src_ip, 16);
	if (o->dst_family)
		memcpy(s->dst_ip, o->dst_ip, 16);
	if (!o->src_family || !o->dst_family) {
		/* Defaults: 198.18.0.2 -> 198.18.0.1, 2001:db8::2 -> 2001:db8::1. */
		const char *ds = family == AF_INET ? "198.18.0.2" : "2001:db8::2";
		const char *dd = family == AF_INET ? "198.18.0.1" : "2001:db8::1";

		if (!o->src_family)
			inet_pton(family, ds, s->src_ip);
		if (!o->dst_family)
			inet_pton(family, dd, s->dst_ip);
	}
	s->vlan = o->vlan;
	s->vlan_id = o->vlan_id;
	s->rtt = o->rtt;
	min = pkt_min_size(s);
	if (!o->size) {
		s->size = min > 64 ? min : 64;
	} else if (o->size < min) {
		return errf(err, errlen, "invalid --size %u: %s%s/UDP with the pktgen header%s needs at least %u bytes",
			    o->size, o->vlan ? "802.1Q/" : "", family == AF_INET6 ? "IPv6" : "IPv4",
			    o->rtt ? " and the send time of --rtt" : "", min);
	} else {
		s->size = o->size;
	}
	return 0;
}
