/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Messages: errors and warnings always, libbpf/libxdp chatter only with -v. */
#ifndef XSKMAP_LOG_H
#define XSKMAP_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

enum log_level { LOG_WARN = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

void log_init(int verbose);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)	log_msg(LOG_WARN, "xskmap: error: " __VA_ARGS__)
#define pr_warn(...)	log_msg(LOG_WARN, "xskmap: warning: " __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_INFO, "xskmap: " __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_DEBUG, "xskmap: " __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
