#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Benchmark: the XDP program's cost per frame for 0, 1, 16 and 64 rules,
# IPv4 and IPv6, through BPF_PROG_TEST_RUN. Prints figures; asserts nothing.
# Usage: tests/bench/rules.sh [REPEAT]   (as root, after ./check.sh or a build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/tests/bench_rules ] || cmake --build build --target bench_rules >/dev/null
exec build/tests/bench_rules "$@"
