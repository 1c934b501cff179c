#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Set up (install, build) and run every test: unit, BPF_PROG_TEST_RUN and
# end-to-end over veth pairs in namespaces the tests create. Needs root.
set -euo pipefail
cd "$(dirname "$0")"
.ci/setup
cd build
ctest --output-on-failure "$@"
