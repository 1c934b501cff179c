// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <pcap/pcap.h>

#include "pcap_out.h"

int pcap_out_open(struct pcap_out *po, const char *path, __u32 snaplen, char *err, size_t errlen)
{
	memset(po, 0, sizeof(*po));
	po->pcap = pcap_open_dead(DLT_EN10MB, snaplen);
	if (!po->pcap) {
		snprintf(err, errlen, "cannot set up pcap output");
		return -1;
	}
	po->dumper = pcap_dump_open(po->pcap, path);
	if (!po->dumper) {
		snprintf(err, errlen, "cannot write '%s': %s; check the path and permissions",
			 path, pcap_geterr(po->pcap));
		pcap_close(po->pcap);
		po->pcap = NULL;
		return -1;
	}
	pthread_mutex_init(&po->lock, NULL);
	return 0;
}

void pcap_out_write(struct pcap_out *po, const unsigned char *const *frames,
		    const __u32 *lens, __u32 n)
{
	struct pcap_pkthdr h;
	struct timeval tv;
	__u32 i;

	gettimeofday(&tv, NULL);	/* vDSO: no system call */
	h.ts = tv;
	pthread_mutex_lock(&po->lock);
	for (i = 0; i < n; i++) {
		h.caplen = h.len = lens[i];
		pcap_dump(po->dumper, &h, frames[i]);
	}
	pthread_mutex_unlock(&po->lock);
}

int pcap_out_close(struct pcap_out *po, char *err, size_t errlen)
{
	int ret = 0;

	if (!po->dumper)
		return 0;
	if (pcap_dump_flush(po->dumper)) {
		snprintf(err, errlen, "writing the pcap file failed (disk full?)");
		ret = -1;
	}
	pcap_dump_close(po->dumper);
	pcap_close(po->pcap);
	pthread_mutex_destroy(&po->lock);
	po->dumper = po->pcap = NULL;
	return ret;
}
