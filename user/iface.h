/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Interface facts and privileges, read before anything is changed. */
#ifndef XSKMAP_IFACE_H
#define XSKMAP_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of RX queues the driver uses: ethtool channels, else sysfs. <0 on error. */
int iface_rx_queues(const char *ifname);
/*
 * The device's TX queue count (real_num_tx_queues, as sysfs lists them):
 * AF_XDP sends nothing from a socket whose queue id is past it, and says
 * nothing either (sendto() returns 0). Or -errno.
 */
int iface_tx_queues(const char *ifname);

/*
 * The interface's flags (SIOCGIFFLAGS): IFF_UP set by `ip link set up`,
 * IFF_RUNNING when it also has a carrier (a veth whose peer is down has
 * none). 0 with them in *flags, or -errno.
 */
int iface_flags(const char *ifname, unsigned int *flags);

/*
 * Whether the interface has a carrier (/sys/class/net/IFNAME/carrier: the
 * kernel's own netif_carrier_ok(), read at once, where IFF_RUNNING waits
 * for linkwatch): 1, 0, or -errno (a down interface has none to read).
 */
int iface_carrier(const char *ifname);

/* MTU of the interface, or -errno. */
int iface_mtu(const char *ifname);

#define IFACE_XDP_HEADROOM 256	/* XDP_PACKET_HEADROOM, include/uapi/linux/bpf.h */
#define IFACE_L2_OVERHEAD (14 + 4)	/* Ethernet header and one VLAN tag */
#define IFACE_FRAME_SIZE_MAX 4096	/* largest --frame-size */

/*
 * Bytes of a frame a UMEM frame holds: frame_size minus the kernel's
 * XDP_PACKET_HEADROOM (256; xskmap adds no headroom of its own).
 */
__u32 iface_frame_room(__u32 frame_size);

/*
 * Whether frames the MTU lets in (MTU + 14 of Ethernet header + 4 of one
 * VLAN tag) can be longer than a UMEM frame holds: without multi-buffer
 * the kernel drops those (rx_dropped). why says why multi-buffer is not
 * used ("--multi-buffer off", the kernel's refusal). Returns 1 with the
 * warning and its fix in buf, or 0.
 */
int iface_frame_warning(const char *ifname, __u32 mtu, __u32 frame_size, const char *why,
			char *buf, size_t len);

/*
 * Check CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF (or CAP_SYS_ADMIN), and with
 * loads_prog (xsk_redirect) CAP_PERFMON (or CAP_SYS_ADMIN). Returns 0, or
 * -1 with the missing ones named in buf ("CAP_NET_ADMIN, CAP_BPF").
 */
int check_caps(char *buf, size_t len, bool loads_prog);

/* Whether the effective set holds CAP_IPC_LOCK (UMEM escapes RLIMIT_MEMLOCK). */
bool have_ipc_lock(void);

/* Raise RLIMIT_MEMLOCK; failure is only worth a debug line on memcg kernels. */
void raise_memlock(void);

#ifdef __cplusplus
}
#endif
#endif
