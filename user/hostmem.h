/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The memory a run may take: MemAvailable and the room left under the
 * memory limits of the process's cgroup (v2 memory.max, v1
 * memory.limit_in_bytes, at every level up to the root). Checked against
 * the UMEM before anything is allocated: the kernel's OOM killer would
 * otherwise end the run half set up, with its program and pins left behind.
 * The parsers take text, so tests can feed them any file.
 */
#ifndef XSKMAP_HOSTMEM_H
#define XSKMAP_HOSTMEM_H

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSTMEM_UNKNOWN ((__u64)-1)	/* no figure, or no limit */

struct hostmem {
	__u64 mem_available;		/* bytes; HOSTMEM_UNKNOWN if unread */
	__u64 cgroup_room;		/* limit minus usage, the tightest level */
	char cgroup_file[384];		/* where that limit is, "" if none */
};

/* "MemAvailable:  123 kB" of /proc/meminfo, in bytes: 0 or -1. */
int hostmem_parse_meminfo(const char *text, __u64 *bytes);

/*
 * /proc/self/cgroup: the v2 path ("0::PATH") and the v1 memory
 * controller's path ("N:...memory...:PATH"); "" for what is absent.
 */
void hostmem_parse_cgroup(const char *text, char *v2, size_t v2len, char *v1, size_t v1len);

/*
 * /proc/self/mounts: where cgroup2 is mounted and where the v1 memory
 * hierarchy is (a cgroup mount with the memory option); "" if not.
 */
void hostmem_parse_mounts(const char *text, char *v2, size_t v2len, char *v1, size_t v1len);

/*
 * Room under one limit: LIMIT ("max", a number; v1's "no limit" is a
 * number near 2^63) minus USAGE, 0 when usage is past it. HOSTMEM_UNKNOWN
 * when there is no limit; -1 on text that is neither.
 */
int hostmem_parse_limit(const char *limit, const char *usage, __u64 *room);

/*
 * Bytes a run's UMEMs and rings take: per queue, frames x frame_size, the
 * fill ring (8 bytes a frame), RX and completion rings (16 and 8 bytes an
 * entry) and a page of ring header each. 64-bit all through.
 */
__u64 hostmem_umem_bytes(__u32 frames, __u32 frame_size, __u32 ring_size, __u32 queues);

/* Read the figures of this process. */
void hostmem_read(struct hostmem *m);

/* The lower of the two figures, and which one it is ("MemAvailable" or the file). */
__u64 hostmem_room(const struct hostmem *m, const char **what);

/*
 * Refuse UMEMs that do not fit the room m leaves: 0, or -1 with the need,
 * the room, where the limit is and the fix (the largest --frames that
 * fits) in err.
 */
int hostmem_check(const struct hostmem *m, __u32 frames, __u32 frame_size, __u32 ring_size,
		  __u32 queues, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
