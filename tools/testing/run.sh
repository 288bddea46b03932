#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a test kernel in QEMU with gusslab's modules and judges the run.
#
#   tools/testing/run.sh [--kernel 6.1|6.12|7.3] [--flavour debug|kcsan|perf]
#                        [--mode kunit|demo|distro|bench|stress] [--smp N] [--mem SIZE]
#                        [--timeout SECONDS] [--append "KERNEL ARGS"] [--verbose]
#                        [--stress SECONDS] [--stress-args "PARAMS"]
#
# kunit   load gusslab.ko and gusslab_test.ko (the suites run at load),
#         unload both; KTAP is parsed with the tree's kunit.py.  With
#         --stress SECONDS, the stress run below follows in the same boot.
# demo    load gusslab.ko and the example client, show debugfs.
# distro  build against Debian's linux-headers-amd64 with W=1 (no warning
#         allowed), boot Debian's own linux-image-amd64, load, check
#         /sys/kernel/debug/gusslab, unload.
# bench   load gusslab.ko and gusslab_bench.ko (perf flavour only).
# stress  load gusslab.ko and gusslab_stress.ko duration=SECONDS (--stress,
#         default 60) plus --stress-args (e.g. "debug=0x7c threads=8"); the
#         module runs at load and fails it on any violation.  Its summary
#         line counts as one pass or one failure.
#
# Any BUG/WARNING/Oops/KASAN/KCSAN/lockdep report, a failed insmod/rmmod,
# a build warning or a timeout fails the run.  The last line is
# "N passed, N failed"; the exit status is non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}

kernel=6.1 flavour=debug mode=kunit smp=4 mem=2G timeout=900 boot_limit=180 append="" verbose=0
stress="" stress_args="" timeout_set=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--flavour) flavour=$2; shift ;;
	--mode) mode=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--timeout) timeout=$2; timeout_set=1; shift ;;
	--stress) stress=$2; shift ;;
	--stress-args) stress_args=$2; shift ;;
	--append) append=$2; shift ;;
	--verbose) verbose=1 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

fail() { echo "run.sh: $*"; echo "0 passed, 1 failed"; exit 1; }

[ "$mode" = stress ] && stress=${stress:-60}
case $stress in
"") ;;
*[!0-9]*) fail "--stress takes a number of seconds, not '$stress'" ;;
*) case $mode in
   kunit|stress) ;;
   *) fail "--stress goes with --mode kunit or stress" ;;
   esac
   # The guest spends the duration in insmod: the timeout grows with it.
   [ $timeout_set = 1 ] || timeout=$((timeout + stress)) ;;
esac

# --- the kernel and the tree to build against --------------------------
if [ "$mode" = distro ]; then
	hdr=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/.*\(linux-headers-[^ ,]*-amd64\).*/\1/p')
	[ -n "$hdr" ] || fail "linux-headers-amd64 is not installed"
	kver=${hdr#linux-headers-}
	kdir=/usr/src/$hdr
	bzimage=/boot/vmlinuz-$kver
	[ -f "$bzimage" ] || fail "$bzimage missing (apt-get install linux-image-$kver)"
	tag=distro-$kver
	tree=""
else
	kdir=$("$here/kernel.sh" build "$kernel" "$flavour") || fail "kernel build failed"
	bzimage=$kdir/arch/x86/boot/bzImage
	tree=$("$here/kernel.sh" src "$kernel")
	tag=$kernel-$flavour
fi
# GUSSLAB_WORK: another scratch directory, for a second run alongside.
work=${GUSSLAB_WORK:-$cache/work/$tag}
mkdir -p "$work"

# --- the modules, built out of the repository --------------------------
mkdir -p "$work/src"
# By content, not by time stamp (-c, no -t): a copy that changed gets a new
# mtime, so make rebuilds it even when another checkout built here last.
rsync -rlpc --delete --exclude /tools/gusstat/gusstat \
	--exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	"$repo/Kbuild" "$repo/Makefile" "$repo/include" "$repo/gus" "$repo/slab" \
	"$repo/kunit" "$repo/tools" "$work/src/"
if ! make -C "$kdir" M="$work/src" W=1 modules >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	fail "module build failed against $kdir"
fi
if grep -E 'warning:|error:' "$work/build.log"; then
	fail "the module build against $kdir has warnings (W=1)"
fi
if ! make -C "$work/src" gusstat >"$work/gusstat.log" 2>&1 ||
   grep -E 'warning:|error:' "$work/gusstat.log"; then
	cat "$work/gusstat.log"
	fail "tools/gusstat does not build cleanly"
fi

# --- the initramfs -----------------------------------------------------
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/gusslab}
cp /bin/busybox "$root/bin/busybox"
cp "$work"/src/*.ko "$root/lib/gusslab/"
cp "$work/src/tools/gusstat/gusstat" "$root/bin/"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
cd /lib/gusslab
must() { "$@" || echo "GUSSLAB-FAIL: $* (exit $?)"; }
echo "GUSSLAB-START $(uname -r) on $(nproc) CPUs"
. /mode.sh
echo "GUSSLAB-DONE"
reboot -f
EOF
chmod +x "$root/init"
case $mode in
kunit)
	# 6.14+ runs a module's suites at load only with kunit.autorun.
	append="kunit.enable=1 kunit.autorun=1 $append"
	cat >"$root/mode.sh" <<-'EOF'
	must insmod gusslab.ko
	must insmod gusslab_test.ko
	rmmod gusslab 2>/dev/null && echo "GUSSLAB-FAIL: gusslab unloaded under a client"
	must rmmod gusslab_test
	# The tracepoints reach tracefs: trace the example client's work.
	ev=/sys/kernel/tracing/events/gusslab
	must sh -c "echo 1 > $ev/enable"
	must insmod gusslab_example.ko
	must sh -c "echo 0 > $ev/enable"
	for e in gus_alloc gus_free gus_mag_to_ring gus_advance gus_slab_grow; do
		grep -q " $e: " /sys/kernel/tracing/trace ||
			echo "GUSSLAB-FAIL: no $e event in the trace buffer"
	done
	# gusstat on what the example left: 8 records in use, an SMR cache.
	must sh -c "gusstat > /tmp/gusstat.out"
	cat /tmp/gusstat.out
	awk '$1 == "example" && $3 == 8 && $NF == "yes" { ok = 1 } END { exit !ok }' \
		/tmp/gusstat.out || echo "GUSSLAB-FAIL: gusstat: no example line with 8 in use"
	must sh -c "gusstat -s mem -r | grep -q '^example '"
	must sh -c "gusstat example | grep -q '^objects: 8 in use'"
	must sh -c "gusstat -d 1 -n 1 | grep -q '^example '"
	must rmmod gusslab_example
	must rmmod gusslab
	[ -e /sys/kernel/debug/gusslab ] && echo "GUSSLAB-FAIL: debugfs left behind"
	gusstat 2>&1 | grep -q "is gusslab.ko loaded" ||
		echo "GUSSLAB-FAIL: gusstat without gusslab gives no clear error"
	EOF
	;;
demo)
	cat >"$root/mode.sh" <<-'EOF'
	must insmod gusslab.ko
	must insmod gusslab_example.ko
	echo "--- gusstat:"
	must gusstat
	echo "--- gusstat example:"
	must gusstat example
	echo "--- /sys/kernel/debug/gusslab:"
	find /sys/kernel/debug/gusslab
	for f in $(find /sys/kernel/debug/gusslab -type f -perm -0400); do
		echo "--- $f:"; cat "$f"
	done
	rmmod gusslab 2>/dev/null && echo "GUSSLAB-FAIL: gusslab unloaded under a client"
	must rmmod gusslab_example
	must rmmod gusslab
	EOF
	;;
distro)
	cat >"$root/mode.sh" <<-'EOF'
	must insmod gusslab.ko
	if [ -d /sys/kernel/debug/gusslab ]; then
		echo "gusslab debugfs: present"
	else
		echo "GUSSLAB-FAIL: /sys/kernel/debug/gusslab is missing"
	fi
	must rmmod gusslab
	[ -d /sys/kernel/debug/gusslab ] && echo "GUSSLAB-FAIL: debugfs left behind"
	true
	EOF
	;;
bench)
	[ "$flavour" = perf ] || fail "benchmarks run on the perf flavour only"
	append="slab_nomerge $append"	# our SLUB caches stay our own
	cat >"$root/mode.sh" <<-'EOF'
	must insmod gusslab.ko
	must insmod gusslab_bench.ko
	must rmmod gusslab_bench
	must rmmod gusslab
	EOF
	;;
stress) : >"$root/mode.sh" ;;
*) fail "unknown mode $mode" ;;
esac
# gusslab_stress.ko, loaded alone or after the KUnit run; it prints its
# summary and fails the insmod on any violation.
if [ -n "$stress" ]; then
	cat >>"$root/mode.sh" <<-EOF
	echo "GUSSLAB-STRESS: insmod gusslab_stress.ko duration=$stress $stress_args"
	must insmod gusslab.ko
	if insmod gusslab_stress.ko duration=$stress $stress_args; then
		must rmmod gusslab_stress
	else
		echo "GUSSLAB-FAIL: insmod gusslab_stress.ko duration=$stress $stress_args (exit \$?)"
	fi
	must rmmod gusslab
	EOF
fi
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# --- boot ----------------------------------------------------------------
log=$work/console.log
: >"$log"
echo "run.sh: booting $tag, mode $mode, $smp vCPUs (console: $log)"
[ $verbose = 1 ] && { tail -f "$log" & tailpid=$!; }
# One boot.  Returns qemu's status, 124 on the overall timeout, or 125 when
# the kernel never reached our /init within $boot_limit seconds: under TCG
# a boot now and then stalls in early RCU self-tests, before any gusslab
# code has run (Documentation/testing.rst).
boot() {
	: >"$log"
	timeout "$timeout" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
		-smp "$smp" -m "$mem" -nodefaults -display none -no-reboot \
		-serial "file:$log" -kernel "$bzimage" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 oops=panic rcupdate.rcu_cpu_stall_timeout=60 $append" \
		</dev/null >"$work/qemu.log" 2>&1 &
	local pid=$! waited=0
	while kill -0 $pid 2>/dev/null; do
		if [ $waited -ge $boot_limit ] && ! grep -q GUSSLAB-START "$log"; then
			kill $pid
			wait $pid
			return 125
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait $pid
}
rc=0
boot || rc=$?
if [ $rc = 125 ]; then
	cp "$log" "$work/console.stalled.log"
	echo "run.sh: the kernel did not reach /init in $boot_limit s (before any gusslab code ran); its last lines:"
	tail -n 5 "$log" | sed 's/^/    /'
	echo "run.sh: booting again, once (the stalled console: $work/console.stalled.log)"
	rc=0
	boot || rc=$?
fi
[ $verbose = 1 ] && kill "$tailpid" 2>/dev/null
if [ $rc = 125 ]; then
	echo "FAIL: the kernel twice did not reach /init in $boot_limit s"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ $rc = 124 ]; then
	echo "FAIL: TIMEOUT: the guest did not finish in $timeout s; its last lines:"
	tail -n 30 "$log" | sed 's/^/    /'
	echo "0 passed, 1 failed"
	exit 1
fi
[ $rc = 0 ] || { cat "$work/qemu.log"; fail "qemu exited with $rc"; }

case $mode in
demo|bench) sed -n '/GUSSLAB-START/,/GUSSLAB-DONE/p' "$log" | tr -d '\r' ;;
esac
ktap_args=()
[ "$mode" = kunit ] && ktap_args+=(--expect-kunit)
if [ -n "$stress" ]; then
	ktap_args+=(--expect-stress)
	tr -d '\r' <"$log" | sed -n 's/^\[[ 0-9.]*\] //; /^gusslab_stress: /p'
fi
if [ "$mode" = kunit ]; then
	python3 "$here/ktap.py" "$log" "$tree" "${ktap_args[@]}"
else
	python3 "$here/ktap.py" "$log" "" "${ktap_args[@]}"
fi
