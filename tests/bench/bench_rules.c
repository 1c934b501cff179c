// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cost of the XDP program per frame, by rule count, through
 * BPF_PROG_TEST_RUN with `repeat` (the kernel times the loop; no packet
 * I/O). Not a test: it prints figures, see tests/bench/rules.sh.
 *
 * For each family and rule count the frame matches the LAST rule, the worst
 * case for a linear scan. Rounds are interleaved so that machine noise hits
 * every configuration alike; the median of the rounds is printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cls_maps.h"
#include "ruleset.h"
#include "xsk_redirect.skel.h"

#define ROUNDS 7

static const int counts[] = { 0, 1, 16, 64 };
#define NCOUNTS (int)(sizeof(counts) / sizeof(counts[0]))

/* Ethernet + IPv4/IPv6 + UDP to port 5000 + 18 bytes: a 64/84-byte frame. */
static size_t build_frame(unsigned char *f, int v6)
{
	static const unsigned char v4hdr[] = {
		0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0,
		198, 18, 3, 2, 198, 18, 0, 1 };
	static const unsigned char v6hdr[] = {
		0x60, 0, 0, 0, 0, 26, 17, 64,
		0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	size_t off = 12;

	memset(f, 0, 128);
	f[0] = 2; f[6] = 2; f[11] = 1;
	f[off++] = v6 ? 0x86 : 0x08;
	f[off++] = v6 ? 0xDD : 0x00;
	memcpy(f + off, v6 ? v6hdr : v4hdr, v6 ? sizeof(v6hdr) : sizeof(v4hdr));
	off += v6 ? sizeof(v6hdr) : sizeof(v4hdr);
	f[off] = 0x30; f[off + 1] = 0x39;	/* sport 12345 */
	f[off + 2] = 0x13; f[off + 3] = 0x88;	/* dport 5000 */
	f[off + 5] = 26;
	return off + 26;
}

/*
 * n rules of mixed kinds that the frame does not match, the last one that
 * it does: ports, prefixes and protocols, as a real rule set has.
 */
static int build_rules(struct xsk_ruleset *rs, int n, int v6)
{
	char text[160], err[256];
	struct xsk_rule r;
	__u32 id;
	int i;

	ruleset_init(rs, XSK_ACT_PASS, 0);
	for (i = 0; i < n; i++) {
		if (i == n - 1)
			snprintf(text, sizeof(text), v6 ? "ip6 udp src 2001:db8:3::/48 dport 5000 -> drop"
						       : "ip4 udp src 198.18.3.0/24 dport 5000 -> drop");
		else if (i % 3 == 0)
			snprintf(text, sizeof(text), "udp dport %d -> queue", 6000 + i);
		else if (i % 3 == 1)
			snprintf(text, sizeof(text), v6 ? "src 2001:db8:%x::/48 -> pass" : "src 198.19.%d.0/24 -> pass", 10 + i);
		else
			snprintf(text, sizeof(text), "tcp dport %d-%d -> drop", 1000 + i * 10, 1005 + i * 10);
		if (rule_parse(text, &r, err, sizeof(err)) || ruleset_add(rs, &r, -1, &id, err, sizeof(err))) {
			fprintf(stderr, "bench: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned int repeat = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	double ns[2][NCOUNTS][ROUNDS];
	struct xsk_redirect *skel;
	struct xsk_ruleset rs;
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	struct cls_fds fds;
	unsigned char frame[128];
	char err[256];
	int prog_fd, round, v6, c;

	skel = xsk_redirect__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench: cannot load xsk_redirect: %s (run as root)\n", strerror(errno));
		return 1;
	}
	prog_fd = bpf_program__fd(skel->progs.xsk_redirect);
	cls_fds_from_skel(skel, &fds);
	if (!bpf_obj_get_info_by_fd(prog_fd, &info, &ilen))
		printf("program: %u BPF instructions (xlated), verifier processed %u; tables serve up to %u rules\n",
		       info.xlated_prog_len / 8, info.verified_insns, XSK_MAX_RULES);

	for (round = 0; round < ROUNDS; round++) {
		for (v6 = 0; v6 < 2; v6++) {
			for (c = 0; c < NCOUNTS; c++) {
				size_t len = build_frame(frame, v6);
				LIBBPF_OPTS(bpf_test_run_opts, opts,
					    .data_in = frame, .data_size_in = len, .repeat = repeat);

				if (build_rules(&rs, counts[c], v6) || cls_apply(&fds, &rs, err, sizeof(err))) {
					fprintf(stderr, "bench: %s\n", err);
					return 1;
				}
				if (bpf_prog_test_run_opts(prog_fd, &opts)) {
					fprintf(stderr, "bench: test run failed: %s\n", strerror(errno));
					return 1;
				}
				if (counts[c] && opts.retval != XDP_DROP) {
					fprintf(stderr, "bench: %d rules: the frame did not hit the last rule (verdict %u)\n",
						counts[c], opts.retval);
					return 1;
				}
				ns[v6][c][round] = opts.duration;
			}
		}
	}

	printf("ns per frame, median of %d interleaved rounds of %u runs (frame hits the last rule):\n",
	       ROUNDS, repeat);
	printf("%-6s", "rules");
	for (c = 0; c < NCOUNTS; c++)
		printf(" %8d", counts[c]);
	printf("   64/1\n");
	for (v6 = 0; v6 < 2; v6++) {
		double med[NCOUNTS];

		for (c = 0; c < NCOUNTS; c++) {
			qsort(ns[v6][c], ROUNDS, sizeof(double), cmp_double);
			med[c] = ns[v6][c][ROUNDS / 2];
		}
		printf("%-6s", v6 ? "IPv6" : "IPv4");
		for (c = 0; c < NCOUNTS; c++)
			printf(" %8.1f", med[c]);
		printf("   %.2fx\n", med[NCOUNTS - 1] / med[1]);
	}
	xsk_redirect__destroy(skel);
	return 0;
}
