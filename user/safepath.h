/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Resolving a path the way systemd's chase() with CHASE_SAFE does: one
 * component at a time with openat(O_PATH | O_NOFOLLOW), refusing to follow
 * a symbolic link that belongs to neither root nor the caller. Such a link,
 * planted in a shared directory, could send a root process's file or pins
 * anywhere (fs.protected_symlinks guards only the last component, and only
 * where it is enabled).
 */
#ifndef XSKMAP_SAFEPATH_H
#define XSKMAP_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Walk path (absolute, or from the working directory) through the links it
 * meets; the walk ends at the first component that does not exist (made
 * later by the caller). what names the path in messages ("capture file",
 * "pin directory"). 0, or -errno with a one-line message in err.
 */
int safepath_check(const char *path, const char *what, char *err, size_t errlen);

/*
 * Resolve every directory of path but its last component and return an
 * O_PATH descriptor of the directory it names, for openat(fd, *base, ...):
 * what the check saw is what gets opened, so no link swapped in between
 * is followed. *base points into path. -errno with err set on failure; a
 * missing directory is -ENOENT with err set too.
 */
int safepath_open_parent(const char *path, const char *what, const char **base, char *err,
			 size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
