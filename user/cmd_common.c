// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What `run` and `gen` both do before and around their threads. */
#include <net/if.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "iface.h"
#include "log.h"
#include "privs.h"
#include "util.h"

int cmd_check_iface(const char *ifname, int *ifindex, bool loads_prog)
{
	char caps[128], setcap[320];

	if (check_caps(caps, sizeof(caps), loads_prog)) {
		privs_setcap_line(setcap, sizeof(setcap));
		pr_err("missing %s: run as root, or grant them with '%s'\n", caps, setcap);
		return EXIT_FAIL;
	}
	*ifindex = if_nametoindex(ifname);
	if (!*ifindex) {
		pr_err("interface '%s' does not exist: check the name with 'ip link show'\n", ifname);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_drop_privs(void)
{
	char err[256];

	if (privs_drop_all(err, sizeof(err))) {
		pr_err("%s: stopping rather than running with them\n", err);
		return EXIT_FAIL;
	}
	pr_debug("setup done: every capability dropped (effective, permitted, inheritable, ambient), no_new_privs set\n");
	return EXIT_OK;
}

int cmd_check_json_stdout(bool json, const char *example)
{
	if (!json || fd_writable(STDOUT_FILENO))
		return EXIT_OK;
	pr_err("--json: stdout is closed, so the summary would be lost: redirect it ('--json > %s') or leave out --json\n",
	       example);
	return EXIT_FAIL;
}

void cmd_stop_signals(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed reader or a file size limit is a write error we report, not a death. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

__s64 cmd_wall_offset_ns(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((__s64)real.tv_sec - mono.tv_sec) * 1000000000LL + ((__s64)real.tv_nsec - mono.tv_nsec);
}
