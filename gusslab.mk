# SPDX-License-Identifier: GPL-2.0
#
# For a client module built against gusslab.  In the client's Kbuild:
#
#   include /usr/src/gusslab-VERSION/gusslab.mk
#   obj-m += my_client.o
#
# (or this file in a built gusslab source tree).  It adds gusslab's
# headers to the include path (#include <gusslab.h>) and, for modpost,
# the Module.symvers of gusslab as built for the kernel being built
# against: symvers/KERNELRELEASE/Module.symvers where "make install" or
# DKMS put it, else the Module.symvers of a source tree built in place.
gusslab_dir := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
gusslab_symvers := $(firstword $(wildcard \
	$(gusslab_dir)/symvers/$(KERNELRELEASE)/Module.symvers \
	$(gusslab_dir)/Module.symvers))

ifeq ($(gusslab_symvers),)
$(error gusslab is not built or installed for $(KERNELRELEASE) in $(gusslab_dir))
endif
ccflags-y += -I$(gusslab_dir)/include
KBUILD_EXTRA_SYMBOLS += $(gusslab_symvers)
