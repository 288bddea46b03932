#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks: checkpatch.pl --strict on every .c/.h of the
# project, kernel-doc on every source file of the module and its tools, a
# sparse (C=2) build against the Linux 6.1 debug kernel, a client built
# as if for PREEMPT_RT, which gusslab.h must refuse, and gusstat on a
# fixture (gusstat_test.sh).
# Last line: "N passed, N failed" (one per file checked by each of
# checkpatch and kernel-doc, plus sparse, the refusal and gusstat).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}
passed=0 failed=0

src=$("$here/kernel.sh" src 6.1) || { echo "0 passed, 1 failed"; exit 1; }
cd "$repo"
# checkpatch knows the kernel's sparse annotations by name, not ours: it
# reads each file with __gus (gusslab.h's address space, the same kind of
# annotation as __rcu) spelled __rcu, in a copy under the same path.
spelled=$(mktemp -d)
trap 'rm -rf "$spelled"' EXIT
for f in $(git ls-files --cached --others --exclude-standard '*.c' '*.h'); do
	ignore=""
	# The compat header is the one place that compares kernel versions.
	[ "$f" = include/gusslab_compat.h ] && ignore="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# The accessors name their pointer in typeof() and in the load, as
	# rcupdate.h's do: evaluated once at run time.
	[ "$f" = include/gusslab.h ] && ignore="--ignore MACRO_ARG_REUSE"
	mkdir -p "$spelled/$(dirname "$f")"
	sed 's/\b__gus\b/__rcu/g' "$f" >"$spelled/$f"
	# shellcheck disable=SC2086
	if out=$(cd "$spelled" && perl "$src/scripts/checkpatch.pl" --no-tree --strict --quiet \
			--show-types $ignore -f "$f" 2>&1) && [ -z "$out" ]; then
		passed=$((passed + 1))
	else
		echo "checkpatch: $f"
		echo "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done

# kernel-doc -none as a W=1 build of the kernel runs it on its own files
# (Kbuild skips it for external modules), on headers and tools too, with
# -v: the Return: and short-description checks as well.  -v also warns of
# "contents before sections", a description with no @argument line above
# it, which is well formed; later kernels dropped that check.
for f in $(git ls-files --cached --others --exclude-standard 'include/*.[ch]' \
		'slab/*.[ch]' 'gus/*.[ch]' 'kunit/*.[ch]' 'tools/*/*.c'); do
	out=$(perl "$src/scripts/kernel-doc" -none -v "$f" 2>&1 |
	      grep -v -e ': info: Scanning doc for' -e ': warning: contents before sections$' \
		      -e '^[0-9]* warnings\?$')
	if [ -z "$out" ]; then
		passed=$((passed + 1))
	else
		echo "kernel-doc: $f"
		echo "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done

kdir=$("$here/kernel.sh" build 6.1 debug) || { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
work=${GUSSLAB_WORK:-$cache/work}/sparse
mkdir -p "$work"
# By content, not by time stamp: see run.sh.
rsync -rlpc --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	Kbuild Makefile dkms.conf gusslab.mk include gus slab kunit tools "$work/"
if make -C "$kdir" M="$work" C=2 CHECK=sparse modules >"$work.log" 2>&1 &&
   ! grep -E 'warning:|error:' "$work.log"; then
	passed=$((passed + 1))
else
	echo "sparse: the C=2 build reports problems:"
	grep -E 'warning:|error:' "$work.log" | sed 's/^/    /'
	failed=$((failed + 1))
fi
# gusslab.h refuses PREEMPT_RT (gus/gus.c, "What is not supported"): a
# client built with CONFIG_PREEMPT_RT must fail with that message.
probe=$work-rt
mkdir -p "$probe"
printf '#include <gusslab.h>\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >"$probe/probe.c"
printf 'ccflags-y += -I%s/include\nobj-m += probe.o\n' "$repo" >"$probe/Kbuild"
if ! make -C "$kdir" M="$probe" KCFLAGS=-DCONFIG_PREEMPT_RT modules >"$probe.log" 2>&1 &&
   grep -q 'gusslab does not support PREEMPT_RT' "$probe.log"; then
	passed=$((passed + 1))
else
	echo "PREEMPT_RT: a client built with CONFIG_PREEMPT_RT was not refused:"
	tail -n 5 "$probe.log" | sed 's/^/    /'
	failed=$((failed + 1))
fi
# gusstat, offline: every view and --json on a fixture.
if out=$("$here/gusstat_test.sh" 2>&1); then
	passed=$((passed + 1))
else
	echo "gusstat: tools/testing/gusstat_test.sh fails:"
	echo "$out" | sed 's/^/    /'
	failed=$((failed + 1))
fi
echo "lint: checkpatch on every .c/.h, kernel-doc, sparse on the module, the PREEMPT_RT refusal, gusstat"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
