#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# gusslab-dkms_VERSION_all.deb, an installable DKMS package, as Debian's
# own *-dkms packages are (dkms 3 no longer has "dkms mkdeb"): the source
# in /usr/src/gusslab-VERSION, a postinst that adds it to DKMS and builds
# and installs it for every kernel whose headers are installed (DKMS does
# the same for each kernel installed later), and a prerm that removes it.
#
#   tools/install/mkdeb.sh [OUTDIR]     (default: the current directory)
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd "${1:-.}" && pwd)
version=$(make -s --no-print-directory -C "$repo" version)
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT

make -s -C "$repo" dkms-source DESTDIR="$pkg"
mkdir -p "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: gusslab-dkms
Version: $version
Architecture: all
Section: kernel
Priority: optional
Depends: dkms (>= 3)
Maintainer: gusslab developers <gusslab@localhost>
Description: gusslab slab allocator with GUS safe memory reclamation (DKMS)
 A kernel module that gives other modules slab caches whose freed
 objects are reused only once no lock-free reader can still see them.
 Built by DKMS for every installed kernel that has its headers.
CONTROL
cat >"$pkg/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
[ "\$1" = configure ] || exit 0
dkms add -m gusslab -v $version 2>/dev/null || true
for build in /lib/modules/*/build; do
	[ -e "\$build" ] || continue
	kver=\$(basename "\$(dirname "\$build")")
	dkms install -m gusslab -v $version -k "\$kver" ||
		echo "gusslab-dkms: not built for \$kver (see /var/lib/dkms/gusslab)" >&2
done
POSTINST
cat >"$pkg/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
dkms remove -m gusslab -v $version --all 2>/dev/null || true
PRERM
chmod 755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/prerm"
dpkg-deb --root-owner-group --build "$pkg" "$out/gusslab-dkms_${version}_all.deb"
