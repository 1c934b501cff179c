// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "pcap_out.h"
#include "safepath.h"
#include "util.h"

/* A frame in a queue's ring: this header, the bytes, padding to 8. */
struct ring_rec {
	__u64 ts_ns;
	__u32 len;		/* RING_SKIP: nothing more before the ring's end */
	__u32 pad;
};
#define RING_SKIP 0xffffffffu
#define REC_HDR sizeof(struct ring_rec)

struct pcap_file_hdr {
	__u32 magic;
	__u16 version_major, version_minor;
	__s32 thiszone;
	__u32 sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	__u32 ts_sec, ts_nsec, caplen, len;
};

/*
 * One queue's ring. The producer (the queue's RX thread) owns head and its
 * counters, the writer owns tail; each side reads the other's index with
 * acquire and publishes its own with release, on separate cache lines.
 */
struct pcap_ring {
	unsigned char *buf;
	__u64 mask;
	__u64 head_pub __attribute__((aligned(64)));	/* what the writer may read */
	__u64 head;		/* producer only: written, not yet published */
	__u64 tail_seen;	/* producer only: last tail read */
	__u64 put;		/* frames put into the ring */
	__u64 ring_full;
	__u64 after_error;
	__u64 tail __attribute__((aligned(64)));	/* writer: consumed up to here */
	__u64 cur;		/* writer only */
};

struct pcap_out {
	int fd;
	bool own_fd;		/* we opened it: close it */
	bool is_socket;		/* send(MSG_DONTWAIT), never write() */
	bool can_truncate;	/* a regular file we own: cut a partial record */
	char name[256];
	__u32 snaplen;
	__u32 nr_rings;
	struct pcap_ring *rings;
	void *ring_mem;
	size_t ring_mem_len;
	unsigned char *out;	/* pcap records waiting for write(2) */
	size_t out_len, out_cap;
	__u64 out_recs;
	__u64 file_off;		/* bytes of whole records in the file */
	volatile sig_atomic_t *stop_flag;
	pthread_t thread;
	bool started, abandoned;
	/* Shared between the writer and the main thread: __atomic. */
	int finishing;
	__u64 deadline_ns;
	int failed;		/* errno of the failed write */
	int gave_up;
	__u64 written;
	__u64 writer_after_error;
};

#define OUT_CAP (1u << 20)
/* A pass that leaves this much waiting writes it at once. */
#define OUT_FLUSH_AT (64u << 10)
/* An idle writer sleeps 1 ms, doubling to 16 ms while nothing comes. */
#define WRITER_IDLE_NS 1000000
#define WRITER_IDLE_MAX_NS 16000000
#define WRITER_POLL_MS 20

static __u64 align8(__u64 v)
{
	return (v + 7) & ~7ULL;
}

const char *pcap_out_name(const struct pcap_out *po)
{
	return po->name;
}

/* ---------------------------------------------------------------- producer */

void *pcap_out_reserve(struct pcap_out *po, __u32 q, __u64 ts_ns, __u32 len)
{
	struct pcap_ring *r = &po->rings[q];
	__u64 size = r->mask + 1, need = REC_HDR + align8(len), p, room, skip;
	struct ring_rec *rec;

	if (__atomic_load_n(&po->failed, __ATOMIC_RELAXED)) {
		__atomic_store_n(&r->after_error, r->after_error + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	p = r->head & r->mask;
	room = size - p;
	/* A record never wraps: the end of the ring is skipped instead. */
	skip = room < need ? room : 0;
	if (need > size || r->head + skip + need - r->tail_seen > size) {
		r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (need > size || r->head + skip + need - r->tail_seen > size) {
			__atomic_store_n(&r->ring_full, r->ring_full + 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
	if (skip) {
		if (room >= REC_HDR)
			((struct ring_rec *)(r->buf + p))->len = RING_SKIP;
		r->head += skip;
		p = 0;
	}
	rec = (struct ring_rec *)(r->buf + p);
	rec->ts_ns = ts_ns;
	rec->len = len;
	r->head += need;
	__atomic_store_n(&r->put, r->put + 1, __ATOMIC_RELAXED);
	/* The writer reads it only after pcap_out_publish(). */
	return rec + 1;
}

void pcap_out_put(struct pcap_out *po, __u32 q, __u64 ts_ns, const void *data, __u32 len)
{
	void *dst = pcap_out_reserve(po, q, ts_ns, len);

	if (dst)
		memcpy(dst, data, len);
}

void pcap_out_publish(struct pcap_out *po, __u32 q)
{
	struct pcap_ring *r = &po->rings[q];

	__atomic_store_n(&r->head_pub, r->head, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ writer */

static ssize_t out_write(struct pcap_out *po, const void *buf, size_t len)
{
	if (po->is_socket)
		return send(po->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(po->fd, buf, len);
}

/* Whole records among the first n bytes of the out buffer, and their bytes. */
static __u64 whole_records(const struct pcap_out *po, size_t n, size_t *bytes)
{
	size_t off = 0;
	__u64 k = 0;

	while (off + sizeof(struct pcap_rec_hdr) <= po->out_len) {
		struct pcap_rec_hdr h;	/* records are packed: copy, never cast */
		size_t rec;

		memcpy(&h, po->out + off, sizeof(h));
		rec = sizeof(h) + h.caplen;

		if (off + rec > n)
			break;
		off += rec;
		k++;
	}
	*bytes = off;
	return k;
}

/* The first n bytes of the out buffer went out; the rest never will. */
static void out_account(struct pcap_out *po, size_t n)
{
	size_t bytes;
	__u64 k = whole_records(po, n, &bytes);

	__atomic_fetch_add(&po->written, k, __ATOMIC_RELAXED);
	po->file_off += bytes;
	if (__atomic_load_n(&po->failed, __ATOMIC_RELAXED))
		__atomic_fetch_add(&po->writer_after_error, po->out_recs - k, __ATOMIC_RELAXED);
	/*
	 * A regular file of ours stays readable: cut the partial record off.
	 * Should that fail too, the file ends mid-record; the counters say so.
	 */
	if (n != bytes && po->can_truncate)
		(void)!ftruncate(po->fd, po->file_off);
	po->out_len = 0;
	po->out_recs = 0;
}

static bool past_deadline(struct pcap_out *po)
{
	return __atomic_load_n(&po->finishing, __ATOMIC_ACQUIRE) &&
	       mono_ns() >= __atomic_load_n(&po->deadline_ns, __ATOMIC_RELAXED);
}

static void writer_fail(struct pcap_out *po, int err)
{
	__atomic_store_n(&po->failed, err, __ATOMIC_RELEASE);
	if (po->stop_flag)
		*po->stop_flag = 1;
}

/*
 * Write the out buffer in full. A file that takes nothing now (a pipe
 * whose reader is slow) is waited for with poll(), in short slices so a
 * stop's deadline is seen; past it the writer gives up. 0 or -1.
 */
static int out_flush(struct pcap_out *po)
{
	size_t off = 0;

	while (off < po->out_len) {
		ssize_t n = out_write(po, po->out + off, po->out_len - off);

		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = po->fd, .events = POLLOUT };

			if (past_deadline(po)) {
				__atomic_store_n(&po->gave_up, 1, __ATOMIC_RELEASE);
				out_account(po, off);
				return -1;
			}
			poll(&pfd, 1, WRITER_POLL_MS);
			continue;
		}
		/* write() returns 0 only for 0 bytes: treat it as an I/O error. */
		writer_fail(po, n < 0 ? errno : EIO);
		out_account(po, off);
		return -1;
	}
	out_account(po, off);
	return 0;
}

/* Next record of ring r at its writer cursor, or NULL when none is published. */
static struct ring_rec *ring_peek(struct pcap_ring *r, __u64 head)
{
	__u64 size = r->mask + 1, p;
	struct ring_rec *rec;

	if (r->cur >= head)
		return NULL;
	p = r->cur & r->mask;
	if (size - p < REC_HDR || ((struct ring_rec *)(r->buf + p))->len == RING_SKIP) {
		r->cur += size - p;
		if (r->cur >= head)
			return NULL;
		p = 0;
	}
	rec = (struct ring_rec *)(r->buf + p);
	return rec;
}

static void rings_release(struct pcap_out *po)
{
	for (__u32 i = 0; i < po->nr_rings; i++)
		__atomic_store_n(&po->rings[i].tail, po->rings[i].cur, __ATOMIC_RELEASE);
}

/*
 * One pass: every record published when it starts, merged across queues
 * by timestamp (within a queue they are in order already), into the out
 * buffer. After a failure the records are only counted. The count moved.
 */
static __u64 writer_pass(struct pcap_out *po, __u64 *heads)
{
	bool failed = __atomic_load_n(&po->failed, __ATOMIC_ACQUIRE);
	__u64 moved = 0;
	__u32 i;

	for (i = 0; i < po->nr_rings; i++)
		heads[i] = __atomic_load_n(&po->rings[i].head_pub, __ATOMIC_ACQUIRE);
	for (;;) {
		struct ring_rec *best = NULL, *rec;
		__u32 bi = 0;
		struct pcap_rec_hdr h;

		for (i = 0; i < po->nr_rings; i++) {
			rec = ring_peek(&po->rings[i], heads[i]);
			if (rec && (!best || rec->ts_ns < best->ts_ns)) {
				best = rec;
				bi = i;
			}
		}
		if (!best)
			break;
		if (failed) {
			__atomic_fetch_add(&po->writer_after_error, 1, __ATOMIC_RELAXED);
		} else {
			if (po->out_len + sizeof(h) + best->len > po->out_cap) {
				/* The ring space of what is copied can go back first. */
				rings_release(po);
				if (out_flush(po)) {
					if (__atomic_load_n(&po->gave_up, __ATOMIC_ACQUIRE))
						return moved;
					failed = true;
					continue;
				}
			}
			h.ts_sec = best->ts_ns / 1000000000ULL;
			h.ts_nsec = best->ts_ns % 1000000000ULL;
			h.caplen = h.len = best->len;
			memcpy(po->out + po->out_len, &h, sizeof(h));
			memcpy(po->out + po->out_len + sizeof(h), best + 1, best->len);
			po->out_len += sizeof(h) + best->len;
			po->out_recs++;
		}
		po->rings[bi].cur += REC_HDR + align8(best->len);
		moved++;
	}
	rings_release(po);
	return moved;
}

static void *writer_run(void *arg)
{
	struct pcap_out *po = arg;
	__u64 *heads = calloc(po->nr_rings, sizeof(*heads));
	struct timespec idle = { 0, WRITER_IDLE_NS };

	if (!heads) {
		writer_fail(po, ENOMEM);
		return NULL;
	}
	for (;;) {
		/* Read before the pass: once set, a pass that finds nothing is the last. */
		bool fin = __atomic_load_n(&po->finishing, __ATOMIC_ACQUIRE);
		__u64 moved;

		if (past_deadline(po)) {
			__atomic_store_n(&po->gave_up, 1, __ATOMIC_RELEASE);
			break;
		}
		moved = writer_pass(po, heads);
		if (__atomic_load_n(&po->gave_up, __ATOMIC_ACQUIRE))
			break;
		if (po->out_len && (po->out_len >= OUT_FLUSH_AT || !moved) && out_flush(po) &&
		    __atomic_load_n(&po->gave_up, __ATOMIC_ACQUIRE))
			break;
		if (moved) {
			idle.tv_nsec = WRITER_IDLE_NS;
		} else {
			if (fin)
				break;
			nanosleep(&idle, NULL);
			if (idle.tv_nsec < WRITER_IDLE_MAX_NS)
				idle.tv_nsec *= 2;
		}
	}
	free(heads);
	return NULL;
}

/* -------------------------------------------------------------------- open */

static int fail_msg(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_msg(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Opening path failed with e: say why, as precisely as lstat() tells. */
static int explain_open_error(const char *path, int e, char *err, size_t errlen)
{
	struct stat st;
	bool have = !lstat(path, &st);

	if (e == ELOOP && have && S_ISLNK(st.st_mode))
		return fail_msg(err, errlen, -e,
				"refusing to write the capture to '%s': it is a symbolic link, and a link planted in a shared directory can point at any file; remove it or give the real path",
				path);
	if (e == ENXIO && have && S_ISFIFO(st.st_mode))
		return fail_msg(err, errlen, -e,
				"FIFO '%s' has no reader: start the reader first (e.g. 'tcpdump -r %s')",
				path, path);
	if (e == ENXIO && have && S_ISSOCK(st.st_mode))
		return fail_msg(err, errlen, -e,
				"cannot write the capture to '%s': it is a socket; give a file name", path);
	return fail_msg(err, errlen, -e, "cannot open '%s' for writing: %s; check the path and the directory's permissions",
			path, strerror(e));
}

static int open_path(struct pcap_out *po, const char *path, char *err, size_t errlen)
{
	const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	const char *base;
	struct stat st;
	int fd, dirfd;

	snprintf(po->name, sizeof(po->name), "%s", path);
	/*
	 * The directories on the way are walked one by one and a link of
	 * another user's refused (safepath.h); the file is then opened in the
	 * directory the walk ended in, so nothing swapped in meanwhile counts.
	 */
	dirfd = safepath_open_parent(path, "capture file", &base, err, errlen);
	if (dirfd == -ENOENT || dirfd == -ENOTDIR)
		return fail_msg(err, errlen, dirfd, "cannot open '%s' for writing: %s; check the path",
				path, strerror(-dirfd));
	if (dirfd < 0)
		return dirfd;
	/*
	 * No O_TRUNC: the file is checked first, then truncated only if it is
	 * a regular file we own. O_NONBLOCK: a FIFO without a reader fails at
	 * once instead of hanging, and writes to a FIFO never block. A name
	 * ending in '/' has no base: open() says what is wrong with it.
	 */
	fd = *base ? openat(dirfd, base, flags, 0600) : open(path, flags, 0600);
	close(dirfd);
	if (fd < 0)
		return explain_open_error(path, errno, err, errlen);
	po->fd = fd;
	po->own_fd = true;
	if (fstat(fd, &st))
		return fail_msg(err, errlen, -errno, "cannot stat '%s': %s", path, strerror(errno));
	if (S_ISCHR(st.st_mode)) {
		/* Only root can make a device node, so none was planted. */
		if (isatty(fd))
			return fail_msg(err, errlen, -ENOTTY,
					"refusing to write a binary pcap to the terminal '%s': give a file name",
					path);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		return fail_msg(err, errlen, -EINVAL,
				"cannot write the capture to '%s': not a regular file, FIFO or character device",
				path);
	if (st.st_uid != geteuid())
		return fail_msg(err, errlen, -EPERM,
				"refusing to write the capture to '%s': it belongs to uid %u, not to you (uid %u), and captured traffic must not go to a file another user controls; remove it or choose another name",
				path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (S_ISREG(st.st_mode)) {
		/*
		 * Another name for the same file may sit where its owner does not
		 * expect a capture (a hard link made into a directory of theirs):
		 * truncating it would cut that file too.
		 */
		if (st.st_nlink != 1)
			return fail_msg(err, errlen, -EMLINK,
					"refusing to write the capture to '%s': it has %lu hard links, and truncating it would change the file under its other names too; remove it or choose another name",
					path, (unsigned long)st.st_nlink);
		if (ftruncate(fd, 0))
			return fail_msg(err, errlen, -errno, "cannot truncate '%s': %s", path,
					strerror(errno));
		/* An older file of ours may be readable by others: captures are not. */
		if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700))
			return fail_msg(err, errlen, -errno,
					"cannot make '%s' private (chmod 600): %s", path, strerror(errno));
		po->can_truncate = true;
	}
	return 0;
}

static int open_stdout(struct pcap_out *po, char *err, size_t errlen)
{
	struct stat st, st2;
	int fd;

	snprintf(po->name, sizeof(po->name), "stdout");
	po->fd = STDOUT_FILENO;
	if (fstat(STDOUT_FILENO, &st))
		return fail_msg(err, errlen, -errno, "-w -: stdout is not open: %s", strerror(errno));
	/* Closed at start, /dev/null read-only since (stdio_guard()). */
	if (!fd_writable(STDOUT_FILENO))
		return fail_msg(err, errlen, -EBADF, "-w -: stdout is not open for writing (closed?): redirect it ('-w - > file.pcap' or '-w - | tcpdump -r -')");
	if (isatty(STDOUT_FILENO))
		return fail_msg(err, errlen, -ENOTTY,
				"-w -: stdout is a terminal and a pcap is binary: redirect it ('-w - > file.pcap' or '-w - | tcpdump -r -')");
	if (S_ISSOCK(st.st_mode)) {
		po->is_socket = true;	/* send(MSG_DONTWAIT): no flag on the shared file */
		return 0;
	}
	if (!S_ISFIFO(st.st_mode))
		return 0;	/* a regular file or a device does not wait for a reader */
	/*
	 * A pipe: O_NONBLOCK on the inherited descriptor would change it for
	 * every process sharing it (the shell, the next command of a group)
	 * and would outlive a SIGKILL. Opening /proc/self/fd/1 gives a file of
	 * our own on the same pipe, where O_NONBLOCK is ours alone. If that is
	 * not possible the writer uses stdout as it is, may block in write(2),
	 * and is then left behind at exit (pcap_out_finish()).
	 */
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st2) && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev) {
		po->fd = fd;
		po->own_fd = true;
	} else if (fd >= 0) {
		close(fd);
	}
	return 0;
}

static const char *error_hint(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return " (the file system is full)";
	case EPIPE:
	case ECONNRESET:
		return " (the reader went away)";
	case EFBIG:
		return " (the file size limit was reached)";
	default:
		return "";
	}
}

/* The file header, waited for at most a second (a pipe could be full). */
static int write_header(struct pcap_out *po, const struct pcap_file_hdr *fh, char *err,
			size_t errlen)
{
	__u64 deadline = mono_ns() + 1000000000ULL;
	const char *p = (const char *)fh;
	size_t off = 0;

	while (off < sizeof(*fh)) {
		ssize_t n = out_write(po, p + off, sizeof(*fh) - off);
		struct pollfd pfd = { .fd = po->fd, .events = POLLOUT };

		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && mono_ns() < deadline) {
			poll(&pfd, 1, WRITER_POLL_MS);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return fail_msg(err, errlen, -errno, "cannot write the pcap header to '%s': %s%s",
					po->name, strerror(errno), error_hint(errno));
		return fail_msg(err, errlen, -ETIMEDOUT,
				"cannot write the pcap header to '%s': the reader takes nothing", po->name);
	}
	return 0;
}

int pcap_out_open(struct pcap_out **out, const char *path, __u32 nr_queues, __u32 snaplen,
		  size_t ring_bytes, volatile sig_atomic_t *stop_flag, char *err, size_t errlen)
{
	struct pcap_file_hdr fh = {
		.magic = PCAP_NSEC_MAGIC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = snaplen,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct pcap_out *po;
	size_t size = 4096;
	__u32 i;
	int ret;

	*out = NULL;
	if (!nr_queues)
		nr_queues = 1;
	while (size < ring_bytes)
		size <<= 1;
	po = calloc(1, sizeof(*po));
	if (!po)
		return fail_msg(err, errlen, -ENOMEM, "out of memory for the capture");
	po->fd = -1;
	po->snaplen = snaplen;
	po->stop_flag = stop_flag;
	ret = strcmp(path, "-") ? open_path(po, path, err, errlen) : open_stdout(po, err, errlen);
	if (ret)
		goto fail;

	po->nr_rings = nr_queues;
	po->rings = calloc(nr_queues, sizeof(*po->rings));
	po->out_cap = OUT_CAP;
	po->out = malloc(po->out_cap);
	po->ring_mem_len = size * nr_queues;
	/* Populated now: the first laps of the hot path take no page faults. */
	po->ring_mem = mmap(NULL, po->ring_mem_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (po->ring_mem == MAP_FAILED)
		po->ring_mem = NULL;
	if (!po->rings || !po->out || !po->ring_mem) {
		ret = fail_msg(err, errlen, -ENOMEM,
			       "cannot allocate %zu MiB of capture buffers: lower the queue count", po->ring_mem_len >> 20);
		goto fail;
	}
	for (i = 0; i < nr_queues; i++) {
		po->rings[i].buf = (unsigned char *)po->ring_mem + (size_t)i * size;
		po->rings[i].mask = size - 1;
	}

	/* The header goes out now, so a full disk or a dead reader stops us before attach. */
	ret = write_header(po, &fh, err, errlen);
	if (ret)
		goto fail;
	po->file_off = sizeof(fh);
	*out = po;
	return 0;
fail:
	po->stop_flag = NULL;
	pcap_out_free(po);
	return ret;
}

int pcap_out_start(struct pcap_out *po, char *err, size_t errlen)
{
	sigset_t all, old;
	int ret;

	/* The writer takes no signal: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&po->thread, NULL, writer_run, po);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return fail_msg(err, errlen, -ret, "cannot start the capture writer thread: %s",
				strerror(ret));
	po->started = true;
	return 0;
}

int pcap_out_finish(struct pcap_out *po, __u64 deadline_ns, char *err, size_t errlen)
{
	int e;

	__atomic_store_n(&po->deadline_ns, deadline_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&po->finishing, 1, __ATOMIC_RELEASE);
	if (po->started) {
		/* The writer watches the deadline; the margin covers its poll slice. */
		__u64 now = mono_ns(), ns;
		__u64 wait = (deadline_ns > now ? deadline_ns : now) + 200000000ULL;
		struct timespec abs;

		/* pthread_timedjoin_np() wants CLOCK_REALTIME. */
		clock_gettime(CLOCK_REALTIME, &abs);
		ns = abs.tv_nsec + (wait - now);
		abs.tv_sec += ns / 1000000000ULL;
		abs.tv_nsec = ns % 1000000000ULL;
		/*
		 * Still in write(2) on a descriptor that blocks (stdout that could
		 * not be made non-blocking, a hung network file system): it is
		 * left behind, exit ends it, and what it held counts as not written.
		 */
		if (pthread_timedjoin_np(po->thread, NULL, &abs))
			po->abandoned = true;
		po->started = false;
	}
	e = __atomic_load_n(&po->failed, __ATOMIC_ACQUIRE);
	if (!po->abandoned && po->own_fd) {
		if (close(po->fd) && !e)
			e = errno;
		po->own_fd = false;
		if (e && !po->failed)
			writer_fail(po, e);
	}
	if (e) {
		snprintf(err, errlen, "writing the capture to '%s' failed: %s%s", po->name,
			 strerror(e), error_hint(e));
		return -1;
	}
	return 0;
}

void pcap_out_get_stats(struct pcap_out *po, struct pcap_out_stats *st)
{
	__u64 put = 0;
	__u32 i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < po->nr_rings; i++) {
		struct pcap_ring *r = &po->rings[i];

		put += __atomic_load_n(&r->put, __ATOMIC_RELAXED);
		st->ring_full += __atomic_load_n(&r->ring_full, __ATOMIC_RELAXED);
		st->after_error += __atomic_load_n(&r->after_error, __ATOMIC_RELAXED);
	}
	st->written = __atomic_load_n(&po->written, __ATOMIC_RELAXED);
	st->after_error += __atomic_load_n(&po->writer_after_error, __ATOMIC_RELAXED);
	st->error = __atomic_load_n(&po->failed, __ATOMIC_RELAXED);
	/* Put but neither written nor lost to an error: waiting, or left at the stop. */
	if (__atomic_load_n(&po->finishing, __ATOMIC_ACQUIRE) && !po->started &&
	    put >= st->written + __atomic_load_n(&po->writer_after_error, __ATOMIC_RELAXED))
		st->at_stop = put - st->written - __atomic_load_n(&po->writer_after_error, __ATOMIC_RELAXED);
}

void pcap_out_free(struct pcap_out *po)
{
	if (!po)
		return;
	if (po->started) {
		/* Never finished: stop the writer now, nothing more is waited for. */
		char err[8];

		pcap_out_finish(po, mono_ns(), err, sizeof(err));
	}
	/* The abandoned writer may still touch all of this until exit. */
	if (po->abandoned)
		return;
	if (po->own_fd)
		close(po->fd);
	if (po->ring_mem)
		munmap(po->ring_mem, po->ring_mem_len);
	free(po->rings);
	free(po->out);
	free(po);
}
