/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A pcap file shared by the queue threads: one lock per batch, not per frame. */
#ifndef XSKMAP_PCAP_OUT_H
#define XSKMAP_PCAP_OUT_H

#include <pthread.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcap_out {
	void *pcap;		/* pcap_t */
	void *dumper;		/* pcap_dumper_t */
	pthread_mutex_t lock;
};

/* Open path for writing Ethernet frames of up to snaplen bytes. 0 or -1 + err. */
int pcap_out_open(struct pcap_out *po, const char *path, __u32 snaplen, char *err, size_t errlen);

/* Append n frames, all stamped with the current time. */
void pcap_out_write(struct pcap_out *po, const unsigned char *const *frames,
		    const __u32 *lens, __u32 n);

/* Flush and close; 0, or -1 with the reason in err (disk full...). */
int pcap_out_close(struct pcap_out *po, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
