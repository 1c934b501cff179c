// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "safepath.h"

/* As the kernel's own limit on links followed in one lookup. */
#define SAFEPATH_MAX_LINKS 40

static const char *uid_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw ? pw->pw_name : "no such user";
}

/*
 * Follow the components of path from its start. With stop_missing a
 * missing component ends the walk with success; otherwise it is an error.
 * The descriptor of the last directory reached is returned in *dirfd.
 */
static int chase(const char *path, size_t len, bool stop_missing, const char *what, int *dirfd,
		 char *err, size_t errlen)
{
	char todo[2 * PATH_MAX], walked[2 * PATH_MAX], target[PATH_MAX];
	size_t pos = 0, wlen;
	int fd, links = 0, ret;

	if (len >= PATH_MAX) {
		snprintf(err, errlen, "%s '%s': path too long", what, path);
		return -ENAMETOOLONG;
	}
	memcpy(todo, path, len);
	todo[len] = '\0';
	fd = open(todo[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s '%s': cannot open %s: %s", what, path,
			 todo[0] == '/' ? "/" : "the working directory", strerror(-ret));
		return ret;
	}
	snprintf(walked, sizeof(walked), "%s", todo[0] == '/' ? "" : ".");
	for (;;) {
		char *c;
		size_t clen;
		struct stat st;
		int nfd;

		while (todo[pos] == '/')
			pos++;
		if (!todo[pos])
			break;
		c = todo + pos;
		clen = strcspn(c, "/");
		pos += clen;
		if (todo[pos])
			todo[pos++] = '\0';
		if (!strcmp(c, "."))
			continue;
		nfd = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			ret = -errno;
			if (ret == -ENOENT && stop_missing)
				break;
			snprintf(err, errlen, "%s '%s': %s/%s: %s", what, path, walked, c, strerror(-ret));
			close(fd);
			return ret;
		}
		if (fstat(nfd, &st)) {
			ret = -errno;
			snprintf(err, errlen, "%s '%s': cannot stat %s/%s: %s", what, path, walked, c,
				 strerror(-ret));
			close(nfd);
			close(fd);
			return ret;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n;

			if (st.st_uid != 0 && st.st_uid != geteuid()) {
				snprintf(err, errlen, "refusing %s '%s': it goes through the symbolic link %s/%s, owned by uid %u (%s), neither root nor you, and a link another user planted can point anywhere; give the real path or remove the link",
					 what, path, walked, c, (unsigned)st.st_uid, uid_name(st.st_uid));
				close(nfd);
				close(fd);
				return -EPERM;
			}
			n = readlinkat(nfd, "", target, sizeof(target) - 1);
			close(nfd);
			if (n < 0 || ++links > SAFEPATH_MAX_LINKS ||
			    (size_t)n + 1 + strlen(todo + pos) >= sizeof(todo)) {
				ret = n < 0 ? -errno : -ELOOP;
				snprintf(err, errlen, "%s '%s': cannot follow %s/%s: %s", what, path, walked, c,
					 strerror(-ret));
				close(fd);
				return ret;
			}
			target[n] = '\0';
			/* The rest of the walk: the link's target, then what followed it. */
			{
				size_t rlen = strlen(todo + pos);

				/* Lengths checked above: target, '/', the rest, NUL fit. */
				memmove(todo + n + 1, todo + pos, rlen + 1);
				memcpy(todo, target, n);
				todo[n] = '/';
			}
			pos = 0;
			if (target[0] == '/') {
				close(fd);
				fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0) {
					ret = -errno;
					snprintf(err, errlen, "%s '%s': cannot open /: %s", what, path, strerror(-ret));
					return ret;
				}
				walked[0] = '\0';
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s '%s': %s/%s is not a directory", what, path, walked, c);
			close(nfd);
			close(fd);
			return -ENOTDIR;
		}
		close(fd);
		fd = nfd;
		wlen = strlen(walked);
		snprintf(walked + wlen, sizeof(walked) - wlen, "/%s", c);
	}
	*dirfd = fd;
	return 0;
}

int safepath_check(const char *path, const char *what, char *err, size_t errlen)
{
	int fd, ret;

	ret = chase(path, strlen(path), true, what, &fd, err, errlen);
	if (!ret)
		close(fd);
	return ret;
}

int safepath_open_parent(const char *path, const char *what, const char **base, char *err,
			 size_t errlen)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int fd, ret;

	*base = slash ? slash + 1 : path;
	/* "/name": the parent is the root; "name": the working directory. */
	if (slash == path) {
		ret = chase("/", 1, false, what, &fd, err, errlen);
	} else if (!slash) {
		ret = chase(".", 1, false, what, &fd, err, errlen);
	} else {
		ret = chase(path, len, false, what, &fd, err, errlen);
	}
	return ret ? ret : fd;
}
