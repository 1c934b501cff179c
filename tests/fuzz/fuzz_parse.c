// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the packet parser: bpf/parse.h, compiled here as
 * the XDP program compiles it, against the reference parser of ruleset.c
 * (written apart from it): for every frame, the same verdict (well formed
 * or malformed) and the same fields; then the reference classifier
 * (ref_classify) against what the program computes from its tables
 * (cls_compile + cls_eval) for a rule set taken from the input. The frame
 * lies in a heap buffer of exactly its length, so ASan reports any read
 * past its end. A failed check aborts: libFuzzer reports a crash.
 *
 * Input: byte 0 gives the number of rules (low 4 bits, up to 8) and the
 * default action (high bits); then 12 bytes per rule (see rule_text());
 * the rest is the frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>

#include "parse.h"
#include "ruleset.h"

#define FUZZ_MAX_RULES	8
#define FUZZ_REC	12

static void fuzz_fail(const char *what, const uint8_t *frame, size_t len)
{
	size_t i;

	fprintf(stderr, "fuzz_parse: %s\nframe (%zu bytes):", what, len);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n", frame[i]);
	fprintf(stderr, "\n");
	abort();
}

/*
 * One rule as text from 12 bytes: w says which words appear (bit 0 ip4/ip6,
 * 1 vlan, 2 protocol, 3 src, 4 dst, 5 sport/code, 6 dport/type, 7 IPv6),
 * then the protocol, the action, a prefix length and 8 value bytes. Text
 * the language refuses (ports with icmp, say) is skipped by the caller.
 */
static void rule_text(const uint8_t *b, char *out, size_t len)
{
	static const char *const protos[] = { "udp", "tcp", "icmp", "icmp6" };
	static const char *const actions[] = { "queue", "index", "pass", "drop" };
	__u8 w = b[0], proto = b[1], act = b[2], plen = b[3];
	const __u8 *v = b + 4;
	int v6 = w & 0x80, icmp = 0;
	unsigned full = v6 ? 128 : 32, bit, lo, hi;
	__u8 a[16];
	char addr[INET6_ADDRSTRLEN];
	size_t off = 0;
	int k;

#define ADD(...) (off += snprintf(out + off, off < len ? len - off : 0, __VA_ARGS__))
	if (w & 1)
		ADD("%s ", v6 ? "ip6" : "ip4");
	if (w & 2)
		ADD("vlan %u ", (v[0] << 8 | v[1]) & 0x0FFF);
	if (w & 4) {
		if (proto < 8) {
			ADD("%s ", protos[proto & 3]);
			icmp = (proto & 3) >= 2;
		} else {
			ADD("proto %u ", proto);
		}
	}
	for (k = 0; k < 2; k++) {
		if (!(w & (8 << k)))
			continue;
		/* Address bytes from the values, host bits cleared. */
		for (bit = 0; bit < 16; bit++)
			a[bit] = v[(bit + 4 * k) % 8];
		plen %= full + 1;
		for (bit = plen; bit < full; bit++)
			a[bit / 8] &= ~(0x80 >> (bit % 8));
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, addr, sizeof(addr));
		ADD("%s %s/%u ", k ? "dst" : "src", addr, plen);
	}
	for (k = 0; k < 2; k++) {
		if (!(w & (0x20 << k)))
			continue;
		lo = icmp ? v[2 + 3 * k] : (unsigned)(v[2 + 3 * k] << 8 | v[3 + 3 * k]);
		hi = lo + (icmp ? v[4 + 3 * k] & 7 : v[4 + 3 * k]);
		if (hi > (icmp ? 255u : 65535u))
			hi = icmp ? 255 : 65535;
		ADD("%s %u-%u ", icmp ? (k ? "type" : "code") : (k ? "dport" : "sport"), lo, hi);
	}
	if ((act & 3) == 1)
		ADD("-> index %u", act >> 2);
	else
		ADD("-> %s", actions[act & 3]);
#undef ADD
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cls_tables tables;	/* 1 MB: not on the stack */
	static uint8_t compiled[1 + FUZZ_MAX_RULES * FUZZ_REC];
	static size_t compiled_len;
	struct xsk_ruleset rs;
	struct xk_pkt a, b;
	char text[RULE_FORMAT_MAX], err[512];
	unsigned nr, i;
	__u32 id, ra, ia, rb, ib;
	uint8_t *frame;
	size_t len;
	int rank_ref, rank_cls, ret_bpf, ret_ref;

	if (size < 1)
		return 0;
	nr = (data[0] & 0x0F) % (FUZZ_MAX_RULES + 1);
	if (size < 1 + nr * FUZZ_REC)
		return 0;
	ruleset_init(&rs, (data[0] >> 4) & 3, data[0] >> 6);
	for (i = 0; i < nr; i++) {
		struct xsk_rule r;

		rule_text(data + 1 + i * FUZZ_REC, text, sizeof(text));
		if (rule_parse(text, &r, err, sizeof(err)))
			continue;
		if (ruleset_add(&rs, &r, -1, &id, err, sizeof(err)))
			abort();
	}
	len = size - 1 - nr * FUZZ_REC;
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1 + nr * FUZZ_REC, len);

	memset(&a, 0, sizeof(a));
	ret_bpf = xk_parse(frame, frame + len, &a);
	ret_ref = ref_parse_frame(frame, len, &b);
	if (ret_bpf != ret_ref)
		fuzz_fail(ret_bpf ? "bpf/parse.h: malformed; reference: well formed"
				  : "bpf/parse.h: well formed; reference: malformed", frame, len);
	if (!ret_bpf && memcmp(&a, &b, sizeof(a)))
		fuzz_fail("bpf/parse.h and the reference parsed different fields", frame, len);
	if (!ret_bpf) {
		/*
		 * Compiling fills ~1 MB of tables: only when the rule bytes
		 * changed, as most mutations change the frame.
		 */
		if (compiled_len != 1 + nr * FUZZ_REC || memcmp(compiled, data, compiled_len)) {
			cls_compile(&rs, &tables);
			compiled_len = 1 + nr * FUZZ_REC;
			memcpy(compiled, data, compiled_len);
		}
		rank_ref = ref_classify(&rs, &b, &ra, &ia);
		rank_cls = cls_eval(&tables, &a, &rb, &ib);
		if (rank_ref != rank_cls || ra != rb || ia != ib)
			fuzz_fail("ref_classify and cls_eval disagree", frame, len);
	}
	free(frame);
	return 0;
}
