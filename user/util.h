/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Small helpers every layer may use and that use nothing of xskmap:
 * exit codes, strict number parsing, clocks, error formatting. Nothing
 * here includes another xskmap header, so nothing circles through it.
 */
#ifndef XSKMAP_UTIL_H
#define XSKMAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes, as documented in --help. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* runtime failure */
	EXIT_USAGE = 2,		/* bad usage: fix the command line */
};

/* Strict unsigned decimal parsing with bounds: 0 or -1. */
int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out);
/* Decimal seconds, > 0 and at most 1e7: 0 or -1. */
int parse_seconds(const char *s, double *out);

static inline bool is_pow2(__u64 v)
{
	return v && !(v & (v - 1));
}

/* CLOCK_MONOTONIC in ns, and in seconds. */
__u64 mono_ns(void);
double mono_sec(void);

/* vsnprintf() into err, then return -1: `return errf(err, len, ...)`. */
int errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * "Network is down (ENETDOWN)": strerror() and the errno's name, in buf
 * (the name a user greps the kernel source and the man pages for).
 */
const char *strerror_named(int e, char *buf, size_t len);

/*
 * At start: open /dev/null on any of fds 0-2 that is closed, so no socket,
 * map or file of the run lands there (a JSON summary written into one of
 * the run's sockets, say). fds 0 and 1 get it opened the other way round
 * (stdout read-only), so a write to a closed stdout still fails, with
 * EBADF, as it would have; stderr gets it writable (closed: not wanted).
 */
void stdio_guard(void);
/* Is fd open for writing (not closed at start, see stdio_guard())? */
bool fd_writable(int fd);
/* A write error on stdout was reported already: close_stdout() says nothing. */
void stdout_error_said(void);
/*
 * At exit (coreutils' close_stdout): flush and close stdout; if anything
 * written to it was lost, say so in one line and return EXIT_FAIL unless
 * ret is a failure already; else ret.
 */
int close_stdout(int ret);

#ifdef __cplusplus
}
#endif
#endif
