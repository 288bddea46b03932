# SPDX-License-Identifier: GPL-2.0
#
# make                 build gusslab.ko (and gusslab_test.ko if the kernel
#                      has KUnit) against KDIR, and tools/gusstat/gusstat
# make check           what a contributor runs before pushing
# make check-all       the whole matrix (what CI runs)
# make demo            boot a test kernel, load gusslab, show its debugfs
# make run KERNEL=6.12 FLAVOUR=kcsan   one KUnit run of your choice
# make bench [KERNEL=6.1]              the benchmarks, on the perf kernel
# make stress [KERNEL=6.1] [FLAVOUR=debug] [DURATION=60] [STRESS_ARGS="debug=0x7c"]
#                      boot a test kernel and run gusslab_stress.ko alone
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
# Variables: KDIR (kernel build tree), W=1, C=1 as for any kernel module.

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= 6.1
FLAVOUR ?= debug
DURATION ?= 60
STRESS_ARGS ?=
TYPES ?= gus gus-deferred gus-lazy
TORTURE_ARGS ?=
CASE ?= recursive

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

demo:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode demo

run:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode kunit

bench:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour perf --mode bench

stress:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode stress \
		--stress $(DURATION) --stress-args "$(STRESS_ARGS)"

torture:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode torture \
		--torture $(DURATION) --torture-types "$(TYPES)" --torture-args "$(TORTURE_ARGS)"

lockdep:
	tools/testing/deps.sh
	tools/testing/run.sh --kernel $(KERNEL) --flavour $(FLAVOUR) --mode lockdep \
		--lockdep-case $(CASE)

.PHONY: all modules gusstat clean check check-all demo run bench stress torture lockdep

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

.PHONY: census
