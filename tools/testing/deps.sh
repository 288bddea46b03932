#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs what building and testing gusslab needs from the machine's own
# Debian suites (Debian 12).  Kernel sources from the backports suites are
# fetched later by kernel.sh with a private apt configuration.
#
#   tools/testing/deps.sh        what building and the guests need
#   tools/testing/deps.sh docs   that, and Sphinx and Chromium for make docs
#   tools/testing/deps.sh arm64  that, and the arm64 cross compiler and QEMU
#                                (make check-arm64)
#   tools/testing/deps.sh plots  that, and gnuplot for the benchmarks' plots
set -euo pipefail

pkgs=(make gcc libc6-dev bc bison flex libelf-dev libssl-dev dwarves cpio xz-utils
      rsync kmod python3 perl busybox-static qemu-system-x86 sparse dkms debootstrap
      linux-source-6.1 linux-headers-amd64 linux-image-amd64
      debian-archive-keyring)
# make docs: Sphinx renders Documentation/, headless Chromium checks it.
case ${1:-} in
docs) pkgs+=(python3-sphinx chromium fonts-dejavu-core) ;;
arm64) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm) ;;
plots) pkgs+=(gnuplot-nox) ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
apt-get -q update
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"${missing[@]}"
