# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourced by tests/vm/run and tests/vm/deb-check, with $kernel_arg (6.1 or
# a linux-image-*.deb) and $cache set and the cache's lock held: fetches and
# unpacks the kernel package into the cache, once. Sets deb, kname, kdir
# (the unpacked tree), kver and vmlinuz.
case "$kernel_arg" in
*.deb)
	deb=$(realpath "$kernel_arg")
	[ -f "$deb" ] || die "$kernel_arg: no such file"
	;;
6.1)
	# The metapackage names bookworm's current 6.1 kernel; never the
	# host's version string, whatever it runs.
	meta=linux-image-cloud-amd64
	resolve() {
		apt-cache depends --important "$meta" 2>/dev/null |
			awk '/Depends: linux-image-6\.1\./ { print $2; exit }'
	}
	pkg=$(resolve)
	# A fresh machine may have no package lists yet.
	if [ -z "$pkg" ] && ! ls "$cache"/deb/linux-image-6.1.*.deb >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve)
	fi
	if [ -n "$pkg" ]; then
		ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
		deb="$cache/deb/${pkg}_${ver}_amd64.deb"
		if [ ! -s "$deb" ]; then
			echo "vm: downloading $pkg $ver"
			tmp=$(mktemp -d "$cache/deb/dl.XXXXXX")
			chmod 755 "$tmp"
			(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) ||
				{ rm -rf "$tmp"; die "apt-get download $pkg=$ver failed: run apt-get update (bookworm's main archive must be in the apt sources)"; }
			mv "$tmp"/*.deb "$deb"
			rm -rf "$tmp"
		fi
	else
		# Offline, or apt lists gone: the newest cached 6.1 kernel.
		deb=$(ls -1 "$cache"/deb/linux-image-6.1.*.deb 2>/dev/null | sort -V | tail -1 || true)
		[ -n "$deb" ] || die "apt knows no $meta depending on a 6.1 kernel: run apt-get update (Debian 12 bookworm sources needed)"
		echo "vm: apt cannot resolve $meta; using the cached $(basename "$deb")"
	fi
	;;
*)
	die "unknown kernel '$kernel_arg': 6.1 or the path of a linux-image-*.deb"
	;;
esac
kname=$(basename "$deb" .deb)
kdir="$cache/kernel/$kname"
if [ ! -f "$kdir/.done" ]; then
	rm -rf "$kdir"
	mkdir -p "$kdir"
	dpkg-deb -x "$deb" "$kdir"
	kver=$(ls "$kdir/lib/modules")
	depmod -b "$kdir" "$kver"
	touch "$kdir/.done"
fi
kver=$(ls "$kdir/lib/modules")
vmlinuz="$kdir/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || die "$deb holds no boot/vmlinuz-$kver"

