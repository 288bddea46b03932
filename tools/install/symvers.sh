#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS hooks: keep each kernel's Module.symvers of gusslab where client
# modules look for it, SRC/symvers/KERNELRELEASE/Module.symvers, SRC being
# the DKMS source tree (/usr/src/gusslab-VERSION): the place "make
# install" uses too, read by gusslab.mk.
#
#   symvers.sh KERNELRELEASE           POST_BUILD (run in DKMS's build copy)
#   symvers.sh --remove KERNELRELEASE  POST_REMOVE (run in the source tree)
set -eu
if [ "$1" = --remove ]; then
	rm -rf "symvers/$2"
	rmdir symvers 2>/dev/null || true
	exit 0
fi
src=$(readlink -f ../source)
mkdir -p "$src/symvers/$1"
cp Module.symvers "$src/symvers/$1/Module.symvers"
