// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A stand-in for somebody else's AF_XDP application, for the status tests:
 * one UMEM and one socket per queue given, created by libxdp with its
 * default XDP program and its own xsks_map (no flags inhibit it), exactly
 * as an application using libxdp's defaults does. Prints "ready" on stdout
 * once every socket is in the map, then waits for SIGTERM/SIGINT.
 *
 *   xsk_consumer IFNAME QUEUE...
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>

#define FRAMES 256
#define FRAME_SIZE 4096
#define MAX_Q 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	/* Zeroed: xsk_umem__create() leaves the fill ring's cached_prod as it finds it. */
	struct xsk_ring_prod fq[MAX_Q] = {}, tx[MAX_Q] = {};
	struct xsk_ring_cons cq[MAX_Q] = {}, rx[MAX_Q] = {};
	struct xsk_umem *umem[MAX_Q] = {};
	struct xsk_socket *xsk[MAX_Q] = {};
	int n = argc - 2, i, ret;

	if (argc < 3 || n > MAX_Q) {
		fprintf(stderr, "usage: xsk_consumer IFNAME QUEUE...\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < n; i++) {
		struct xsk_socket_config cfg = {
			.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
			.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
			.xdp_flags = XDP_FLAGS_DRV_MODE,
		};
		void *area = mmap(NULL, FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (area == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		ret = xsk_umem__create(&umem[i], area, FRAMES * FRAME_SIZE, &fq[i], &cq[i], NULL);
		if (ret) {
			fprintf(stderr, "xsk_umem__create: %s\n", strerror(-ret));
			return 1;
		}
		ret = xsk_socket__create(&xsk[i], argv[1], atoi(argv[i + 2]), umem[i], &rx[i], &tx[i], &cfg);
		if (ret) {
			fprintf(stderr, "xsk_socket__create on %s queue %s: %s\n", argv[1], argv[i + 2],
				strerror(-ret));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	for (i = 0; i < n; i++) {
		xsk_socket__delete(xsk[i]);
		xsk_umem__delete(umem[i]);
	}
	return 0;
}
