// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpgen: a kernel-speed frame generator for the rx benchmark
 * (tests/bench/rx.sh). Not a test: it prints what it sent.
 *
 * BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux
 * 5.18) runs xdpgen_tx on `repeat` copies of one frame, as if it had
 * arrived on the device named by ctx_in.ingress_ifindex; its XDP_TX makes
 * the kernel really transmit each copy out of that device. On veth that
 * is ndo_xdp_xmit into the peer, whose XDP program (the one measured) runs
 * in NAPI on the generator's CPU. No pktgen, no sockets: one system call
 * sends a few hundred thousand frames.
 *
 *   xdpgen [--netns NS] [--cpu N] [--seconds S] [--count N] [--batch N]
 *          --src-mac MAC --dst-mac MAC [--src-ip IP] [--dst-ip IP] IFNAME
 *   xdpgen --attach-drop [--netns NS] IFNAME
 *
 * The second form attaches xdpgen_drop (XDP_DROP everything, native mode)
 * to IFNAME and exits; the attachment outlives the process, and goes with
 * the interface or `ip link set dev IFNAME xdp off`.
 *
 * Output, one line on stdout: frames=N seconds=S pps=P
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpgen.skel.h"

/* Bookworm's linux/bpf.h may predate 5.18. */
#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

/* The kernel's cap on batch_size (TEST_XDP_MAX_BATCH). */
#define XDPGEN_MAX_BATCH 256
/* Frame length without FCS: Ethernet 14 + IPv4 20 + UDP 8 + 22 bytes. */
#define XDPGEN_FRAME_LEN 64
/*
 * Each call should take about this long: short enough to stop on time,
 * long enough that the per-call setup (a page pool) costs nothing.
 */
#define XDPGEN_CALL_SEC 0.05

struct gen_opts {
	const char *netns;
	const char *ifname;
	int cpu;			/* -1: wherever the scheduler likes */
	double seconds;
	unsigned long long count;	/* 0: until seconds */
	unsigned int batch;
	unsigned char src_mac[6], dst_mac[6];
	struct in_addr src_ip, dst_ip;
	int attach_drop;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

static __u16 ip_csum(const void *hdr, size_t len)
{
	const unsigned char *p = hdr;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Ethernet/IPv4/UDP, 12345 -> 9 (discard), payload zeros; UDP checksum 0. */
static void build_frame(unsigned char *f, const struct gen_opts *o)
{
	unsigned char *ip = f + 14, *udp = ip + 20;
	__u16 ip_len = XDPGEN_FRAME_LEN - 14, udp_len = ip_len - 20, csum;

	memset(f, 0, XDPGEN_FRAME_LEN);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = ip_len >> 8;
	ip[3] = ip_len & 0xff;
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &o->src_ip, 4);
	memcpy(ip + 16, &o->dst_ip, 4);
	csum = ip_csum(ip, 20);
	ip[10] = csum >> 8;
	ip[11] = csum & 0xff;
	udp[0] = 12345 >> 8;
	udp[1] = 12345 & 0xff;
	udp[3] = 9;
	udp[4] = udp_len >> 8;
	udp[5] = udp_len & 0xff;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xdpgen [--netns NS] [--cpu N] [--seconds S] [--count N] [--batch N]\n"
"              --src-mac MAC --dst-mac MAC [--src-ip IP] [--dst-ip IP] IFNAME\n"
"       xdpgen --attach-drop [--netns NS] IFNAME\n"
"Sends 64-byte UDP frames out of IFNAME at kernel speed (BPF_PROG_TEST_RUN,\n"
"live frames, XDP_TX) for --seconds (5) or --count frames, whichever ends\n"
"first; prints frames=N seconds=S pps=P. IFNAME must be able to XDP_TX\n"
"(veth: its peer needs an XDP program). Addresses default to\n"
"198.18.0.2 -> 198.18.0.1. --attach-drop puts an XDP_DROP program on IFNAME.\n");
}

static int parse_opts(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "src-mac", required_argument, NULL, 'S' },
		{ "dst-mac", required_argument, NULL, 'D' },
		{ "src-ip", required_argument, NULL, 'i' },
		{ "dst-ip", required_argument, NULL, 'I' },
		{ "attach-drop", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int have_src = 0, have_dst = 0, c;
	char *end;

	*o = (struct gen_opts){ .cpu = -1, .seconds = 5, .batch = 64 };
	inet_pton(AF_INET, "198.18.0.2", &o->src_ip);
	inet_pton(AF_INET, "198.18.0.1", &o->dst_ip);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 'n':
			o->netns = optarg;
			break;
		case 'C':
			o->cpu = strtol(optarg, &end, 10);
			if (*end || o->cpu < 0 || o->cpu >= CPU_SETSIZE)
				goto bad;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0))
				goto bad;
			break;
		case 'c':
			o->count = strtoull(optarg, &end, 10);
			if (*end || errno)
				goto bad;
			break;
		case 'b':
			o->batch = strtoul(optarg, &end, 10);
			if (*end || !o->batch || o->batch > XDPGEN_MAX_BATCH)
				goto bad;
			break;
		case 'S':
			if (parse_mac(optarg, o->src_mac))
				goto bad;
			have_src = 1;
			break;
		case 'D':
			if (parse_mac(optarg, o->dst_mac))
				goto bad;
			have_dst = 1;
			break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &o->src_ip) != 1)
				goto bad;
			break;
		case 'I':
			if (inet_pton(AF_INET, optarg, &o->dst_ip) != 1)
				goto bad;
			break;
		case 'A':
			o->attach_drop = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	o->ifname = argv[optind];
	if (!o->attach_drop && (!have_src || !have_dst)) {
		fprintf(stderr, "xdpgen: --src-mac and --dst-mac are required to send\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "xdpgen: bad option value '%s'\n", optarg);
	return -1;
}

/* Enter NS before anything that depends on it (ifindex, test run's device). */
static int enter_netns(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xdpgen: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "xdpgen: cannot enter network namespace %s: %s (run as root)\n",
			ns, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int send_frames(struct xdpgen *skel, int ifindex, const struct gen_opts *o)
{
	unsigned char frame[XDPGEN_FRAME_LEN];
	struct xdp_md ctx = {
		.data_end = XDPGEN_FRAME_LEN,
		.ingress_ifindex = ifindex,
	};
	int prog_fd = bpf_program__fd(skel->progs.xdpgen_tx);
	unsigned long long sent = 0, chunk = 65536;
	double start, t;

	build_frame(frame, o);
	start = now_sec();
	t = start;
	while (t - start < o->seconds && (!o->count || sent < o->count)) {
		LIBBPF_OPTS(bpf_test_run_opts, topts,
			    .data_in = frame,
			    .data_size_in = sizeof(frame),
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = o->batch);
		unsigned long long n = chunk;
		double t0 = t;

		if (o->count && o->count - sent < n)
			n = o->count - sent;
		topts.repeat = n;
		if (bpf_prog_test_run_opts(prog_fd, &topts)) {
			int err = errno;

			fprintf(stderr, "xdpgen: BPF_PROG_TEST_RUN (live frames) on ifindex %d: %s%s\n",
				ifindex, strerror(err),
				err == EINVAL ? " (kernel older than 5.18, or the interface cannot XDP_TX)" : "");
			return -1;
		}
		sent += n;
		t = now_sec();
		/* Aim the next call at XDPGEN_CALL_SEC, within [4096, 2^24]. */
		if (t > t0)
			chunk = n / (t - t0) * XDPGEN_CALL_SEC;
		if (chunk < 4096)
			chunk = 4096;
		if (chunk > (1ULL << 24))
			chunk = 1ULL << 24;
	}
	printf("frames=%llu seconds=%.4f pps=%.0f\n", sent, t - start,
	       t > start ? sent / (t - start) : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	struct xdpgen *skel;
	int ifindex, ret;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.netns && enter_netns(o.netns))
		return 1;
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "xdpgen: cannot pin to CPU %d: %s; running unpinned\n",
				o.cpu, strerror(errno));
	}
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		fprintf(stderr, "xdpgen: interface '%s' does not exist%s\n", o.ifname,
			o.netns ? " in that namespace" : "");
		return 1;
	}
	skel = xdpgen__open_and_load();
	if (!skel) {
		fprintf(stderr, "xdpgen: cannot load xdpgen.bpf.o: %s (run as root)\n", strerror(errno));
		return 1;
	}
	if (o.attach_drop) {
		ret = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xdpgen_drop),
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (ret)
			fprintf(stderr, "xdpgen: cannot attach XDP_DROP to %s: %s\n",
				o.ifname, strerror(-ret));
	} else {
		ret = send_frames(skel, ifindex, &o);
	}
	xdpgen__destroy(skel);
	return ret ? 1 : 0;
}
