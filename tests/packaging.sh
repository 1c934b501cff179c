#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What a Debian user gets: `cmake --install` and `cpack -G DEB` put the
# binary, the object, the headers and pkg-config file, the man pages and the
# bash completion where they belong, and each works: the pages render without
# warnings and carry every option of --help, a program builds against the
# headers through pkg-config, the completion completes, the .deb's binary
# runs and its Depends name the libraries.
#   tests/packaging.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/xskmap-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "packaging: FAIL: $*" >&2; exit 1; }
n=0
ok() { n=$((n + 1)); echo "packaging: ok: $*"; }

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr >/dev/null
root=$tmp/root/usr
for f in sbin/xskmap lib/bpf/xsk_redirect.bpf.o include/xskmap/xsk_redirect.h include/xskmap/rules.h \
	lib/pkgconfig/xskmap.pc share/man/man8/xskmap.8 share/bash-completion/completions/xskmap \
	share/doc/xskmap/LICENSE share/doc/xskmap/GPL-2.0-only.txt share/doc/xskmap/BSD-2-Clause.txt; do
	[ -s "$root/$f" ] || fail "cmake --install did not install /usr/$f"
done
ok "cmake --install: binary, object, headers, .pc, man pages, completion, licences"

bin=$root/sbin/xskmap
cmds=$("$bin" help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || fail "xskmap help lists no commands"
for c in $cmds; do
	case $c in help | version) continue ;; esac
	page=$root/share/man/man8/xskmap-$c.8
	[ -s "$page" ] || fail "no man page for 'xskmap $c' (xskmap-$c.8)"
	warn=$(groff -man -ww -z "$page" 2>&1) || fail "groff failed on xskmap-$c.8: $warn"
	[ -z "$warn" ] || fail "groff warns on xskmap-$c.8: $warn"
	text=$(MANWIDTH=200 groff -man -Tutf8 -P-cbou "$page" 2>/dev/null | sed 's/\xe2\x80\x90/-/g')
	for o in $("$bin" "$c" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | tr -d ' ,' | sort -u); do
		grep -qF -- "$o" <<<"$text" || fail "xskmap-$c.8 lacks $o, which 'xskmap $c --help' lists"
	done
	grep -q "^NAME" <<<"$text" && grep -q "^SYNOPSIS" <<<"$text" && grep -q "^OPTIONS" <<<"$text" ||
		fail "xskmap-$c.8 lacks NAME, SYNOPSIS or OPTIONS"
done
ok "a man page per command, no groff warnings, every --help option in it"

cat >"$tmp/user.c" <<'C'
#include <stdio.h>
#include <linux/types.h>
#include <xskmap/xsk_redirect.h>
#include <xskmap/rules.h>
int main(void)
{
	struct xsk_rule r = { .id = 1 };
	printf("%d %d %zu\n", XSK_MAX_RULES, XSK_STAT_MAX, sizeof(r) > 0 ? sizeof(struct xsk_stat) : 0);
	return 0;
}
C
export PKG_CONFIG_PATH=$root/lib/pkgconfig
cflags=$(pkg-config --cflags xskmap) || fail "pkg-config does not find the installed xskmap.pc"
obj=$(pkg-config --variable=bpfobject xskmap)
[ -s "$obj" ] || fail "pkg-config's bpfobject '$obj' is not the installed object"
cc $cflags -o "$tmp/user" "$tmp/user.c" || fail "a program including <xskmap/...> does not build with pkg-config --cflags"
[ "$("$tmp/user")" = "64 6 16" ] || fail "the installed headers give other values: $("$tmp/user")"
ok "pkg-config --cflags builds against the headers; bpfobject is the installed object"

complete_words() { # WORDS...: what the completion offers for the last word
	PATH=$root/sbin:$PATH bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_xskmap; printf "%s\n" "${COMPREPLY[@]}"' _ "$root/share/bash-completion/completions/xskmap" "$@"
}
[ "$(complete_words xskmap r | sort | tr '\n' ' ')" = "rules run " ] || fail "xskmap r<TAB>: $(complete_words xskmap r)"
complete_words xskmap run --ac | grep -qx -- --action || fail "xskmap run --ac<TAB> does not give --action"
[ "$(complete_words xskmap run --action "" | tr '\n' ' ')" = "count drop fwd " ] || fail "--action <TAB>: $(complete_words xskmap run --action "")"
complete_words xskmap gen --en | grep -qx -- --engine || fail "xskmap gen --en<TAB> does not give --engine"
complete_words xskmap run "" | grep -qx lo || fail "xskmap run <TAB> does not offer the interfaces (lo)"
[ "$(complete_words xskmap rules lo "" | tr '\n' ' ')" = "list add del default " ] || fail "xskmap rules lo <TAB>: $(complete_words xskmap rules lo "")"
ok "bash completion: commands, options from --help, values, interfaces, rules' subcommands"

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" >/dev/null) || fail "cpack -G DEB failed"
deb=$(ls "$tmp"/_CPack_Packages/*/DEB/*.deb 2>/dev/null || ls "$tmp"/*.deb)
[ -f "$deb" ] || fail "cpack -G DEB made no .deb"
deps=$(dpkg-deb -f "$deb" Depends)
for d in libbpf1 libxdp1 libjson-c5 libc6; do
	grep -q "$d" <<<"$deps" || fail "the .deb's Depends lacks $d: $deps"
done
dpkg-deb -x "$deb" "$tmp/deb"
[ -s "$tmp/deb/usr/share/man/man8/xskmap-run.8" ] || fail "the .deb lacks the man pages"
"$tmp/deb/usr/sbin/xskmap" --version | grep -q "^xskmap " || fail "the .deb's xskmap does not run"
ok "cpack -G DEB: Depends on $deps; its xskmap runs"
echo "packaging: $n checks passed"
