#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Set up (install, build) and run every test: unit, BPF_PROG_TEST_RUN and
# end-to-end over veth pairs in namespaces the tests create. Needs root.
#
#   ./check.sh [CTEST_ARGS...]                on this machine's kernel
#   ./check.sh --kernel 6.1 [TEST_BINARY...]  the same binaries under Debian
#                                             12's kernel in a qemu guest
#                                             (tests/vm/run)
set -euo pipefail
cd "$(dirname "$0")"
kernel=
if [ "${1:-}" = --kernel ]; then
	[ $# -ge 2 ] || { echo "usage: ./check.sh --kernel 6.1|LINUX-IMAGE.deb [TEST_BINARY...]" >&2; exit 2; }
	kernel=$2
	shift 2
fi
.ci/setup
if [ -n "$kernel" ]; then
	exec tests/vm/run "$kernel" "$@"
fi
cd build
ctest --output-on-failure "$@"
