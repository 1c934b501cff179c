// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "iface.h"
#include "privs.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

void privs_setcap_line(char *buf, size_t len)
{
	char exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || memchr(exe, ' ', n))
		snprintf(exe, sizeof(exe), "$(command -v xskmap)");
	else
		exe[n] = '\0';
	snprintf(buf, len, "setcap cap_net_admin,cap_net_raw,cap_bpf,cap_perfmon,cap_ipc_lock+ep %s", exe);
}

int privs_check_memlock(__u64 umem_bytes, __u32 frames, __u32 frame_size, char *err,
			size_t errlen)
{
	struct rlimit rl;
	char setcap[320];
	__u64 fit;

	if (have_ipc_lock() || getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    umem_bytes <= rl.rlim_cur)
		return 0;
	/* The frames per UMEM that would fit, at this frame size and UMEM count. */
	fit = umem_bytes / frames ? rl.rlim_cur / (umem_bytes / frames) : 0;
	privs_setcap_line(setcap, sizeof(setcap));
	snprintf(err, errlen, "missing CAP_IPC_LOCK: without it the UMEM (%.1f MiB, --frames %u of %u bytes) counts against RLIMIT_MEMLOCK, %.1f MiB for this user (shared with every other UMEM of the user), and the kernel would refuse it: lower --frames (%llu fit), raise the limit ('ulimit -l', LimitMEMLOCK= in systemd), or grant CAP_IPC_LOCK ('%s')",
		 umem_bytes / 1048576.0, frames, frame_size, rl.rlim_cur / 1048576.0,
		 (unsigned long long)fit, setcap);
	return -1;
}

int privs_drop_all(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[2] = {}, now[2] = {};
	int e;

	/* EINVAL: a kernel before 4.3, which has no ambient set. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		e = errno;
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(e));
		return -e;
	}
	if (syscall(SYS_capset, &hdr, none)) {
		e = errno;
		snprintf(err, errlen, "cannot drop the capabilities (capset): %s", strerror(e));
		return -e;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		e = errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(e));
		return -e;
	}
	/* Read back: a kernel that kept one would be a silent failure of the promise. */
	if (syscall(SYS_capget, &hdr, now) || now[0].effective || now[1].effective ||
	    now[0].permitted || now[1].permitted) {
		snprintf(err, errlen, "capabilities remain after dropping them (CapEff %08x%08x)",
			 now[1].effective, now[0].effective);
		return -EPERM;
	}
	return 0;
}
