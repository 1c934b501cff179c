// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostmem.h"

int hostmem_parse_meminfo(const char *text, __u64 *bytes)
{
	const char *p = text;
	unsigned long long kb;

	while (p && *p) {
		if (!strncmp(p, "MemAvailable:", 13)) {
			if (sscanf(p + 13, " %llu kB", &kb) != 1)
				return -1;
			*bytes = (__u64)kb * 1024;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Copy the bytes [s, e) into buf as a string. */
static void copy_span(char *buf, size_t len, const char *s, const char *e)
{
	size_t n = e - s;

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Does the comma list [s, e) hold word? */
static bool list_has(const char *s, const char *e, const char *word)
{
	size_t wl = strlen(word);

	while (s < e) {
		const char *c = memchr(s, ',', e - s);

		if (!c)
			c = e;
		if ((size_t)(c - s) == wl && !memcmp(s, word, wl))
			return true;
		s = c + 1;
	}
	return false;
}

void hostmem_parse_cgroup(const char *text, char *v2, size_t v2len, char *v1, size_t v1len)
{
	const char *line = text;

	if (v2len)
		v2[0] = '\0';
	if (v1len)
		v1[0] = '\0';
	while (line && *line) {
		const char *end = strchr(line, '\n'), *c1, *c2;

		if (!end)
			end = line + strlen(line);
		/* ID:CONTROLLERS:PATH; the path may itself hold colons. */
		c1 = memchr(line, ':', end - line);
		c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
		if (c2) {
			if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
				copy_span(v2, v2len, c2 + 1, end);
			else if (list_has(c1 + 1, c2, "memory"))
				copy_span(v1, v1len, c2 + 1, end);
		}
		line = *end ? end + 1 : NULL;
	}
}

void hostmem_parse_mounts(const char *text, char *v2, size_t v2len, char *v1, size_t v1len)
{
	const char *line = text;

	if (v2len)
		v2[0] = '\0';
	if (v1len)
		v1[0] = '\0';
	while (line && *line) {
		char dev[64], dir[256], type[32], opts[512];
		const char *end = strchr(line, '\n');
		char buf[1024];

		if (!end)
			end = line + strlen(line);
		copy_span(buf, sizeof(buf), line, end);
		if (sscanf(buf, "%63s %255s %31s %511s", dev, dir, type, opts) == 4) {
			if (!strcmp(type, "cgroup2") && v2len && !v2[0])
				snprintf(v2, v2len, "%s", dir);
			else if (!strcmp(type, "cgroup") && v1len && !v1[0] &&
				 list_has(opts, opts + strlen(opts), "memory"))
				snprintf(v1, v1len, "%s", dir);
		}
		line = *end ? end + 1 : NULL;
	}
}

/* A whole decimal number, trailing newline allowed. */
static int parse_num(const char *s, __u64 *v)
{
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || (*end && strcmp(end, "\n")))
		return -1;
	*v = n;
	return 0;
}

int hostmem_parse_limit(const char *limit, const char *usage, __u64 *room)
{
	__u64 l, u;

	if (!strcmp(limit, "max") || !strcmp(limit, "max\n")) {
		*room = HOSTMEM_UNKNOWN;
		return 0;
	}
	if (parse_num(limit, &l) || parse_num(usage, &u))
		return -1;
	/* cgroup v1 writes "no limit" as PAGE_COUNTER_MAX pages: near 2^63. */
	if (l >= (1ULL << 62)) {
		*room = HOSTMEM_UNKNOWN;
		return 0;
	}
	*room = u >= l ? 0 : l - u;
	return 0;
}

__u64 hostmem_umem_bytes(__u32 frames, __u32 frame_size, __u32 ring_size, __u32 queues)
{
	const __u64 page = 4096;
	__u64 per_queue = (__u64)frames * frame_size + (__u64)frames * 8 +
			  (__u64)ring_size * (16 + 8) + 3 * page;

	return per_queue * queues;
}

/* A small file into buf; 0 or -errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * The tightest of the limits along PATH under ROOT, from PATH up to the
 * root: a parent's limit holds for every child.
 */
static void cgroup_walk(struct hostmem *m, const char *root, const char *path,
			const char *limit_file, const char *usage_file)
{
	char dir[256], file[384], lim[64], use[64];
	__u64 room;

	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		size_t l = strlen(dir);
		char *slash;

		while (l > 1 && dir[l - 1] == '/')
			dir[--l] = '\0';
		snprintf(file, sizeof(file), "%s%s/%s", root, strcmp(dir, "/") ? dir : "", limit_file);
		if (!read_small(file, lim, sizeof(lim))) {
			char ufile[384];

			snprintf(ufile, sizeof(ufile), "%s%s/%s", root, strcmp(dir, "/") ? dir : "",
				 usage_file);
			if (!read_small(ufile, use, sizeof(use)) &&
			    !hostmem_parse_limit(lim, use, &room) && room < m->cgroup_room) {
				m->cgroup_room = room;
				snprintf(m->cgroup_file, sizeof(m->cgroup_file), "%s", file);
			}
		}
		slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/"))
			break;
		if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	}
}

void hostmem_read(struct hostmem *m)
{
	static char text[65536];	/* mounts can be long */
	char v2[256], v1[256], root2[300], root1[300];

	m->mem_available = HOSTMEM_UNKNOWN;
	m->cgroup_room = HOSTMEM_UNKNOWN;
	m->cgroup_file[0] = '\0';
	if (!read_small("/proc/meminfo", text, sizeof(text)))
		hostmem_parse_meminfo(text, &m->mem_available);
	if (read_small("/proc/self/cgroup", text, sizeof(text)))
		return;
	hostmem_parse_cgroup(text, v2, sizeof(v2), v1, sizeof(v1));
	root2[0] = root1[0] = '\0';
	if (!read_small("/proc/self/mounts", text, sizeof(text)))
		hostmem_parse_mounts(text, root2, sizeof(root2), root1, sizeof(root1));
	/*
	 * `ip netns exec` mounts a fresh /sys without the cgroup hierarchies,
	 * but the limits still hold: read them through PID 1's mount
	 * namespace, where they are mounted.
	 */
	if ((v2[0] == '/' && !root2[0]) || (v1[0] == '/' && !root1[0])) {
		char p2[256], p1[256];

		if (!read_small("/proc/1/mounts", text, sizeof(text))) {
			hostmem_parse_mounts(text, p2, sizeof(p2), p1, sizeof(p1));
			if (!root2[0] && p2[0])
				snprintf(root2, sizeof(root2), "/proc/1/root%s", p2);
			if (!root1[0] && p1[0])
				snprintf(root1, sizeof(root1), "/proc/1/root%s", p1);
		}
	}
	if (v2[0] == '/' && root2[0])
		cgroup_walk(m, root2, v2, "memory.max", "memory.current");
	if (v1[0] == '/' && root1[0])
		cgroup_walk(m, root1, v1, "memory.limit_in_bytes", "memory.usage_in_bytes");
}

__u64 hostmem_room(const struct hostmem *m, const char **what)
{
	if (m->cgroup_room < m->mem_available) {
		*what = m->cgroup_file;
		return m->cgroup_room;
	}
	*what = "MemAvailable in /proc/meminfo";
	return m->mem_available;
}

/* "32.1 GiB", "512.0 MiB": figures a reader compares at a glance. */
static void fmt_size(__u64 bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", bytes / 1073741824.0);
	else
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
}

int hostmem_check(const struct hostmem *m, __u32 frames, __u32 frame_size, __u32 ring_size,
		  __u32 queues, char *err, size_t errlen)
{
	__u64 need = hostmem_umem_bytes(frames, frame_size, ring_size, queues), room, fit;
	char hint[128] = "", need_s[32], room_s[32];
	const char *what;

	room = hostmem_room(m, &what);
	if (room == HOSTMEM_UNKNOWN || need <= room)
		return 0;
	/* The largest power-of-2 --frames that fits (the ring no larger), if any. */
	for (fit = frames / 2; fit >= 64; fit /= 2)
		if (hostmem_umem_bytes(fit, frame_size, fit < ring_size ? fit : ring_size,
				       queues) <= room)
			break;
	if (fit >= 64 && fit < ring_size)
		snprintf(hint, sizeof(hint), "--frames %llu --ring-size %llu fit; ",
			 (unsigned long long)fit, (unsigned long long)fit);
	else if (fit >= 64)
		snprintf(hint, sizeof(hint), "--frames %llu fits; ", (unsigned long long)fit);
	fmt_size(need, need_s, sizeof(need_s));
	fmt_size(room, room_s, sizeof(room_s));
	snprintf(err, errlen, "the UMEM needs %s (%u queue%s x %u frames x %u bytes, and the rings) but %s is available (%s): %slower --frames or --frame-size, or open fewer queues with -q",
		 need_s, queues, queues == 1 ? "" : "s", frames, frame_size, room_s, what, hint);
	return -1;
}
