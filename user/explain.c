// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The redirect-failure tracer: load, attach, read, and say in words what
 * each errno of __xsk_map_redirect() / xsk_generic_rcv() means (Linux
 * net/xdp/xsk.c: xsk_rcv_check(), __xsk_rcv(), __xsk_rcv_zc()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "explain.h"
#include "json_out.h"
#include "xsk_explain.skel.h"

struct explain_words explain_words(__u32 err, __u32 flags)
{
	switch (err) {
	case ENOBUFS:
		return (struct explain_words){ "rx_ring_full", "RX ring full",
			"the consumer is behind: raise --ring-size or use more queues" };
	case ENOMEM:
		return (struct explain_words){ "fill_ring_empty", "no free UMEM frame (fill ring empty)",
			"frames come back to the fill ring too slowly: raise --frames" };
	case ENOSPC:
	case EMSGSIZE:
		return (struct explain_words){ "frame_too_big", "frame larger than the frame size",
			"raise --frame-size, use --multi-buffer on (Linux 6.6) or lower the MTU" };
	case EINVAL:
		if (flags & XSK_EXPLAIN_OTHER_DEV)
			return (struct explain_words){ "other_device", "socket bound to another device",
				"a socket takes only frames of the device it is bound to: put it in that device's map" };
		return (struct explain_words){ "other_queue", "socket bound to another queue",
			"a socket takes only frames of the RX queue it is bound to: redirect to the slot of the frame's queue" };
	case ENXIO:
		return (struct explain_words){ "not_bound", "socket not bound",
			"the socket in the slot is not bound (yet, or any more)" };
	case EOPNOTSUPP:
		return (struct explain_words){ "not_supported", "multi-buffer frame to a socket that cannot take it",
			"AF_XDP multi-buffer needs Linux 6.6 and --multi-buffer on" };
	default:
		return (struct explain_words){ "other", "refused by the kernel",
			"an errno xskmap has no words for" };
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct explain_entry *x = a, *y = b;

	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	if (x->err != y->err)
		return x->err < y->err ? -1 : 1;
	return x->flags < y->flags ? -1 : x->flags > y->flags;
}

int explain_read(int map_fd, struct explain_report *r)
{
	int ncpus = libbpf_num_possible_cpus();
	struct xsk_explain_key key, next;
	struct xsk_explain_val *vals;
	void *prev = NULL;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->on = true;
	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		__u64 sum = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, vals))
			continue;	/* deleted meanwhile: nothing deletes, but be safe */
		for (int c = 0; c < ncpus; c++)
			sum += vals[c].packets;
		if (r->n < EXPLAIN_REPORT_MAX)
			r->e[r->n++] = (struct explain_entry){ key.queue, key.err, key.flags, sum };
		else
			r->other += sum;
	}
	if (errno != ENOENT)
		ret = -errno;
	free(vals);
	qsort(r->e, r->n, sizeof(r->e[0]), entry_cmp);
	return ret;
}

__u64 explain_count(const struct explain_report *r, const char *name, long queue)
{
	__u64 n = 0;

	for (__u32 i = 0; i < r->n; i++)
		if ((queue < 0 || r->e[i].queue == (__u32)queue) &&
		    !strcmp(explain_words(r->e[i].err, r->e[i].flags).name, name))
			n += r->e[i].packets;
	return n;
}

int explain_open(struct explain *x, __u32 map_id, int xdp_prog_fd, char *err, size_t errlen)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->skel = xsk_explain__open();
	if (!x->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the tracer: %s", strerror(-ret));
		return ret;
	}
	x->skel->rodata->cfg_map_id = map_id;
	ret = xsk_explain__load(x->skel);
	if (!ret) {
		x->link = bpf_program__attach_raw_tracepoint(x->skel->progs.xsk_explain_err,
							     "xdp_redirect_err");
		if (!x->link)
			ret = -errno;
	}
	if (!ret && bpf_prog_bind_map(xdp_prog_fd, bpf_map__fd(x->skel->maps.xsk_explain), NULL))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot attach the tracer of xdp:xdp_redirect_err: %s%s",
			 strerror(-ret),
			 ret == -EPERM || ret == -EACCES ? " (it needs CAP_BPF and CAP_PERFMON, or root)" : "");
		explain_close(x);
		return ret;
	}
	return 0;
}

int explain_map_fd(const struct explain *x)
{
	return x->skel ? bpf_map__fd(x->skel->maps.xsk_explain) : -1;
}

void explain_close(struct explain *x)
{
	bpf_link__destroy(x->link);
	x->link = NULL;
	xsk_explain__destroy(x->skel);
	x->skel = NULL;
}

static void entry_text(FILE *f, const struct explain_entry *e, __u64 shown)
{
	struct explain_words w = explain_words(e->err, e->flags);
	const char *en = strerrorname_np((int)e->err);

	fprintf(f, "queue %u: %s: %llu", e->queue, w.what, (unsigned long long)shown);
	if (!strcmp(w.name, "other"))
		fprintf(f, " (%s, %s)", en ? en : "?", strerror((int)e->err));
	else
		fprintf(f, " (%s: %s)", en ? en : "?", w.fix);
}

void explain_text(FILE *f, const struct explain_report *r, const char *indent)
{
	if (!r->on) {
		fprintf(f, "%snot explained%s%s\n", indent, r->off_why ? ": " : "",
			r->off_why ? r->off_why : "");
		return;
	}
	if (!r->n)
		fprintf(f, "%snone\n", indent);
	for (__u32 i = 0; i < r->n; i++) {
		fputs(indent, f);
		entry_text(f, &r->e[i], r->e[i].packets);
		fputc('\n', f);
	}
	if (r->other)
		fprintf(f, "%smore reasons: %llu\n", indent, (unsigned long long)r->other);
}

static __u64 prev_count(const struct explain_report *prev, const struct explain_entry *e)
{
	for (__u32 i = 0; i < prev->n; i++)
		if (!entry_cmp(&prev->e[i], e))
			return prev->e[i].packets;
	return 0;
}

void explain_interval(FILE *f, double t, const struct explain_report *now,
		      const struct explain_report *prev)
{
	for (__u32 i = 0; i < now->n; i++) {
		__u64 before = prev_count(prev, &now->e[i]);

		if (now->e[i].packets == before)
			continue;
		fprintf(f, "%8.2f failed after redirect: ", t);
		entry_text(f, &now->e[i], now->e[i].packets);
		fprintf(f, " (+%llu)\n", (unsigned long long)(now->e[i].packets - before));
	}
}

json_object *explain_json(const struct explain_report *r)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	jput(o, "explained", json_object_new_boolean(r->on));
	jput_str(o, "why_not", r->on ? NULL : r->off_why);
	for (__u32 i = 0; i < r->n; i++) {
		const struct explain_entry *e = &r->e[i];
		struct explain_words w = explain_words(e->err, e->flags);
		json_object *j = json_object_new_object();
		const char *en = strerrorname_np((int)e->err);

		jput_u64(j, "queue", e->queue);
		jput_str(j, "reason", w.name);
		jput_str(j, "errno", en ? en : "?");
		jput_u64(j, "packets", e->packets);
		jput_str(j, "what", w.what);
		jput_str(j, "fix", w.fix);
		json_object_array_add(a, j);
	}
	jput(o, "failures", a);
	jput_u64(o, "other", r->other);
	return o;
}
