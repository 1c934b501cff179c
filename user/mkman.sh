#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Write xskmap(8) and xskmap-COMMAND(8) into DIR from the binary's own
# tables (XSKMAP_HELP_FORMAT=man): the pages cannot disagree with --help.
#   user/mkman.sh XSKMAP_BINARY DIR
set -eu
bin=$1 dir=$2
mkdir -p "$dir"
XSKMAP_HELP_FORMAT=man "$bin" help >"$dir/xskmap.8.tmp"
mv "$dir/xskmap.8.tmp" "$dir/xskmap.8"
# The commands with a page are the ones xskmap(8) refers to.
for page in $(sed -n 's/^\.BR \(xskmap-[a-z]*\) (8).*/\1/p' "$dir/xskmap.8"); do
	XSKMAP_HELP_FORMAT=man "$bin" "${page#xskmap-}" --help >"$dir/$page.8.tmp"
	mv "$dir/$page.8.tmp" "$dir/$page.8"
done
