/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Least privilege: what `run` and `gen` need before setup, and the drop of
 * every capability once setup is done.
 */
#ifndef XSKMAP_PRIVS_H
#define XSKMAP_PRIVS_H

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one setcap line that grants what `run` needs: "setcap CAPS+ep PATH". */
void privs_setcap_line(char *buf, size_t len);

/*
 * Without CAP_IPC_LOCK the UMEM areas (umem_bytes in all) are charged to
 * the user's RLIMIT_MEMLOCK. Call after raise_memlock(). 0 when they fit
 * (or CAP_IPC_LOCK exempts them), -1 with the refusal naming CAP_IPC_LOCK,
 * both numbers and the three fixes in err.
 */
int privs_check_memlock(__u64 umem_bytes, __u32 frames, __u32 frame_size, char *err,
			size_t errlen);

/*
 * Drop every capability of the calling thread for good: the effective,
 * permitted, inheritable and ambient sets emptied, and no_new_privs set,
 * so that no execve gives any back. Capabilities are per thread: call it
 * before any thread that outlives setup is created, and they all start
 * with none. 0, or -errno with the reason in err.
 */
int privs_drop_all(char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
