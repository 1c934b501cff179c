// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "prom_out.h"
#include "safepath.h"

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	/* HELP text escapes backslash and newline only (no quotes around it). */
	fprintf(f, "# HELP %s ", name);
	for (const char *s = help; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_labels(FILE *f, const char *name, const struct prom_label *labels)
{
	fputs(name, f);
	if (!labels || !labels[0].name)
		return;
	fputc('{', f);
	for (int i = 0; labels[i].name; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
		prom_escape(f, labels[i].value ? labels[i].value : "");
		fputc('"', f);
	}
	fputc('}', f);
}

void prom_sample(FILE *f, const char *name, const struct prom_label *labels, __u64 value)
{
	prom_labels(f, name, labels);
	fprintf(f, " %llu\n", (unsigned long long)value);
}

void prom_sample_double(FILE *f, const char *name, const struct prom_label *labels, double value)
{
	prom_labels(f, name, labels);
	fprintf(f, " %.3f\n", value);
}

static int fail(char *err, size_t errlen, int ret, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return ret;
}

int prom_out_open(struct prom_out *p, const char *path, char *err, size_t errlen)
{
	char dir[sizeof(p->path)];
	const char *slash;
	struct stat st;

	memset(p, 0, sizeof(*p));
	p->dirfd = -1;
	if (!*path || strlen(path) >= sizeof(p->path) - 1)
		return fail(err, errlen, -1, "invalid --prometheus '%s': give a file name%s", path,
			    " (e.g. /var/lib/node_exporter/textfile/xskmap.prom)");
	snprintf(p->path, sizeof(p->path), "%s", path);
	slash = strrchr(p->path, '/');
	if (slash && !slash[1])
		return fail(err, errlen, -1, "invalid --prometheus '%s': it names a directory; give a file in it, e.g. %sxskmap.prom",
			    path, path);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash == p->path ? 1 : slash - p->path) : 1,
		 slash ? p->path : ".");
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return fail(err, errlen, -1, "--prometheus %s: the directory '%s' does not exist: create it (mkdir -p), or give a file in an existing directory",
			    path, dir);
	/* Root passes a mode check, not a read-only file system: that is what access() tells. */
	if (access(dir, W_OK | X_OK))
		return fail(err, errlen, -1, "--prometheus %s: the directory '%s' is not writable: give a file in a directory this user can write to",
			    path, dir);
	if (!lstat(p->path, &st) && !S_ISREG(st.st_mode))
		return fail(err, errlen, -1, "--prometheus %s: '%s' exists and is not a regular file: give another name, or remove it",
			    path, path);
	/* The directory as walked now is the one written into later (no link swapped in counts). */
	p->dirfd = safepath_open_parent(p->path, "--prometheus file", &p->base, err, errlen);
	if (p->dirfd < 0) {
		p->dirfd = -1;
		return -1;
	}
	snprintf(p->tmp, sizeof(p->tmp), "%s.tmp.%d", p->base, (int)getpid());
	if (strlen(p->base) < 6 || strcmp(p->base + strlen(p->base) - 5, ".prom"))
		pr_warn("--prometheus %s: node_exporter's textfile collector reads only files named *.prom\n",
			path);
	return 0;
}

int prom_out_write(struct prom_out *p, void (*render)(FILE *f, void *ctx), void *ctx,
		   char *err, size_t errlen)
{
	int fd, e;
	FILE *f;

	/* Our own name (this process's pid): one left by a killed run of the same pid goes. */
	unlinkat(p->dirfd, p->tmp, 0);
	fd = openat(p->dirfd, p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "writing the --prometheus file %s failed: %s", p->path, strerror(e));
		return -e;
	}
	/* 0644 whatever the umask: node_exporter often runs as another user. */
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		goto out_unlink;
	}
	errno = 0;
	render(f, ctx);
	if (fflush(f) == EOF || ferror(f)) {
		e = errno ? errno : EIO;
		fclose(f);
		goto out_unlink;
	}
	if (fclose(f)) {
		e = errno;
		goto out_unlink;
	}
	if (renameat(p->dirfd, p->tmp, p->dirfd, p->base)) {
		e = errno;
		goto out_unlink;
	}
	return 0;
out_unlink:
	unlinkat(p->dirfd, p->tmp, 0);
	snprintf(err, errlen, "writing the --prometheus file %s failed: %s", p->path, strerror(e));
	return -e;
}

int prom_out_update(struct prom_out *p, void (*render)(FILE *f, void *ctx), void *ctx,
		    bool final)
{
	char err[4096 + 128];

	if (prom_out_write(p, render, ctx, err, sizeof(err))) {
		if (final)
			pr_err("%s: it does not hold the final values\n", err);
		else if (!p->failing)
			pr_warn("%s; tried again every interval (the run goes on)\n", err);
		p->failing = true;
		return -1;
	}
	if (p->failing && !final)
		pr_info("the --prometheus file %s is written again\n", p->path);
	p->failing = false;
	return 0;
}

void prom_out_close(struct prom_out *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->dirfd = -1;
}
