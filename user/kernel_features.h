/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Not features.h: that name is glibc's, and user/ is on the include path. */
/*
 * What the running kernel (and an interface) can do for xskmap, found by
 * trying each capability: a bind flag, a socket option, a program flag, a
 * BTF function. Never by the kernel's version string, which distribution
 * kernels with backports make a poor guide.
 */
#ifndef XSKMAP_KERNEL_FEATURES_H
#define XSKMAP_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum feat_id {
	FEAT_AF_XDP,
	FEAT_XSKMAP,
	FEAT_NEED_WAKEUP,
	FEAT_SHARED_UMEM,
	FEAT_BUSY_POLL,
	FEAT_XDP_FRAGS,
	FEAT_XSK_MULTI_BUFFER,
	FEAT_LIVE_FRAMES,
	FEAT_RX_METADATA,
	FEAT_RX_META_VLAN,
	FEAT_UNALIGNED,
	FEAT_TX_SKB_BUDGET,
	FEAT_DISPATCHER,
	FEAT_NATIVE_XDP,	/* the interface's, with IFNAME */
	FEAT_ZEROCOPY,		/* the interface's, with IFNAME */
	FEAT_COUNT
};

enum feat_state {
	FEAT_MISSING,
	FEAT_AVAILABLE,
	FEAT_UNKNOWN,		/* the probe itself failed (no privilege...) */
	FEAT_NOT_PROBED,	/* an interface capability without IFNAME */
};

struct feat_def {
	const char *key;	/* JSON key */
	const char *title;	/* what a user calls it */
	const char *needs;	/* what it takes, e.g. "Linux 6.6" */
	bool per_iface;
};

struct feat_result {
	enum feat_state state;
	char detail[200];	/* why missing or unknown; may be empty */
};

extern const struct feat_def feat_defs[FEAT_COUNT];

/*
 * Probe everything into res[FEAT_COUNT]; the interface capabilities only
 * when ifname is not NULL (they attach and bind briefly, through a BPF link
 * where the kernel has them, and leave nothing behind). Kernel-wide probes
 * run on a thread of their own in a private network namespace when the
 * caller may make one: the caller's namespace and threads are untouched.
 */
void features_probe(struct feat_result *res, const char *ifname);

/*
 * One kernel-wide capability (FEAT_XSK_MULTI_BUFFER or FEAT_XDP_FRAGS),
 * probed as features_probe() does, for a command that needs it: its
 * state, and in msg the refusal for FEAT_MISSING ("AF_XDP multi-buffer
 * (XDP_USE_SG) needs Linux 6.6: bind() refuses XDP_USE_SG (EINVAL)"), or
 * why the probe could not tell.
 */
enum feat_state features_check(enum feat_id id, char *msg, size_t len);

/*
 * The RX-metadata kfuncs alone (what `run --metadata` needs, from the
 * kernel's BTF: quick, no privilege): into rx (timestamp and hash) and
 * vlan (the VLAN tag).
 */
void features_probe_rx_metadata(struct feat_result *rx, struct feat_result *vlan);

/* "AF_XDP multi-buffer (XDP_USE_SG) needs Linux 6.6": the one-line refusal. */
void features_missing_msg(enum feat_id id, char *buf, size_t len);

void features_print_text(FILE *f, const struct feat_result *res, const char *ifname,
			 const char *kernel);
void features_print_json(FILE *f, const struct feat_result *res, const char *ifname,
			 const char *kernel);


#ifdef __cplusplus
}
#endif
#endif
