// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "perf.h"
#include "util.h"

int perf_parse_cpu_list(const char *s, __u32 *out, __u32 max, __u32 *n, char *err,
			size_t errlen)
{
	char buf[1024], *tok, *save = NULL;
	bool seen[XSKMAP_PERF_MAX_CPUS] = { false };
	__u32 cnt = 0;

	if (!*s || strlen(s) >= sizeof(buf))
		return errf(err, errlen, "invalid --cpus '%s': expected a list such as 2,3 or 2-5", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		__u64 lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_u64(tok, 0, XSKMAP_PERF_MAX_CPUS - 1, &lo) ||
		    (dash && parse_u64(dash + 1, 0, XSKMAP_PERF_MAX_CPUS - 1, &hi)))
			return errf(err, errlen, "invalid --cpus '%s': CPUs are numbers 0-%u, ranges are LO-HI",
				    s, XSKMAP_PERF_MAX_CPUS - 1);
		if (!dash)
			hi = lo;
		if (hi < lo)
			return errf(err, errlen, "invalid --cpus '%s': range %llu-%llu is backwards",
				    s, (unsigned long long)lo, (unsigned long long)hi);
		for (; lo <= hi; lo++) {
			/* Two workers on one CPU would take turns: say so rather than pin them. */
			if (seen[lo])
				return errf(err, errlen, "invalid --cpus '%s': CPU %llu is given twice; give one CPU per queue",
					    s, (unsigned long long)lo);
			if (cnt == max)
				return errf(err, errlen, "invalid --cpus '%s': more than %u CPUs", s, max);
			seen[lo] = true;
			out[cnt++] = lo;
		}
	}
	*n = cnt;
	return 0;
}

int perf_set_cpus(void *perf, const char *val, char *err, size_t errlen)
{
	struct xskmap_perf_opts *p = perf;

	return perf_parse_cpu_list(val, p->cpus, XSKMAP_PERF_MAX_CPUS, &p->nr_cpus, err, errlen);
}

int perf_set_busy_poll(void *perf, const char *val, char *err, size_t errlen)
{
	struct xskmap_perf_opts *p = perf;
	__u64 n;

	p->busy_poll = true;
	if (!val)
		return 0;
	/* The kernel's own bound on a busy-poll budget is U16_MAX. */
	if (parse_u64(val, 1, 65535, &n))
		return errf(err, errlen, "invalid --busy-poll budget '%s': use 1 to 65535 frames", val);
	p->busy_budget = n;
	return 0;
}

int perf_set_batch(void *batch, const char *val, char *err, size_t errlen)
{
	__u64 n;

	if (parse_u64(val, 1, XSKMAP_MAX_BATCH, &n))
		return errf(err, errlen, "invalid --batch '%s': use 1 to %u", val, XSKMAP_MAX_BATCH);
	*(__u32 *)batch = n;
	return 0;
}

int perf_set_poll(void *perf, const char *val, char *err, size_t errlen)
{
	struct xskmap_perf_opts *p = perf;

	(void)val;
	(void)err;
	(void)errlen;
	p->poll = true;
	return 0;
}

/* CPUs the kernel lists in /sys/devices/system/cpu/online, into online[]. */
static int read_online(bool *online, __u32 max)
{
	char buf[1024], *tok, *save = NULL;
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long lo, hi;
		char *end;

		lo = strtoul(tok, &end, 10);
		hi = *end == '-' ? strtoul(end + 1, NULL, 10) : lo;
		for (; lo <= hi && lo < max; lo++)
			online[lo] = true;
	}
	return 0;
}

int perf_check_cpu_count(const struct xskmap_perf_opts *p, __u32 nr_queues, char *err,
			 size_t errlen)
{
	if (p->nr_cpus && nr_queues && p->nr_cpus != nr_queues)
		return errf(err, errlen, "--cpus gives %u CPU%s for %u queue%s: give one CPU per queue, in queue order",
			    p->nr_cpus, p->nr_cpus == 1 ? "" : "s", nr_queues, nr_queues == 1 ? "" : "s");
	return 0;
}

int perf_check_cpus(const struct xskmap_perf_opts *p, __u32 nr_queues, char *err, size_t errlen)
{
	bool online[XSKMAP_PERF_MAX_CPUS] = { false };
	__u32 i;

	if (!p->nr_cpus)
		return 0;
	if (perf_check_cpu_count(p, nr_queues, err, errlen))
		return -1;
	if (read_online(online, XSKMAP_PERF_MAX_CPUS))
		return 0;	/* no list to check against: the pinning itself will say */
	for (i = 0; i < p->nr_cpus; i++)
		if (!online[p->cpus[i]])
			return errf(err, errlen, "--cpus: CPU %u is not online (see /sys/devices/system/cpu/online): pick online CPUs",
				    p->cpus[i]);
	return 0;
}

int perf_pin_attr(pthread_attr_t *attr, __u32 cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_attr_setaffinity_np(attr, sizeof(set), &set);
}

void perf_say_pinning(FILE *f, const struct xskmap_perf_opts *p, const __u32 *queue_ids,
		      __u32 nr_queues)
{
	__u32 i;

	if (!p->nr_cpus) {
		fprintf(f, "xskmap: workers unpinned (the scheduler places them); --cpus LIST pins one per queue\n");
		return;
	}
	fputs("xskmap: workers pinned:", f);
	for (i = 0; i < nr_queues && i < p->nr_cpus; i++)
		fprintf(f, "%s queue %u on CPU %u", i ? "," : "", queue_ids[i], p->cpus[i]);
	fputc('\n', f);
}

/* The integer in /sys/class/net/IFNAME/name; -1 when unreadable. */
static long long read_sys_ll(const char *ifname, const char *name)
{
	char path[128], buf[64];
	FILE *f;
	long long v = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtoll(buf, NULL, 10);
	fclose(f);
	return v;
}

void perf_say_busy_poll(FILE *f, const char *ifname, __u32 budget)
{
	long long defer = read_sys_ll(ifname, "napi_defer_hard_irqs");
	long long flush = read_sys_ll(ifname, "gro_flush_timeout");

	if (defer > 0 && flush > 0) {
		fprintf(f, "xskmap: busy polling, budget %u; %s has napi_defer_hard_irqs %lld and gro_flush_timeout %lld ns, as it needs\n",
			budget, ifname, defer, flush);
		return;
	}
	fprintf(f, "xskmap: busy polling, budget %u; %s has napi_defer_hard_irqs %lld and gro_flush_timeout %lld: interrupts still run the NAPI between polls; for busy polling proper set them: echo 2 > /sys/class/net/%s/napi_defer_hard_irqs; echo 200000 > /sys/class/net/%s/gro_flush_timeout\n",
		budget, ifname, defer, flush, ifname, ifname);
}
