#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Regenerate vmlinux/vmlinux.h from the running kernel's BTF.
# The committed header is for x86_64; CO-RE relocates field accesses at load
# time, so one header serves kernels other than the one it came from.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -r "$btf" ] || { echo "regen.sh: $btf not readable: need a kernel with CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
[ -x "$bpftool" ] || { echo "regen.sh: bpftool not found: apt-get install bpftool" >&2; exit 1; }
out=$(dirname "$0")/vmlinux.h
"$bpftool" btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf"
