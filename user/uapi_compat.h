/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * UAPI constants newer than bookworm's linux-libc-dev 6.1 headers
 * (include/uapi/linux/if_xdp.h, asm-generic/socket.h), defined where the
 * headers lack them: the kernel that runs decides whether they work.
 */
#ifndef XSKMAP_UAPI_COMPAT_H
#define XSKMAP_UAPI_COMPAT_H

#include <sys/socket.h>
#include <linux/if_xdp.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)		/* Linux 6.6 */
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9		/* Linux 6.17 */
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69		/* Linux 5.11 */
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70		/* Linux 5.11 */
#endif

#endif
