/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * --prometheus FILE: the counters in the Prometheus text exposition format
 * (version 0.0.4), for node_exporter's textfile collector. The file is
 * replaced whole each time: written as FILE.tmp.PID in the same directory,
 * then renamed over FILE, so a reader sees the old file or the new one,
 * never part of one.
 */
#ifndef XSKMAP_PROM_OUT_H
#define XSKMAP_PROM_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One label of a sample: NULL name ends a list. */
struct prom_label {
	const char *name;
	const char *value;
};

/* "# HELP name help" and "# TYPE name type": once per family, before its samples. */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* name{labels} value: labels (at most 8, name NULL ends) with escaped values. */
void prom_sample(FILE *f, const char *name, const struct prom_label *labels, __u64 value);
void prom_sample_double(FILE *f, const char *name, const struct prom_label *labels, double value);
/* A label value as the format has it: backslash, double quote and newline escaped. */
void prom_escape(FILE *f, const char *s);

struct prom_out {
	char path[4096];
	char tmp[4096 + 32];		/* FILE.tmp.PID: not *.prom, the collector skips it */
	int dirfd;			/* FILE's directory, as checked at start */
	const char *base;		/* FILE's name in it (into path) */
	bool failing;			/* the last write failed (said once) */
};

/*
 * At start: FILE's directory must exist and be writable and FILE, if it is
 * there, a regular file. 0, or -1 with a one-line message (cause and fix)
 * in err; nothing is created.
 */
int prom_out_open(struct prom_out *p, const char *path, char *err, size_t errlen);
/*
 * Write what render(f, ctx) prints as the new FILE. 0, or -errno with a
 * one-line message in err (FILE stays as it was; the temporary is removed).
 */
int prom_out_write(struct prom_out *p, void (*render)(FILE *f, void *ctx), void *ctx,
		   char *err, size_t errlen);
/*
 * prom_out_write() for a command's loop: a failure is said once (a warning
 * while running, with final an error) and again when writes work again;
 * the run goes on. 0 or -1.
 */
int prom_out_update(struct prom_out *p, void (*render)(FILE *f, void *ctx), void *ctx,
		    bool final);
/* Close the directory (FILE stays: its last values are the run's final ones). */
void prom_out_close(struct prom_out *p);

#ifdef __cplusplus
}
#endif
#endif
