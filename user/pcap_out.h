/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The capture file, written so that the receive path never waits for it.
 *
 * Each queue's RX thread copies the frames it keeps into its own
 * preallocated ring (one producer, one consumer, no lock, one release store
 * per batch); a writer thread drains the rings into the file. When a ring
 * is full the frame is counted as not written: the reader (a disk, a pipe,
 * tcpdump) falling behind costs frames in the file, never frames on the
 * wire nor a stalled stop. Frames of one queue stay in order; across
 * queues the writer merges by timestamp what the rings hold at each pass.
 *
 * The file is a nanosecond pcap (magic 0xa1b23c4d), written by hand: every
 * write(2) result is checked, a short write is never taken for success,
 * and a partial record left by a failed write to a regular file is cut
 * off so the file stays readable.
 */
#ifndef XSKMAP_PCAP_OUT_H
#define XSKMAP_PCAP_OUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCAP_NSEC_MAGIC 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
/* Bytes of ring per queue: ~2,800 full-size frames, ~50,000 of 64 bytes. */
#define PCAP_RING_BYTES_DEFAULT (4u << 20)

struct pcap_out;

/* Where the frames went; frames put = written + not written. */
struct pcap_out_stats {
	__u64 written;		/* whole records in the file */
	__u64 ring_full;	/* the writer was behind: no room in the queue's ring */
	__u64 at_stop;		/* still waiting when the stop's flush time ran out */
	__u64 after_error;	/* kept after a write had failed */
	int error;		/* errno of the failed write, 0 if none */
};

/*
 * Open path for writing ("-" is stdout), check it, write the file header.
 * A path is opened with O_NOFOLLOW, created mode 0600, and refused if it is
 * a symbolic link, a file or FIFO owned by another user, or not a regular
 * file, FIFO or character device; only a regular file we own is truncated
 * (and its group/other bits cleared). stop_flag, if not NULL, is set when a
 * write fails, so the run ends. 0, or -errno with one line in err.
 */
int pcap_out_open(struct pcap_out **out, const char *path, __u32 nr_queues, __u32 snaplen,
		  size_t ring_bytes, volatile sig_atomic_t *stop_flag, char *err, size_t errlen);

/* Start the writer thread. 0 or -errno + err. */
int pcap_out_start(struct pcap_out *po, char *err, size_t errlen);

/*
 * Producer side, one thread per queue: copy a frame stamped ts_ns (wall
 * clock, ns since the epoch) into queue q's ring, and after a batch make
 * the frames visible to the writer. Never blocks, never allocates.
 */
void pcap_out_put(struct pcap_out *po, __u32 q, __u64 ts_ns, const void *data, __u32 len);
/*
 * The same for a frame in pieces (a multi-buffer chain): room for a
 * len-byte record, to be filled before pcap_out_publish(), or NULL when
 * it is counted as not written.
 */
void *pcap_out_reserve(struct pcap_out *po, __u32 q, __u64 ts_ns, __u32 len);
void pcap_out_publish(struct pcap_out *po, __u32 q);

/*
 * The producers have stopped: let the writer write what is left until
 * deadline_ns (CLOCK_MONOTONIC), then stop it; what is left then is counted
 * at_stop. A writer stuck in a blocking write(2) past the deadline is left
 * behind (the process exit ends it). 0, or -1 when a write failed, with the
 * file and the error in err.
 */
int pcap_out_finish(struct pcap_out *po, __u64 deadline_ns, char *err, size_t errlen);

/* Counters so far (exact once pcap_out_finish() returned). */
void pcap_out_get_stats(struct pcap_out *po, struct pcap_out_stats *st);

/* "stdout" or the path given. */
const char *pcap_out_name(const struct pcap_out *po);

/* Close and free; an abandoned writer's memory is left to the exit. */
void pcap_out_free(struct pcap_out *po);

#ifdef __cplusplus
}
#endif
#endif
