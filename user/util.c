// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() also takes leading blanks and a sign: " -1" would be UINT64_MAX. */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	/* Decimal only: strtod would also take blanks, signs and hex floats. */
	if (!s || (!(*s >= '0' && *s <= '9') && *s != '.') || strpbrk(s, "xX"))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

__u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool stdout_said;

void stdio_guard(void)
{
	static const int mode[3] = { O_WRONLY, O_RDONLY, O_WRONLY };
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor: fd itself, the lower ones being open. */
		nfd = open("/dev/null", mode[fd]);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

bool fd_writable(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY;
}

void stdout_error_said(void)
{
	stdout_said = true;
}

int close_stdout(int ret)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout) == EOF)
		e = errno ? errno : EIO;
	if (ferror(stdout) && !e)
		e = EIO;	/* an earlier write failed; its errno is gone */
	if (fclose(stdout) == EOF && !e)
		e = errno ? errno : EIO;
	if (!e)
		return ret;
	if (!stdout_said)
		fprintf(stderr, "xskmap: error: writing to stdout failed: %s; what was printed is incomplete\n",
			strerror(e));
	return ret ? ret : EXIT_FAIL;
}

const char *strerror_named(int e, char *buf, size_t len)
{
	const char *name = strerrorname_np(e);

	if (name)
		snprintf(buf, len, "%s (%s)", strerror(e), name);
	else
		snprintf(buf, len, "%s (errno %d)", strerror(e), e);
	return buf;
}
