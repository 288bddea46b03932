#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds (or finds in the cache) a gusslab test kernel.
#
#   tools/testing/kernel.sh build VERSION FLAVOUR [ARCH]
#                                   build if needed, print dir
#   tools/testing/kernel.sh path  VERSION FLAVOUR [ARCH]
#                                   print dir, fail if not built
#   tools/testing/kernel.sh src   VERSION           print the source tree
#   tools/testing/kernel.sh distro VERSION          Debian's own kernel of
#                                                   VERSION: print "KDIR
#                                                   BZIMAGE MODULES" (see
#                                                   distro() below)
#   tools/testing/kernel.sh busybox ARCH            print a static busybox
#                                                   for ARCH's initramfs
#   tools/testing/kernel.sh in VERSION DIR... -- CMD
#                                   run CMD where modules for Debian's
#                                   VERSION kernel build: here, or for 7.3
#                                   in a Debian 13 chroot (see builder())
#                                   with each DIR bound at its own path
#
# VERSION is 6.1, 6.12 or 7.3 (Debian's linux-source-VERSION); FLAVOUR is
# debug, kcsan or perf (tools/testing/configs/FLAVOUR.config on top of
# common.config, applied to allnoconfig).  ARCH is x86_64 (the default) or
# arm64, cross-built with Debian's gcc-aarch64-linux-gnu; arm64.config
# comes last and turns off what common.config has for x86 only.
#
# Everything lives under $GUSSLAB_CACHE (default $XDG_CACHE_HOME/gusslab or
# ~/.cache/gusslab), outside the repository:
#
#   debs/                       source packages fetched from backports
#   apt/                        a private apt configuration for those
#   apt-arm64/, busybox-arm64/  another for Debian 12's arm64 packages,
#                               and the busybox-static fetched with it
#   src/VERSION-DEBVERSION/     unpacked kernel sources
#   kernels/VERSION-FLAVOUR[-arm64]-KEY/
#                               build trees, KEY hashing the fragments,
#                               the source package version and $recipe
#
# A build tree with a ".done" stamp is never rebuilt.  The system's apt
# configuration is never modified: packages outside the configured suites
# are fetched with a private configuration whose mirror is read from the
# machine's own sources.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}
jobs=${JOBS:-$(nproc)}

die() { echo "kernel.sh: $*" >&2; exit 1; }
log() { echo "kernel.sh: $*" >&2; }

# Debian suite that carries linux-source-VERSION ("" = the machine's own).
suite_of() {
	case $1 in
	6.1) echo "" ;;
	6.12) echo bookworm-backports ;;
	7.3) echo trixie-backports ;;
	*) die "unknown kernel version '$1' (known: 6.1 6.12 7.3)" ;;
	esac
}

# The Debian mirror the machine itself uses, from its apt sources.
debian_mirror() {
	local f uri=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ { u = $2 }
			   /^Suites:/ && / bookworm( |$)| trixie( |$)/ { print u; exit }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 ~ /^(bookworm|trixie)$/ { print $2; exit }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources*"
	echo "$uri"
}

# A private apt configuration in DIR: its sources.list from standard
# input, APTOPT set for apt-get and apt-cache (with any more -o options
# given after DIR), its lists updated at most once a day.
apt_config() {
	local d=$1
	shift
	mkdir -p "$d/lists/partial" "$d/archives/partial"
	cat >"$d/sources.list"
	APTOPT=(-o "Dir::Etc::SourceList=$d/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$d/lists"
		-o "Dir::Cache=$d"
		-o "APT::Sandbox::User=root" "$@")
	if [ ! -f "$d/.updated" ] || [ -n "$(find "$d/.updated" -mmin +1440)" ]; then
		apt-get "${APTOPT[@]}" -q update >&2
		touch "$d/.updated"
	fi
}

private_apt() {
	local mirror
	mirror=$(debian_mirror)
	apt_config "$cache/apt" <<-EOF
	deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main
	deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
	EOF
}

# A static busybox for ARCH's initramfs: the machine's own for x86_64;
# for arm64, Debian 12's arm64 busybox-static, fetched with an apt
# configuration of its own (the machine's mirror, arm64 only) and
# unpacked, never installed.
busybox() {
	local arch=$1 x=$cache/busybox-arm64 deb
	case $arch in
	x86_64) echo /bin/busybox; return ;;
	arm64) ;;
	*) die "unknown architecture '$arch' (known: x86_64 arm64)" ;;
	esac
	if [ ! -x "$x/bin/busybox" ]; then
		apt_config "$cache/apt-arm64" -o "APT::Architecture=arm64" \
			-o "APT::Architectures=arm64" <<<"deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) bookworm main"
		mkdir -p "$cache/debs"
		(cd "$cache/debs" && apt-get "${APTOPT[@]}" -q download busybox-static:arm64 >&2)
		deb=$(ls "$cache"/debs/busybox-static_*_arm64.deb | sort -V | tail -n 1)
		rm -rf "$x"
		dpkg-deb -x "$deb" "$x"
	fi
	echo "$x/bin/busybox"
}

# Prints "TARBALL DEBVERSION" for linux-source-VERSION, fetching it if needed.
source_tarball() {
	local ver=$1 pkg=linux-source-$1 suite deb
	suite=$(suite_of "$ver")
	if [ -z "$suite" ]; then
		if ! dpkg-query -W "$pkg" >/dev/null 2>&1; then
			[ "$(id -u)" = 0 ] || die "$pkg is not installed (apt-get install $pkg)"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2
		fi
		echo "/usr/src/$pkg.tar.xz $(dpkg-query -W -f='${Version}' "$pkg")"
		return
	fi
	mkdir -p "$cache/debs"
	deb=$(ls "$cache"/debs/"${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		private_apt
		(cd "$cache/debs" && apt-get "${APTOPT[@]}" -q download "$pkg" >&2)
		deb=$(ls "$cache"/debs/"${pkg}"_*.deb | sort -V | tail -n 1)
	fi
	local x=$cache/debs/${pkg}.x
	if [ ! -f "$x/usr/src/$pkg.tar.xz" ]; then
		rm -rf "$x"
		dpkg-deb -x "$deb" "$x"
	fi
	echo "$x/usr/src/$pkg.tar.xz $(dpkg-deb -f "$deb" Version)"
}

# Prints the unpacked source tree of VERSION.
source_tree() {
	local ver=$1 tarball debver dir
	read -r tarball debver < <(source_tarball "$ver")
	dir=$cache/src/$ver-$debver
	if [ ! -f "$dir/.done" ]; then
		log "unpacking $tarball"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.done"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

fragments() {
	local flavour=$1 arch=$2 f
	[ -f "$here/configs/$flavour.config" ] || die "unknown flavour '$flavour'"
	f="$here/configs/common.config $here/configs/$flavour.config"
	[ "$arch" = x86_64 ] || f+=" $here/configs/$arch.config"
	echo "$f"
}

# The kernel's make for ARCH: cross-compiled for arm64.
kmake() {
	local arch=$1
	shift
	case $arch in
	x86_64) make ARCH=x86_64 "$@" ;;
	arm64) make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "$@" ;;
	*) die "unknown architecture '$arch' (known: x86_64 arm64)" ;;
	esac
}

# Bump when the way kernels are built changes (not for comment edits).
recipe=1

# The cache key: fragments, source package version and recipe.
build_dir() {
	local ver=$1 flavour=$2 arch=$3 src key name=$1-$2
	src=$(source_tree "$ver")
	# shellcheck disable=SC2046
	key=$( (cat $(fragments "$flavour" "$arch"); basename "$src"; echo "$recipe") |
		sha256sum | cut -c1-12)
	[ "$arch" = x86_64 ] || name+=-$arch
	echo "$cache/kernels/$name-$key"
}

# Every option the fragments set must survive olddefconfig: a dropped
# option (a dependency missing on this version) fails the build here, not
# silently in a test run.  A later fragment's line (=value or "is not
# set") overrides an earlier one, as in the kernel's own merge.
check_config() {
	local out=$1 flavour=$2 arch=$3 line missing=0
	# shellcheck disable=SC2046
	while read -r line; do
		grep -qx "$line" "$out/.config" && continue
		log "option lost on this kernel: $line"
		missing=1
	done < <(awk '/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); v[s] = $0; o[++n] = s }
		      /^# CONFIG_[A-Za-z0-9_]+ is not set/ { v[$2] = "" }
		      END { for (i = 1; i <= n; i++) if (v[o[i]] != "" && !p[o[i]]++) print v[o[i]] }' \
		      $(fragments "$flavour" "$arch"))
	return $missing
}

build() {
	local ver=$1 flavour=$2 arch=$3 src out
	src=$(source_tree "$ver")
	out=$(build_dir "$ver" "$flavour" "$arch")
	if [ -f "$out/.done" ]; then
		echo "$out"
		return
	fi
	log "building Linux $ver ($flavour, $arch) in $out"
	rm -rf "$out"
	mkdir -p "$out"
	# shellcheck disable=SC2046
	cat $(fragments "$flavour" "$arch") >"$out/fragment.config"
	kmake "$arch" -s -C "$src" O="$out" \
		KCONFIG_ALLCONFIG="$out/fragment.config" allnoconfig >&2
	check_config "$out" "$flavour" "$arch" ||
		die "config check failed for $ver $flavour $arch"
	kmake "$arch" -s -C "$src" O="$out" -j"$jobs" >&2
	touch "$out/.done"
	echo "$out"
}

# Debian's own kernel of VERSION, for the distro check: 6.1 is the
# machine's (deps.sh installs linux-image-amd64 and linux-headers-amd64);
# 6.12 and 7.3 are the backports suites' linux-image-amd64 and
# linux-headers-amd64, fetched with the private apt configuration and
# unpacked under $cache/distro, never installed.  The headers' Makefile
# names its -common tree by absolute path: pointed into the unpacked root.
# Prints the headers tree, the kernel image and the kernel's module tree.
distro() {
	local ver=$1 suite debver rel root pkgs p deb
	suite=$(suite_of "$ver")
	if [ -z "$suite" ]; then
		rel=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
			sed -n 's/.*linux-headers-\([^ ,]*-amd64\).*/\1/p')
		[ -n "$rel" ] || die "linux-headers-amd64 is not installed"
		echo "/usr/src/linux-headers-$rel /boot/vmlinuz-$rel /lib/modules/$rel"
		return
	fi
	private_apt
	debver=$(apt-cache "${APTOPT[@]}" show "linux-headers-amd64" 2>/dev/null |
		awk -v s="$suite" '/^Version:/ { v = $2 } /^Depends:/ && v ~ (s == "bookworm-backports" ? "bpo12" : "bpo13") { print v; exit }')
	[ -n "$debver" ] || die "no linux-headers-amd64 in $suite"
	rel=$(apt-cache "${APTOPT[@]}" show "linux-headers-amd64=$debver" 2>/dev/null |
		sed -n 's/^Depends:.*linux-headers-\([^ ,]*-amd64\) .*/\1/p' | head -n 1)
	root=$cache/distro/$rel
	if [ ! -f "$root/.done" ]; then
		local krel=${rel%-amd64}
		# The image: a package of its own, or (7.x) in linux-binary-*.
		pkgs="linux-headers-$rel linux-headers-$krel-common linux-kbuild-$krel"
		if apt-cache "${APTOPT[@]}" show "linux-binary-$rel" >/dev/null 2>&1; then
			pkgs+=" linux-binary-$rel linux-modules-$rel"
		else
			pkgs+=" linux-image-$rel"
		fi
		log "fetching Debian's $rel: $pkgs"
		mkdir -p "$cache/debs/distro-$rel"
		(cd "$cache/debs/distro-$rel" && apt-get "${APTOPT[@]}" -q download $pkgs >&2)
		rm -rf "$root"
		mkdir -p "$root"
		for p in $pkgs; do
			deb=$(ls "$cache/debs/distro-$rel/${p}"_*.deb | head -n 1)
			dpkg-deb -x "$deb" "$root"
		done
		sed -i "s|/usr/src/|$root/usr/src/|g" \
			"$root/usr/src/linux-headers-$rel/Makefile"
		touch "$root/.done"
	fi
	# /boot and /lib/modules, or (7.x, merged /usr) /usr/lib/modules.
	local img mods=$root/lib/modules/$rel
	[ -d "$mods" ] || mods=$root/usr/lib/modules/$rel
	img=$(ls "$root/boot/vmlinuz-$rel" "$mods/vmlinuz" 2>/dev/null | head -n 1 || true)
	[ -n "$img" ] || die "no vmlinuz of $rel in $root"
	echo "$root/usr/src/linux-headers-$rel $img $mods"
}

# Debian's 7.3 kernel was built with gcc-14, and its configuration asks
# for options gcc-12 lacks (-fmin-function-alignment=16): its modules build
# only with Debian 13's compiler.  Its host tools (fixdep, modpost, objtool)
# run on Debian 12 as they are.  The chroot, made once with debootstrap
# from the machine's own mirror, has gcc-14, make, dkms and kmod; the
# headers tree, the repository and the work directory are bound into it at
# their own paths, /proc too (objtool reads it).
builder() {
	local root=$cache/trixie-root
	if [ ! -f "$root/.done" ]; then
		command -v debootstrap >/dev/null || die "debootstrap is not installed"
		log "making a Debian 13 chroot for Debian 7.3's modules in $root"
		# Never through a bind mount left by a run that was killed.
		! grep -q " $root/" /proc/mounts || die "$root has mounts: umount them first"
		rm -rf "$root"
		debootstrap --variant=minbase \
			--include=gcc-14,make,libc6-dev,libelf1t64,dwarves,kmod,dkms,rsync \
			trixie "$root" "$(debian_mirror)" >&2
		touch "$root/.done"
	fi
	echo "$root"
}

run_in() {
	local ver=$1 root d mounts=()
	shift
	local binds=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		binds+=("$(cd "$1" && pwd)")
		shift
	done
	shift
	if [ "$ver" != 7.3 ]; then
		"$@"
		return
	fi
	root=$(builder)
	binds+=("$cache/distro")
	for d in "${binds[@]}"; do
		mkdir -p "$root$d"
		mount --bind "$d" "$root$d"
		mounts=("$root$d" "${mounts[@]}")
	done
	mount -t proc proc "$root/proc"
	mounts=("$root/proc" "${mounts[@]}")
	local rc=0
	chroot "$root" env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" || rc=$?
	for d in "${mounts[@]}"; do
		umount -l "$d"	# lazily: a DKMS helper may linger a moment
	done
	return $rc
}

cmd=${1:-}
case $cmd in
build)
	[ $# = 3 ] || [ $# = 4 ] || die "usage: $0 build VERSION FLAVOUR [ARCH]"
	build "$2" "$3" "${4:-x86_64}"
	;;
path)
	[ $# = 3 ] || [ $# = 4 ] || die "usage: $0 path VERSION FLAVOUR [ARCH]"
	out=$(build_dir "$2" "$3" "${4:-x86_64}")
	[ -f "$out/.done" ] || die "Linux $2 ($3 ${4:-x86_64}) is not built: $0 build $2 $3 ${4:-}"
	echo "$out"
	;;
src) [ $# = 2 ] || die "usage: $0 src VERSION"; source_tree "$2" ;;
distro) [ $# = 2 ] || die "usage: $0 distro VERSION"; distro "$2" ;;
busybox) [ $# = 2 ] || die "usage: $0 busybox ARCH"; busybox "$2" ;;
in) [ $# -ge 4 ] || die "usage: $0 in VERSION DIR... -- CMD"; shift; run_in "$@" ;;
*) die "usage: $0 build|path|src|distro|in VERSION [FLAVOUR [ARCH]]" ;;
esac
