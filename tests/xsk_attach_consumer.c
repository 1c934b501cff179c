// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Somebody else's AF_XDP application on an interface `xskmap attach`
 * prepared, for the attach tests: exactly the calls the README gives to
 * such a process. One UMEM and one socket on QUEUE, created by libxdp with
 * XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD (no program of libxdp's is loaded or
 * attached), put into the pinned xsks_map with xsk_socket__update_xskmap()
 * on the fd bpf_obj_get(MAP) gives. Then every frame received is printed on
 * stdout, one line each: "frame LEN HEX". Ends after COUNT frames, after
 * SECONDS, or on SIGTERM/SIGINT, with "received N" on stderr.
 *
 *   xsk_attach_consumer IFNAME QUEUE MAP COUNT SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <xdp/xsk.h>

#define FRAMES 1024
#define FRAME_SIZE 4096
#define BATCH 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	/*
	 * Zeroed: xsk_umem__create() (libxdp 1.3.1) never sets the fill ring's
	 * cached_prod, so a ring on an uninitialised stack starts reserving at
	 * a garbage index while the shared producer is 0: the kernel then reads
	 * fill entries that were never written (all 0) and puts every frame in
	 * chunk 0 (seen under clang/ASan, whose stack is not zero).
	 */
	struct xsk_ring_prod fq = {}, tx = {};
	struct xsk_ring_cons cq = {}, rx = {};
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	unsigned long count, got = 0;
	double end;
	__u32 idx, i, n;
	int map_fd, ret;
	void *area;

	if (argc != 6) {
		fprintf(stderr, "usage: xsk_attach_consumer IFNAME QUEUE MAP COUNT SECONDS\n");
		return 2;
	}
	count = strtoul(argv[4], NULL, 10);
	end = now() + atof(argv[5]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	area = mmap(NULL, FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	ret = xsk_umem__create(&umem, area, FRAMES * FRAME_SIZE, &fq, &cq, NULL);
	if (ret) {
		fprintf(stderr, "xsk_umem__create: %s\n", strerror(-ret));
		return 1;
	}
	ret = xsk_socket__create(&xsk, argv[1], atoi(argv[2]), umem, &rx, &tx, &cfg);
	if (ret) {
		fprintf(stderr, "xsk_socket__create on %s queue %s: %s\n", argv[1], argv[2],
			strerror(-ret));
		return 1;
	}
	map_fd = bpf_obj_get(argv[3]);
	if (map_fd < 0) {
		fprintf(stderr, "bpf_obj_get(%s): %s\n", argv[3], strerror(errno));
		return 1;
	}
	ret = xsk_socket__update_xskmap(xsk, map_fd);
	if (ret) {
		fprintf(stderr, "xsk_socket__update_xskmap: %s\n", strerror(-ret));
		return 1;
	}
	/* Every frame but the TX half on the fill ring. */
	n = xsk_ring_prod__reserve(&fq, FRAMES / 2, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&fq, idx + i) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&fq, n);
	fprintf(stderr, "ready\n");

	while (!stop && got < count && now() < end) {
		struct pollfd pfd = { xsk_socket__fd(xsk), POLLIN, 0 };
		__u32 rx_idx, fq_idx;

		n = xsk_ring_cons__peek(&rx, BATCH, &rx_idx);
		if (!n) {
			poll(&pfd, 1, 20);
			continue;
		}
		while (xsk_ring_prod__reserve(&fq, n, &fq_idx) != n)
			;
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, rx_idx + i);
			const unsigned char *p = xsk_umem__get_data(area, d->addr);
			__u32 k;

			printf("frame %u ", d->len);
			for (k = 0; k < d->len; k++)
				printf("%02x", p[k]);
			printf("\n");
			*xsk_ring_prod__fill_addr(&fq, fq_idx + i) = xsk_umem__extract_addr(d->addr);
			got++;
		}
		xsk_ring_prod__submit(&fq, n);
		xsk_ring_cons__release(&rx, n);
		fflush(stdout);
	}
	fprintf(stderr, "received %lu\n", got);
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	close(map_fd);
	return 0;
}
