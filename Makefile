# SPDX-License-Identifier: GPL-2.0
#
# make                 build gusslab.ko (and gusslab_test.ko if the kernel
#                      has KUnit) against KDIR, and tools/gusstat/gusstat
# make check           what a contributor runs before pushing
# make check-all       the whole matrix (what CI runs)
# make check-arm64     check-all's arm64 run alone: KUnit, stress and
#                      rcutorture on a cross-built arm64 kernel under TCG
# make demo            boot a test kernel, load gusslab and the example client,
#                      show its debugfs; then gusslab_smrhash.ko on every vCPU
# make run KERNEL=6.12 FLAVOUR=kcsan [ARCH=arm64]   one KUnit run of your choice
# make bench [KERNEL=6.1] [BENCH_ARGS="cases=clients"]
#                      the benchmarks, on the perf kernel, then the clients;
#                      then redraws Documentation/figures (tools/bench/plots.sh)
# make stress [KERNEL=6.1] [FLAVOUR=debug] [DURATION=60] [STRESS_ARGS="debug=0x7c"]
#                      boot a test kernel and run gusslab_stress.ko, then
#                      the clients (tools/rht, tools/smrhash) 5 s each
# make torture [KERNEL=6.1] [FLAVOUR=debug] [DURATION=60] [TYPES="gus gus-lazy"]
#              [TORTURE_ARGS="nreaders=6"]
#                      boot a test kernel and run the kernel's rcutorture on
#                      GUS domains (tools/rcutorture), each type DURATION s
#
# make lockdep [KERNEL=6.1] [FLAVOUR=debug] [CASE=recursive]
#                      boot a test kernel and run one gusslab_lockdep.ko case:
#                      recursive or abba (lockdep must report exactly that
#                      misuse of a GUS domain) or clean (it must say nothing)
#
# CLIENTS="rht smrhash" (bench, stress): the clients to run, "" for none;
# CLIENT_ARGS="broken=1": their parameters.
#
# make install         gusslab.ko into /lib/modules/KERNELRELEASE/updates
#                      (depmod: modprobe gusslab), and for client modules
#                      its headers, gusslab.mk and this kernel's
#                      Module.symvers into /usr/src/gusslab-VERSION
# make uninstall       removes what make install put there
# make dkms            the source into /usr/src/gusslab-VERSION, then dkms
#                      add and install (rebuilt on every kernel update)
# make deb             gusslab-dkms_VERSION_all.deb (tools/install/mkdeb.sh)
#
# Variables: KDIR (kernel build tree), W=1, C=1 as for any kernel module;
# DESTDIR (install, uninstall, dkms-source) a root to install under.

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= 6.1
FLAVOUR ?= debug
ARCH ?= x86_64
DURATION ?= 60
STRESS_ARGS ?=
TYPES ?= gus gus-deferred gus-lazy
TORTURE_ARGS ?=
CASE ?= recursive
BENCH_ARGS ?=
CLIENTS ?= rht smrhash
CLIENT_ARGS ?=

# The version is written once, in dkms.conf.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
# The release the kernel reports (uname -r; Debian's headers override
# include/config/kernel.release with it).
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h)
# Unsigned, unless KDIR holds the key that signed its kernel (Debian's
# headers do not; then modules_install would only print sign-file errors).
SIGN = $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)
SRCDIR = $(DESTDIR)/usr/src/gusslab-$(VERSION)
# What DKMS builds from (and make deb packs): the tree without its
# build products.
SOURCES := Kbuild Makefile dkms.conf gusslab.mk README.md include gus slab kunit tools

all: modules gusstat

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Static, so that it also runs in the test guests' busybox initramfs.
gusstat: tools/gusstat/gusstat

tools/gusstat/gusstat: tools/gusstat/gusstat.c
	$(CC) -O2 -Wall -Wextra -Wformat=2 -static -o $@ $<

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f tools/gusstat/gusstat

check:
	tools/testing/check.sh quick

check-all:
	tools/testing/check.sh all

check-arm64:
	tools/testing/check.sh arm64

demo:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode demo

run:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --arch $(ARCH) --mode kunit

bench:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour perf --mode bench \
		--bench-args "$(BENCH_ARGS)" --clients "$(CLIENTS)" --client-args "$(CLIENT_ARGS)"
	tools/bench/plots.sh $(KERNEL)

stress:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode stress \
		--stress $(DURATION) --stress-args "$(STRESS_ARGS)" \
		--clients "$(CLIENTS)" --client-args "$(CLIENT_ARGS)"

torture:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode torture \
		--torture $(DURATION) --torture-types "$(TYPES)" --torture-args "$(TORTURE_ARGS)"

lockdep:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode lockdep \
		--lockdep-case $(CASE)

.PHONY: all modules gusstat clean check check-all check-arm64 demo run bench stress torture lockdep

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) GUSSLAB_CORE=1 modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) GUSSLAB_CORE=1 INSTALL_MOD_DIR=updates $(SIGN) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -d $(SRCDIR)/include $(SRCDIR)/symvers/$(KVER)
	install -m 644 include/gusslab.h include/gusslab_compat.h $(SRCDIR)/include/
	install -m 644 gusslab.mk $(SRCDIR)/
	install -m 644 Module.symvers $(SRCDIR)/symvers/$(KVER)/

uninstall:
	@if [ -f $(SRCDIR)/dkms.conf ]; then \
		echo "$(SRCDIR) is a DKMS tree: dkms remove gusslab/$(VERSION) --all"; exit 1; fi
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/gusslab.ko* \
	      $(DESTDIR)/lib/modules/$(KVER)/updates/gusslab_test.ko*
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	rm -rf $(SRCDIR)/symvers/$(KVER)
	@if [ -z "$$(ls -A $(SRCDIR)/symvers 2>/dev/null)" ]; then \
		rm -rf $(SRCDIR); fi

dkms-source:
	rm -rf $(SRCDIR)
	mkdir -p $(SRCDIR)
	rsync -rlp --exclude /tools/gusstat/gusstat --exclude '*.o' --exclude '*.ko' \
		--exclude '*.mod' --exclude '*.mod.c' --exclude '.*' --exclude modules.order \
		--exclude Module.symvers $(SOURCES) $(SRCDIR)/

dkms: dkms-source
	dkms add gusslab/$(VERSION)
	dkms install gusslab/$(VERSION) -k $(KVER)

deb:
	tools/install/mkdeb.sh

# For scripts: the version, as dkms.conf has it.
version:
	@echo $(VERSION)

.PHONY: install uninstall dkms-source dkms deb version

# make docs            Documentation/ as HTML in Documentation/output/html,
#                      the API reference generated from the kernel-doc
#                      comments, checked in headless Chromium
#                      (tools/testing/docs.sh)
docs:
	tools/testing/deps.sh docs
	tools/testing/docs.sh

.PHONY: docs

# make census [KERNEL=7.3]   exact instruction counts per operation: the
#                      census plugin (tools/census) over two boots of the
#                      perf kernel, which must agree (tools/testing/census.sh)
census: KERNEL = 7.3
census:
	tools/testing/deps.sh
	tools/testing/census.sh --kernel $(KERNEL)
	tools/bench/plots.sh $(KERNEL)

.PHONY: census
