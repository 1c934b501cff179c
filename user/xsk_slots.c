// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Slot occupancy of any XSKMAP through bpf/xsk_probe.bpf.c (see xsk_slots.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xsk_probe.skel.h"
#include "util.h"
#include "xsk_slots.h"

/* The last line the verifier (through libbpf) printed: why a load failed. */
static char probe_log[256];

static int probe_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(probe_log)];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	/* libbpf ends a failed load with its own summary; keep the verifier's reason. */
	if (n && !strstr(line, "-- END PROG LOAD LOG --") && !strstr(line, "failed to load") &&
	    !strstr(line, "failed to load object"))
		snprintf(probe_log, sizeof(probe_log), "%s", line);
	return 0;
}

/* Open and load the probe against map_fd, the ext program or the plain one. */
static int probe_load(int map_fd, const struct bpf_map_info *mi, bool ext, struct xsk_probe **out)
{
	struct xsk_probe *skel = xsk_probe__open();
	int ret;

	if (!skel)
		return -errno;
	bpf_program__set_autoload(ext ? skel->progs.xsk_probe : skel->progs.xsk_probe_ext, false);
	/* reuse_fd takes the definition from the map too; sized first all the same. */
	ret = bpf_map__set_max_entries(skel->maps.xsk_probe_target, mi->max_entries);
	if (!ret)
		ret = bpf_map__set_max_entries(skel->maps.xsk_probe_out, mi->max_entries);
	if (!ret)
		ret = bpf_map__reuse_fd(skel->maps.xsk_probe_target, map_fd);
	if (!ret)
		ret = xsk_probe__load(skel);
	if (ret) {
		xsk_probe__destroy(skel);
		return ret < 0 ? ret : -EINVAL;
	}
	*out = skel;
	return 0;
}

static int load_error(int ret, char *err, size_t errlen)
{
	if (ret == -EPERM || ret == -EACCES)
		return errf(err, errlen, "the kernel refused to load the probe program (%s): it needs CAP_BPF and CAP_NET_ADMIN (or root)",
			    strerror(-ret)), ret;
	return errf(err, errlen, "the kernel refused the probe program that looks the slots up from XDP (%s)%s%s",
		    strerror(-ret), probe_log[0] ? ": " : "", probe_log), ret;
}

int xskmap_slots_probe(int map_fd, struct xskmap_slots *out, char *err, size_t errlen)
{
	libbpf_print_fn_t old;
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), first, seq = 0x5eed0000;
	struct xsk_probe *skel = NULL;
	int ret, out_fd, prog_fd;

	memset(out, 0, sizeof(*out));
	if (bpf_obj_get_info_by_fd(map_fd, &mi, &len))
		return errf(err, errlen, "cannot read the map's info: %s", strerror(errno)), -errno;
	if (mi.type != BPF_MAP_TYPE_XSKMAP || mi.key_size != 4 || mi.value_size != 4)
		return errf(err, errlen, "map %u is not an XSKMAP with 4-byte keys and values", mi.id),
		       -EINVAL;
	if (!mi.max_entries)
		return 0;
	probe_log[0] = '\0';
	old = libbpf_set_print(probe_print);
	ret = probe_load(map_fd, &mi, true, &skel);
	if (ret) {
		char why[sizeof(probe_log)];

		snprintf(why, sizeof(why), "%s", probe_log[0] ? probe_log : strerror(-ret));
		ret = probe_load(map_fd, &mi, false, &skel);
		if (!ret)
			snprintf(out->ext_why, sizeof(out->ext_why),
				 "the kernel refused the CO-RE reads of the socket's device and inode (%s): bpf_probe_read_kernel() from XDP needs CAP_PERFMON (or CAP_SYS_ADMIN) and a kernel not in lockdown=confidentiality",
				 why);
	} else {
		out->ext = true;
	}
	libbpf_set_print(old);
	if (ret)
		return load_error(ret, err, errlen);

	out->nr = mi.max_entries;
	out->slot = calloc(out->nr, sizeof(*out->slot));
	if (!out->slot) {
		xsk_probe__destroy(skel);
		return errf(err, errlen, "out of memory for %u slots", out->nr), -ENOMEM;
	}
	prog_fd = bpf_program__fd(out->ext ? skel->progs.xsk_probe_ext : skel->progs.xsk_probe);
	out_fd = bpf_map__fd(skel->maps.xsk_probe_out);
	for (first = 0; first < out->nr; first += XSK_PROBE_BATCH) {
		struct xsk_probe_req req = {
			.first = first,
			.count = out->nr - first < XSK_PROBE_BATCH ? out->nr - first : XSK_PROBE_BATCH,
			.seq = ++seq,
		};
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = &req, .data_size_in = sizeof(req),
			    .repeat = 1);
		__u32 k;

		ret = bpf_prog_test_run_opts(prog_fd, &t);
		if (ret || t.retval != XDP_PASS) {
			ret = ret ? -errno : -EIO;
			errf(err, errlen, "BPF_PROG_TEST_RUN of the probe failed (%s, verdict %u)",
			     strerror(-ret), t.retval);
			goto fail;
		}
		for (k = first; k < first + req.count; k++) {
			if (bpf_map_lookup_elem(out_fd, &k, &out->slot[k])) {
				ret = -errno;
				errf(err, errlen, "cannot read the probe's result for slot %u: %s", k,
				     strerror(-ret));
				goto fail;
			}
			if (out->slot[k].seq != req.seq) {
				ret = -EIO;
				errf(err, errlen, "the probe did not visit slot %u", k);
				goto fail;
			}
		}
	}
	xsk_probe__destroy(skel);
	return 0;
fail:
	xsk_probe__destroy(skel);
	xskmap_slots_free(out);
	return ret;
}

void xskmap_slots_free(struct xskmap_slots *s)
{
	free(s->slot);
	s->slot = NULL;
	s->nr = 0;
}
