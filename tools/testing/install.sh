#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gusslab installed as a user installs it, for Debian's kernel, into a
# scratch root rather than the machine's own /lib/modules and /usr/src
# (run.sh --mode distro boots that kernel with the root's module tree):
#
#   tools/testing/install.sh WORKDIR KDIR [MODULES]
#
# MODULES is the kernel's own module tree (default /lib/modules/RELEASE),
# for its modules.order and modules.builtin.
#
#   1. DKMS: "make dkms-source" into WORKDIR/root/usr/src, then dkms add,
#      build and install with --sourcetree, --dkmstree and --installtree
#      pointing into WORKDIR; depmod -b WORKDIR/root.
#   2. make install DESTDIR=WORKDIR/destdir from a copy of that source,
#      then (step 4) make uninstall, which must leave no file behind.
#   3. The example client (tools/example/example.c alone, with a Kbuild
#      that includes the installed gusslab.mk) built with W=1 against each
#      installed copy, headers and Module.symvers only; the DKMS one is
#      installed into WORKDIR/root/lib/modules/KVER/extra, depmod again.
#   4. dkms remove (module and symvers gone; the module tree for the boot
#      is kept aside first) and make uninstall.
#
# Prints what it did; the last line is "install: ok" or the exit status
# is non-zero.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$1 kdir=$2 kmods=${3:-}

die() { echo "install.sh: $*" >&2; exit 1; }

version=$(make -s --no-print-directory -C "$repo" version)
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")
[ -n "$version" ] && [ -n "$kver" ] || die "no version in dkms.conf or no release in $kdir"
kmods=${kmods:-/lib/modules/$kver}
root=$work/root
rm -rf "$work"
mkdir -p "$work/dkms" "$root/lib/modules/$kver"
# depmod reads these from the kernel's own module tree.
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$kmods/$f" ] && cp "$kmods/$f" "$root/lib/modules/$kver/"
done

# 1. DKMS
make -s -C "$repo" dkms-source DESTDIR="$root"
dkms=(dkms --sourcetree "$root/usr/src" --dkmstree "$work/dkms"
      --installtree "$root/lib/modules" --kernelsourcedir "$kdir")
"${dkms[@]}" add -m gusslab -v "$version" >"$work/dkms.log" 2>&1 &&
"${dkms[@]}" build -m gusslab -v "$version" -k "$kver" >>"$work/dkms.log" 2>&1 &&
"${dkms[@]}" install -m gusslab -v "$version" -k "$kver" --no-depmod >>"$work/dkms.log" 2>&1 ||
	{ cat "$work/dkms.log"; cat "$work"/dkms/gusslab/"$version"/build/make.log 2>/dev/null
	  die "dkms failed"; }
"${dkms[@]}" status -m gusslab | grep -q "$kver.*installed" || die "dkms status: not installed"
# A kernel that compresses its modules gets gusslab.ko.xz (or .zst, .gz).
installed() {	# DIR: the one gusslab.ko* in it
	ls "$1"/gusslab.ko* 2>/dev/null | head -n 1
}
ko=$(installed "$root/lib/modules/$kver/updates/dkms")
[ -n "$ko" ] || die "dkms installed no gusslab.ko in /lib/modules/$kver/updates/dkms"
[ "$(modinfo -F version "$ko")" = "$version" ] ||
	die "gusslab.ko says version '$(modinfo -F version "$ko")', dkms.conf $version"
[ -f "$root/usr/src/gusslab-$version/symvers/$kver/Module.symvers" ] ||
	die "dkms's POST_BUILD left no Module.symvers for client modules"
depmod -b "$root" "$kver" 2>/dev/null
echo "install: dkms built and installed gusslab $version for $kver: ${ko#"$root"}"

# 2. make install / make uninstall, from a copy of the installed source
cp -r "$root/usr/src/gusslab-$version" "$work/src"
dest=$work/destdir
make -s -C "$work/src" install KDIR="$kdir" DESTDIR="$dest" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; die "make install failed"; }
[ -n "$(installed "$dest/lib/modules/$kver/updates")" ] ||
	die "make install did not install /lib/modules/$kver/updates/gusslab.ko"
for f in lib/modules/$kver/modules.dep \
	 usr/src/gusslab-$version/include/gusslab.h usr/src/gusslab-$version/gusslab.mk \
	 usr/src/gusslab-$version/symvers/$kver/Module.symvers; do
	[ -f "$dest/$f" ] || die "make install did not install /$f"
done
grep -Eq '^updates/gusslab\.ko(\.[a-z]+)?:' "$dest/lib/modules/$kver/modules.dep" ||
	die "make install: gusslab.ko is not in modules.dep"
echo "install: make install DESTDIR=: $(cd "$dest" && find . -type f ! -name 'modules.*' | sort | tr '\n' ' ')"

# 3. the example client, against each installed copy
client() {	# NAME GUSSLAB_DIR
	local dir=$work/client-$1
	mkdir -p "$dir"
	cp "$repo/tools/example/example.c" "$dir/"
	cat >"$dir/Kbuild" <<-EOF
	include $2/gusslab.mk
	obj-m += gusslab_example.o
	gusslab_example-y := example.o
	EOF
	make -C "$kdir" M="$dir" W=1 modules >"$dir/build.log" 2>&1 ||
		{ cat "$dir/build.log"; die "the client does not build against $2"; }
	! grep -E 'warning:|error:' "$dir/build.log" || die "the client build has warnings"
	[ "$(modinfo -F depends "$dir/gusslab_example.ko")" = gusslab ] ||
		die "the client does not depend on gusslab"
	echo "install: the example client built with W=1 against ${2#"$work"/}/gusslab.mk"
}
client destdir "$dest/usr/src/gusslab-$version"
# Nothing of the source tree is in the make-install copy.
[ ! -e "$dest/usr/src/gusslab-$version/slab" ] || die "make install copied the source"
client dkms "$root/usr/src/gusslab-$version"
mkdir -p "$root/lib/modules/$kver/extra"
cp "$work/client-dkms/gusslab_example.ko" "$root/lib/modules/$kver/extra/"
depmod -b "$root" "$kver" 2>/dev/null
grep -Eq '^extra/gusslab_example\.ko: updates/dkms/gusslab\.ko(\.[a-z]+)?$' \
	"$root/lib/modules/$kver/modules.dep" ||
	die "modules.dep does not have the client depend on gusslab"

# dkms remove: the module and the symvers go, the source stays.
cp -r "$root/lib/modules/$kver" "$work/modules-installed"
"${dkms[@]}" remove -m gusslab -v "$version" --all --no-depmod >>"$work/dkms.log" 2>&1 ||
	{ cat "$work/dkms.log"; die "dkms remove failed"; }
[ -z "$(installed "$root/lib/modules/$kver/updates/dkms")" ] || die "dkms remove left $ko"
[ ! -e "$root/usr/src/gusslab-$version/symvers" ] || die "dkms remove left the symvers"
rm -rf "$root/lib/modules/$kver"
mv "$work/modules-installed" "$root/lib/modules/$kver"
echo "install: dkms remove took the module and its symvers away"

make -s -C "$work/src" uninstall KDIR="$kdir" DESTDIR="$dest" >>"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; die "make uninstall failed"; }
left=$(cd "$dest" && find . -type f ! -name 'modules.*')
[ -z "$left" ] || die "make uninstall left $left"
echo "install: make uninstall removed them all"
echo "install: ok"
