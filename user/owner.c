// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "owner.h"

#define REC_MAGIC "xskmap-run 1"
/*
 * A lock held by a process that is not a run (a `detach` cleaning a dead
 * record, a `rules` reading it) or by a run that has not written its pid
 * yet is let go within milliseconds: wait this long before calling it live.
 */
#define OWNER_SETTLE_MS 1000

void owner_init(struct owner *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int owner_netns(__u64 *id)
{
	struct stat st;

	/* thread-self: the namespace of this thread, as setns() leaves it. */
	if (stat("/proc/thread-self/ns/net", &st) && stat("/proc/self/ns/net", &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

static void record_name(char *buf, size_t len, __u64 netns, int ifindex)
{
	snprintf(buf, len, "ns%llu.if%d", (unsigned long long)netns, ifindex);
}

/*
 * The state directory: made if asked, and refused if others could write
 * into it (they could plant a record that sends `detach` to delete pins).
 */
static int state_dir_open(bool create, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (create && mkdir(OWNER_STATE_DIR, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s to record the run: %s%s", OWNER_STATE_DIR,
			 strerror(errno), errno == EACCES ? " (run as root)" : "");
		return -errno;
	}
	fd = open(OWNER_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT || create)
			snprintf(err, errlen, "cannot open %s: %s", OWNER_STATE_DIR, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "%s is not safe (owner uid %u, mode %04o): it must be root's and writable by root only; remove it and let xskmap make it",
			 OWNER_STATE_DIR, st.st_uid, st.st_mode & 07777);
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int rec_format(const struct owner_rec *r, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	off = snprintf(buf, len,
		       REC_MAGIC "\npid %d\nifname %s\nifindex %d\nnetns %llu\nstate %s\nprog %u\nlink %u\n"
		       "owner %s\npin_dev %llu\npin_ino %llu\npin_dir %s\ncreated_top %s\n",
		       r->pid, r->ifname, r->ifindex, (unsigned long long)r->netns,
		       r->running ? "running" : "starting", r->prog_id, r->link_id,
		       r->attach ? "attach" : "run",
		       (unsigned long long)r->pin_dev, (unsigned long long)r->pin_ino,
		       r->pin_dir, r->created_top);
	for (i = 0; i < CLS_NR_MAPS && off < len; i++)
		if (r->maps[i].id)
			off += snprintf(buf + off, len - off, "map %s %u %u\n", cls_map_name(i),
					r->maps[i].id, r->maps[i].type);
	if (off < len)
		off += snprintf(buf + off, len - off, "end\n");
	return off < len ? (int)off : -ENAMETOOLONG;
}

/* 0, or -EINVAL when incomplete (being written, or cut short by a crash). */
static int rec_parse(char *buf, struct owner_rec *r)
{
	char *line, *save = NULL, *val;
	bool magic = false, end = false;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(buf, "\n", &save); line && !end; line = strtok_r(NULL, "\n", &save)) {
		if (!magic) {
			if (strcmp(line, REC_MAGIC))
				return -EINVAL;
			magic = true;
			continue;
		}
		val = strchr(line, ' ');
		if (!strcmp(line, "end")) {
			end = true;
			break;
		}
		if (!val)
			continue;
		*val++ = '\0';
		if (!strcmp(line, "pid"))
			r->pid = atoi(val);
		else if (!strcmp(line, "ifname"))
			snprintf(r->ifname, sizeof(r->ifname), "%s", val);
		else if (!strcmp(line, "ifindex"))
			r->ifindex = atoi(val);
		else if (!strcmp(line, "netns"))
			r->netns = strtoull(val, NULL, 10);
		else if (!strcmp(line, "state"))
			r->running = !strcmp(val, "running");
		else if (!strcmp(line, "prog"))
			r->prog_id = strtoul(val, NULL, 10);
		else if (!strcmp(line, "link"))
			r->link_id = strtoul(val, NULL, 10);
		else if (!strcmp(line, "owner"))
			r->attach = !strcmp(val, "attach");
		else if (!strcmp(line, "pin_dev"))
			r->pin_dev = strtoull(val, NULL, 10);
		else if (!strcmp(line, "pin_ino"))
			r->pin_ino = strtoull(val, NULL, 10);
		else if (!strcmp(line, "pin_dir"))
			snprintf(r->pin_dir, sizeof(r->pin_dir), "%s", val);
		else if (!strcmp(line, "created_top"))
			snprintf(r->created_top, sizeof(r->created_top), "%s", val);
		else if (!strcmp(line, "map")) {
			char name[32];
			__u32 id, type;

			if (sscanf(val, "%31s %u %u", name, &id, &type) != 3)
				continue;
			for (i = 0; i < CLS_NR_MAPS; i++)
				if (!strcmp(name, cls_map_name(i)))
					r->maps[i] = (struct pin_map){ id, type };
		}
	}
	return magic && end && r->pid > 0 ? 0 : -EINVAL;
}

static int rec_read(int fd, struct owner_rec *r)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return rec_parse(buf, r);
}

static int rec_write(int fd, const struct owner_rec *r)
{
	char buf[4096];
	int n = rec_format(r, buf, sizeof(buf));

	if (n < 0)
		return n;
	/* Whole content first, then the length: a reader never sees it empty. */
	if (pwrite(fd, buf, n, 0) != n || ftruncate(fd, n))
		return -errno;
	return 0;
}

/*
 * Whether pid may be the run that wrote the record: only a hint for how
 * long to wait on a held lock (the lock alone says alive or dead). A pid
 * reused by another program is not.
 */
static bool pid_alive(int pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || (kill(pid, 0) && errno != EPERM))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return true;	/* another pid namespace: cannot tell */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "xskmap", 6);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The file we hold is still the one the name points at (not unlinked). */
static bool same_file(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Open and lock record name. create: O_CREAT, for a claim. op: LOCK_SH or
 * LOCK_EX. Returns the state; with OWNER_DEAD the lock is held and the fd
 * in *fdp (closed otherwise). *rec gets the content (parsed is false when
 * there was none to read).
 */
static int record_take(int dirfd, const char *name, bool create, int op, int *fdp,
		       struct owner_rec *rec, bool *parsed, enum owner_state *st)
{
	struct timespec t0;
	int fd, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*fdp = -1;
	for (;;) {
		fd = openat(dirfd, name, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0) {
			if (errno == ENOENT && !create) {
				*st = OWNER_NONE;
				return 0;
			}
			return -errno;
		}
		if (!flock(fd, op | LOCK_NB)) {
			if (!same_file(dirfd, name, fd)) {
				/* Removed or replaced while we waited: look again. */
				close(fd);
				continue;
			}
			*parsed = !rec_read(fd, rec);
			*st = *parsed && rec->attach && rec->running && owner_attach_alive(rec) ?
			      OWNER_ATTACHED : OWNER_DEAD;
			*fdp = fd;
			return 0;
		}
		ret = errno;
		*parsed = !rec_read(fd, rec);
		close(fd);
		if (ret != EWOULDBLOCK)
			return -ret;
		/* Held by a live run, or only for a moment by somebody else. */
		if ((*parsed && pid_alive(rec->pid) && rec->pid != getpid()) ||
		    ms_since(&t0) >= OWNER_SETTLE_MS) {
			*st = OWNER_LIVE;
			return 0;
		}
		usleep(10000);
	}
}

int owner_claim(struct owner *o, int ifindex, const char *ifname, char *err, size_t errlen)
{
	enum owner_state st;
	bool parsed = false;
	int dirfd, ret;

	owner_init(o);
	ret = owner_netns(&o->rec.netns);
	if (ret) {
		snprintf(err, errlen, "cannot read the network namespace: %s", strerror(-ret));
		return ret;
	}
	dirfd = state_dir_open(true, err, errlen);
	if (dirfd < 0)
		return dirfd;
	record_name(o->name, sizeof(o->name), o->rec.netns, ifindex);
	ret = record_take(dirfd, o->name, true, LOCK_EX, &o->fd, &o->stale, &parsed, &st);
	close(dirfd);
	if (ret) {
		snprintf(err, errlen, "cannot take the run record %s/%s: %s", OWNER_STATE_DIR, o->name,
			 strerror(-ret));
		return ret;
	}
	if (st == OWNER_LIVE) {
		if (!parsed)
			o->stale.pid = 0;
		return -EBUSY;
	}
	if (st == OWNER_ATTACHED) {
		close(o->fd);
		o->fd = -1;
		return -EBUSY;
	}
	o->has_stale = parsed;
	o->rec.pid = getpid();
	o->rec.ifindex = ifindex;
	snprintf(o->rec.ifname, sizeof(o->rec.ifname), "%s", ifname);
	ret = owner_write(o);
	if (ret) {
		snprintf(err, errlen, "cannot write the run record %s/%s: %s", OWNER_STATE_DIR,
			 o->name, strerror(-ret));
		owner_release(o, false);
	}
	return ret;
}

bool owner_attach_alive(const struct owner_rec *rec)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_link_get_fd_by_id(rec->link_id);
	bool alive;

	if (fd < 0)
		return errno == EPERM || errno == EACCES;
	/* A link whose device went away stays pinned, detached (ifindex 0). */
	alive = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		info.prog_id == rec->prog_id && (int)info.xdp.ifindex == rec->ifindex;
	close(fd);
	return alive;
}

void owner_keep(struct owner *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

int owner_write(struct owner *o)
{
	return o->fd < 0 ? -EBADF : rec_write(o->fd, &o->rec);
}

void owner_release(struct owner *o, bool done)
{
	char err[256];
	int dirfd;

	if (o->fd < 0)
		return;
	if (!done && o->has_stale) {
		rec_write(o->fd, &o->stale);
	} else {
		dirfd = state_dir_open(false, err, sizeof(err));
		/* We hold the lock: the name is still ours (see record_take()). */
		if (dirfd >= 0) {
			unlinkat(dirfd, o->name, 0);
			close(dirfd);
		}
	}
	close(o->fd);
	o->fd = -1;
}

int owner_lookup(struct owner *o, int ifindex, bool hold_dead, enum owner_state *st,
		 struct owner_rec *rec, char *err, size_t errlen)
{
	bool parsed = false;
	__u64 netns;
	int dirfd, fd, ret;

	owner_init(o);
	*st = OWNER_NONE;
	memset(rec, 0, sizeof(*rec));
	ret = owner_netns(&netns);
	if (ret) {
		snprintf(err, errlen, "cannot read the network namespace: %s", strerror(-ret));
		return ret;
	}
	dirfd = state_dir_open(false, err, errlen);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0)
		return dirfd;
	record_name(o->name, sizeof(o->name), netns, ifindex);
	ret = record_take(dirfd, o->name, false, hold_dead ? LOCK_EX : LOCK_SH, &fd, rec, &parsed, st);
	close(dirfd);
	if (ret) {
		snprintf(err, errlen, "cannot read the run record %s/%s: %s%s", OWNER_STATE_DIR, o->name,
			 strerror(-ret), ret == -EACCES ? " (run as root)" : "");
		return ret;
	}
	if (*st == OWNER_DEAD || *st == OWNER_ATTACHED) {
		if (hold_dead) {
			o->fd = fd;
			o->rec = *rec;
		} else {
			close(fd);
		}
	}
	return 0;
}

int owner_foreach(int (*fn)(const char *name, enum owner_state st,
			    const struct owner_rec *rec, void *arg), void *arg)
{
	struct owner_rec rec;
	enum owner_state st;
	struct dirent *de;
	char err[256];
	bool parsed;
	int dirfd, fd, ret = 0;
	DIR *d;

	dirfd = state_dir_open(false, err, sizeof(err));
	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		if (strncmp(de->d_name, "ns", 2) || !strstr(de->d_name, ".if"))
			continue;
		parsed = false;
		if (record_take(dirfd, de->d_name, false, LOCK_SH, &fd, &rec, &parsed, &st) ||
		    st == OWNER_NONE || !parsed)
			continue;
		if (fd >= 0)
			close(fd);
		ret = fn(de->d_name, st, &rec, arg);
	}
	closedir(d);
	return ret;
}

int owner_hold_dead(struct owner *o, const char *name)
{
	enum owner_state st;
	bool parsed = false;
	char err[256];
	int dirfd, ret;

	owner_init(o);
	snprintf(o->name, sizeof(o->name), "%s", name);
	dirfd = state_dir_open(false, err, sizeof(err));
	if (dirfd < 0)
		return dirfd;
	ret = record_take(dirfd, name, false, LOCK_EX, &o->fd, &o->rec, &parsed, &st);
	close(dirfd);
	if (ret)
		return ret;
	if (st != OWNER_DEAD || !parsed) {
		if (o->fd >= 0)
			close(o->fd);
		o->fd = -1;
		return st == OWNER_LIVE || st == OWNER_ATTACHED ? -EBUSY : -ENOENT;
	}
	return 0;
}
