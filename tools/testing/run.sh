#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a test kernel in QEMU with gusslab's modules and judges the run.
#
#   tools/testing/run.sh [--kernel 6.1|6.12|7.3] [--flavour debug|kcsan|perf]
#                        [--arch x86_64|arm64]
#                        [--mode kunit|demo|distro|bench|stress|torture|lockdep] [--smp N]
#                        [--mem SIZE] [--numa NODES] [--cpu MODEL] [--timeout SECONDS]
#                        [--append "KERNEL ARGS"]
#                        [--verbose] [--stress SECONDS] [--stress-args "PARAMS"]
#                        [--kmemleak] [--torture SECONDS] [--torture-types "TYPES"]
#                        [--torture-args "PARAMS"] [--lockdep-case recursive|abba|clean]
#                        [--bench-args "PARAMS"] [--clients "CLIENT ..."]
#                        [--client-args "PARAMS"]
#
# kunit   load gusslab.ko and gusslab_test.ko (the suites run at load),
#         unload both; KTAP is parsed with the tree's kunit.py.  With
#         --stress SECONDS, the stress run below follows in the same boot;
#         then, with --kmemleak, the kmemleak check, and with --torture
#         SECONDS, rcutorture, in that order.
# demo    load gusslab.ko and the example client, show debugfs; then
#         gusslab_smrhash.ko for 3 s on every vCPU, and show gusstat, its
#         domain's debugfs file and its counters.
# distro  build against Debian's linux-headers-amd64 with W=1 (no warning
#         allowed), boot Debian's own linux-image-amd64 (of --kernel: 6.1
#         the machine's, 6.12 and 7.3 the backports', kernel.sh distro;
#         7.3's modules build in a Debian 13 chroot, kernel.sh in), load,
#         check
#         /sys/kernel/debug/gusslab, unload; then gusslab as installed by
#         DKMS (tools/testing/install.sh, which also checks make install
#         and uninstall): modprobe gusslab, then the example client built
#         against the installed copy, gusstat on it, and modprobe -r,
#         which must unload both.
# bench   load gusslab.ko and gusslab_bench.ko (perf flavour only), with
#         --bench-args as its parameters (e.g. "cases=call"); then, unless
#         a cases= list leaves "clients" out, the clients: gusslab_rht.ko
#         with backend=gus, kfree_rcu, call_rcu, then call_rcu, kfree_rcu,
#         gus, and gusslab_smrhash.ko, 5 s each.  "cases=clients" alone
#         runs only the clients.
# stress  load gusslab.ko and gusslab_stress.ko duration=SECONDS (--stress,
#         default 60) plus --stress-args (e.g. "debug=0x7c threads=8"); the
#         module runs at load and fails it on any violation.  Its summary
#         line counts as one pass or one failure.  Then the clients, 5 s
#         each (also after --stress in kunit mode; see below).
# torture load gusslab.ko, the kernel's own torture.ko, and gus_rcutorture.ko
#         (tools/rcutorture/build.sh: the kernel's rcutorture.c with the GUS
#         torture types added) once per type in --torture-types (default
#         "gus gus-deferred gus-lazy"), each for --torture SECONDS (default
#         60) with CPU hotplug every second, plus --torture-args; unload.
#         Each type counts as one pass or one failure: its "End of test:
#         SUCCESS", and no "!!!", "Cookie check" or WARNING while it ran.
# lockdep load gusslab.ko and gusslab_lockdep.ko case=CASE (--lockdep-case,
#         default recursive; a kernel with PROVE_LOCKING: debug or kcsan),
#         unload.  recursive and abba misuse a GUS domain on purpose: the
#         run passes only if the console has exactly that lockdep report,
#         naming the domain (ktap.py --expect-lockdep); clean uses it
#         correctly and passes only if lockdep reports nothing.
#
# --kmemleak (debug flavour; adds kmemleak=on to the kernel arguments)
#         loads gusslab_kmemleak.ko, whose gusslab objects hold the only
#         pointers to kmalloc'd buffers, has kmemleak scan twice and counts
#         one failure if it lists any unreferenced object.
#
# The clients (--clients, default "rht smrhash"; "" for none) are the
# modules gusslab_CLIENT.ko: tools/rht (the kernel's rhashtable on a lazy
# domain) and tools/smrhash (a hash table on a default-mode domain).  Each
# runs at load with duration=5 plus --client-args (e.g. "broken=1") and
# ends with "gusslab_CLIENT: PASS ..." or "FAIL ..." (and a failed
# insmod): each such line counts as one pass or one failure (ktap.py
# --expect-clients).  A client whose module is not built is skipped.
#
# --arch arm64 cross-builds the kernel and the modules (kernel.sh) and
# boots qemu-system-aarch64 -M virt, -cpu max,pauth-impdef=on unless --cpu
# says otherwise (the cheaper pointer-authentication hash: TCG's QARMA is
# slow), console on the PL011; busybox and gusstat are arm64 binaries.
# Not with --mode distro (Debian's amd64 kernels).
#
# --numa N gives the guest N NUMA nodes as QEMU describes them to the
# kernel: each node a memory backend of --mem / N and --smp / N
# consecutive vCPUs, what a NUMA machine's firmware says.  arm64 reads them
# from the device tree; on x86 they are in ACPI's SRAT, which the test
# kernels do not read (no ACPI_NUMA: there numa=fake=2 splits one node,
# run on --cpu below).  numa=fake=N on arm64 leaves every CPU on node 0.
#
# --cpu is QEMU's -cpu (default max).  With numa=fake=N and no SRAT, x86
# puts each CPU of an AMD model (max is one under TCG) on its LLC's node,
# 0; "max,vendor=GenuineIntel" keeps NUMA emulation's round-robin: CPUs
# 0, 2, ... on node 0 and 1, 3, ... on node 1.
#
# Any BUG/WARNING/Oops/KASAN/KCSAN/lockdep report, a failed insmod/rmmod,
# a build warning or a timeout fails the run (in --mode lockdep, all but
# the reports its case provokes on purpose: ktap.py --expect-lockdep).  The last line is
# "N passed, N failed"; the exit status is non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}

kernel=6.1 flavour=debug arch=x86_64 mode=kunit smp=4 mem=2G numa="" cpu="" timeout=900 boot_limit=180 append="" verbose=0
stress="" stress_args="" timeout_set=0
torture="" torture_types="gus gus-deferred gus-lazy" torture_args="" kmemleak=0
lockdep_case=""
bench_args="" clients="rht smrhash" client_args=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--flavour) flavour=$2; shift ;;
	--arch) arch=$2; shift ;;
	--mode) mode=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--numa) numa=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--timeout) timeout=$2; timeout_set=1; shift ;;
	--stress) stress=$2; shift ;;
	--stress-args) stress_args=$2; shift ;;
	--append) append=$2; shift ;;
	--kmemleak) kmemleak=1 ;;
	--torture) torture=$2; shift ;;
	--torture-types) torture_types=$2; shift ;;
	--torture-args) torture_args=$2; shift ;;
	--lockdep-case) lockdep_case=$2; shift ;;
	--bench-args) bench_args=$2; shift ;;
	--clients) clients=$2; shift ;;
	--client-args) client_args=$2; shift ;;
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
   # The guest spends the duration in insmod: the timeout grows with it,
   # and with the clients' 5 s each.
   [ $timeout_set = 1 ] || timeout=$((timeout + stress + 60 * $(wc -w <<<"$clients"))) ;;
esac
[ "$mode" = torture ] && torture=${torture:-60}
case $torture in
"") ;;
*[!0-9]*) fail "--torture takes a number of seconds, not '$torture'" ;;
*) case $mode in
   kunit|torture) ;;
   *) fail "--torture goes with --mode kunit or torture" ;;
   esac
   [ -n "$torture_types" ] || fail "--torture-types is empty"
   # Each type runs for the duration, then stops within seconds.
   ntypes=$(wc -w <<<"$torture_types")
   [ $timeout_set = 1 ] || timeout=$((timeout + ntypes * (torture + 30))) ;;
esac
if [ "$mode" = lockdep ]; then
	lockdep_case=${lockdep_case:-recursive}
	case $lockdep_case in
	recursive|abba|clean) ;;
	*) fail "--lockdep-case is recursive, abba or clean, not '$lockdep_case'" ;;
	esac
	# A boot, two loads: a hang shows long before the default timeout.
	[ $timeout_set = 1 ] || timeout=300
elif [ -n "$lockdep_case" ]; then
	fail "--lockdep-case goes with --mode lockdep"
fi
if [ $kmemleak = 1 ]; then
	case $mode in
	kunit|stress) ;;
	*) fail "--kmemleak goes with --mode kunit or stress" ;;
	esac
	[ "$flavour" = debug ] || fail "--kmemleak needs the debug flavour (DEBUG_KMEMLEAK)"
	append="kmemleak=on $append"
	[ $timeout_set = 1 ] || timeout=$((timeout + 120))
fi

# --- the architecture ----------------------------------------------------
case $arch in
x86_64)
	qemu=(qemu-system-x86_64 -cpu "${cpu:-max}") console=ttyS0 image=arch/x86/boot/bzImage ;;
arm64)
	if [ "$mode" = distro ] || [ "$kernel" = distro ]; then
		fail "--arch arm64 does not go with Debian's amd64 kernels"
	fi
	qemu=(qemu-system-aarch64 -M virt -cpu "${cpu:-max,pauth-impdef=on}")
	console=ttyAMA0 image=arch/arm64/boot/Image
	# Every make below (the modules, gus_rcutorture) cross-builds.
	export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- ;;
*) fail "--arch is x86_64 or arm64, not '$arch'" ;;
esac

# --- NUMA nodes as the firmware describes them -------------------------
numa_args=()
if [ -n "$numa" ]; then
	case $mem in
	*G) mib=$((${mem%G} * 1024)) ;;
	*M) mib=${mem%M} ;;
	*) fail "--numa needs --mem in M or G, not '$mem'" ;;
	esac
	case $numa in
	""|*[!0-9]*|0|1) fail "--numa takes a number of nodes of 2 or more, not '$numa'" ;;
	esac
	[ $((smp % numa)) = 0 ] && [ $((mib % numa)) = 0 ] ||
		fail "--numa $numa does not divide $smp vCPUs and $mem evenly"
	for ((n = 0; n < numa; n++)); do
		numa_args+=(-object "memory-backend-ram,size=$((mib / numa))M,id=mem$n"
			    -numa "node,nodeid=$n,cpus=$((n * smp / numa))-$(((n + 1) * smp / numa - 1)),memdev=mem$n")
	done
fi

# --- the kernel and the tree to build against --------------------------
if [ "$mode" = distro ] || [ "$kernel" = distro ]; then
	# Debian's own kernel: 6.1 the machine's, 6.12 and 7.3 from backports.
	[ "$kernel" = distro ] && kernel=6.1
	debian=1		# $kernel is now the version of Debian's kernel
	read -r kdir bzimage kmods < <("$here/kernel.sh" distro "$kernel") ||
		fail "Debian's $kernel kernel could not be had"
	kver=$(basename "$kmods")
	[ -f "$bzimage" ] || fail "$bzimage missing (apt-get install linux-image-$kver)"
	tag=distro-$kver
	tree=""
else
	kdir=$("$here/kernel.sh" build "$kernel" "$flavour" "$arch") || fail "kernel build failed"
	bzimage=$kdir/$image
	tree=$("$here/kernel.sh" src "$kernel")
	tag=$kernel-$flavour
	[ "$arch" = x86_64 ] || tag+=-$arch
fi
if [ "$mode" = lockdep ] && ! grep -q '^CONFIG_PROVE_LOCKING=y' "$kdir/.config"; then
	fail "--mode lockdep needs a kernel with CONFIG_PROVE_LOCKING (debug or kcsan flavour)"
fi
# --kernel distro (with --mode bench): Debian's own kernel, as the distro
# mode boots it (tools/testing/census.sh --kernel distro).
# GUSSLAB_WORK: another scratch directory, for a second run alongside.
# GUSSLAB_TCG_THREAD: single runs every vCPU on one host thread (the
# census at 16 and 32 vCPUs: no cross-modifying-code races; default multi).
# GUSSLAB_QEMU_ARGS: more QEMU arguments, split on spaces (e.g. a TCG
# plugin: "-plugin FILE,arg=... -d plugin -D LOG").
work=${GUSSLAB_WORK:-$cache/work/$tag}
mkdir -p "$work"

# --- the modules, built out of the repository --------------------------
mkdir -p "$work/src"
# By content, not by time stamp (-c, no -t): a copy that changed gets a new
# mtime, so make rebuilds it even when another checkout built here last.
rsync -rlpc --delete --exclude /tools/gusstat/gusstat \
	--exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	"$repo/Kbuild" "$repo/Makefile" "$repo/dkms.conf" "$repo/gusslab.mk" \
	"$repo/include" "$repo/gus" "$repo/slab" \
	"$repo/kunit" "$repo/tools" "$work/src/"
# Modules for Debian's 7.3 kernel build in a Debian 13 chroot (gcc-14);
# every other kernel's here (kernel.sh in).
builder=()
[ "$mode" = distro ] && builder=("$here/kernel.sh" in "$kernel" "$repo" "$work" --)
if ! "${builder[@]}" make -C "$kdir" M="$work/src" W=1 modules >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	fail "module build failed against $kdir"
fi
if grep -E 'warning:|error:' "$work/build.log"; then
	fail "the module build against $kdir has warnings (W=1)"
fi
if ! make -C "$work/src" gusstat CC="${CROSS_COMPILE:-}gcc" >"$work/gusstat.log" 2>&1 ||
   grep -E 'warning:|error:' "$work/gusstat.log"; then
	cat "$work/gusstat.log"
	fail "tools/gusstat does not build cleanly"
fi
# The clients this tree builds (modules.order: a stale .ko may linger),
# and those the guest runs.
built_clients="" ran_clients=""
for c in $clients; do
	if grep -Eq "(^|/)gusslab_$c\.k?o$" "$work/src/modules.order"; then
		built_clients+="${built_clients:+ }$c"
	else
		echo "run.sh: gusslab_$c.ko is not built: client $c skipped"
	fi
done
if [ -n "$torture" ]; then
	gus_rcutorture=$("$repo/tools/rcutorture/build.sh" "$kdir" "$tree" \
		"$work/rcutorture" "$work/src") || fail "gus_rcutorture.ko does not build"
fi

# --- the initramfs -----------------------------------------------------
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/gusslab}
busybox=$("$here/kernel.sh" busybox "$arch") || fail "no busybox for $arch"
cp "$busybox" "$root/bin/busybox"
cp "$work"/src/*.ko "$root/lib/gusslab/"
cp "$work/src/tools/gusstat/gusstat" "$root/bin/"
if [ -n "$torture" ]; then
	cp "$kdir/kernel/torture.ko" "$gus_rcutorture" "$root/lib/gusslab/"
fi
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
cd /lib/gusslab
must() { "$@" || echo "GUSSLAB-FAIL: $* (exit $?)"; }
# A client (tools/testing/run.sh, "The clients"): NAME PARAMS...
client() {
	c=$1
	shift
	echo "GUSSLAB-CLIENT: insmod gusslab_$c.ko $*"
	if insmod gusslab_$c.ko "$@"; then
		must rmmod gusslab_$c
	else
		echo "GUSSLAB-FAIL: insmod gusslab_$c.ko $* (exit $?)"
	fi
}
echo "GUSSLAB-START $(uname -r) on $(nproc) CPUs"
# Each NUMA node: the CPUs whose node it is (cpu_to_node(), the nodeN/cpuM
# links), its cpulist (cpumask_of_node(): under numa=fake=N every fake node
# of a real one lists all of its CPUs) and its memory.
for n in /sys/devices/system/node/node[0-9]*; do
	cpus=$(cd $n && ls -d cpu[0-9]* 2>/dev/null | sed 's/^cpu//' | sort -n | tr '\n' ' ' | sed 's/ $//')
	echo "GUSSLAB-NODE: ${n##*/}: cpus ${cpus:-none} (cpulist $(cat $n/cpulist))," \
		"$(awk '/MemTotal/ { print int($4 / 1024) }' $n/meminfo) MiB"
done
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
	# gusstat on what the example left: 8 records in use, an SMR cache on
	# the domain "example", which names the cache as its one user.
	must sh -c "gusstat > /tmp/gusstat.out"
	cat /tmp/gusstat.out
	awk '$1 == "example" && $3 == 8 && $NF == "example" { ok = 1 } END { exit !ok }' \
		/tmp/gusstat.out || echo "GUSSLAB-FAIL: gusstat: no example line with 8 in use"
	must sh -c "gusstat -s mem -r | grep -q '^example '"
	must sh -c "gusstat example | grep -q '^objects: 8 in use'"
	must sh -c "gusstat -d 1 -n 1 | grep -q '^example '"
	must grep -qx 'caches example' /sys/kernel/debug/gusslab/gus/example
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
	# Client (b) on every vCPU; on PASS it keeps its table until rmmod.
	if [[ " $built_clients " = *" smrhash "* ]]; then
		ran_clients=smrhash
		cat >>"$root/mode.sh" <<-EOF
		must insmod gusslab.ko
		echo "GUSSLAB-CLIENT: insmod gusslab_smrhash.ko duration=3 $client_args"
		if insmod gusslab_smrhash.ko duration=3 $client_args; then
			echo "--- gusstat:"
			must gusstat
			echo "--- gusstat smrhash-node:"
			must gusstat smrhash-node
			echo "--- /sys/kernel/debug/gusslab/gus/gus-kmalloc-smr:"
			must cat /sys/kernel/debug/gusslab/gus/gus-kmalloc-smr
			echo "--- /sys/kernel/debug/gusslab/smrhash-node/stats:"
			must cat /sys/kernel/debug/gusslab/smrhash-node/stats
			must rmmod gusslab_smrhash
		else
			echo "GUSSLAB-FAIL: insmod gusslab_smrhash.ko (exit \$?)"
		fi
		echo "--- gusslab_smrhash's counters:"
		dmesg | sed -n 's/^\[[ 0-9.]*\] //; /^gusslab_smrhash: /p'
		must rmmod gusslab
		EOF
	fi
	;;
distro)
	# gusslab installed as a user would, DKMS and make install, and the
	# example client built against the installed copy (install.sh): its
	# module tree is the guest's /lib/modules.
	"${builder[@]}" "$here/install.sh" "$work/install" "$kdir" "$kmods" ||
		fail "the install check failed"
	cp -r "$work/install/root/lib/modules" "$root/lib/"
	version=$(make -s --no-print-directory -C "$repo" version)
	cat >"$root/mode.sh" <<-EOF
	must insmod gusslab.ko
	if [ -d /sys/kernel/debug/gusslab ]; then
		echo "gusslab debugfs: present"
	else
		echo "GUSSLAB-FAIL: /sys/kernel/debug/gusslab is missing"
	fi
	must rmmod gusslab
	[ -d /sys/kernel/debug/gusslab ] && echo "GUSSLAB-FAIL: debugfs left behind"
	# The DKMS-installed gusslab, by modprobe; the client pulls it in.
	must modprobe gusslab
	v=\$(cat /sys/module/gusslab/version 2>/dev/null)
	echo "modprobe gusslab: version \$v"
	[ "\$v" = "$version" ] || echo "GUSSLAB-FAIL: modprobe gusslab: version '\$v', not $version"
	must modprobe -r gusslab
	must modprobe gusslab_example
	[ -d /sys/module/gusslab ] || echo "GUSSLAB-FAIL: modprobe gusslab_example did not load gusslab"
	must sh -c "gusstat > /tmp/gusstat.out"
	cat /tmp/gusstat.out
	awk '\$1 == "example" && \$3 == 8 { ok = 1 } END { exit !ok }' /tmp/gusstat.out ||
		echo "GUSSLAB-FAIL: gusstat: no example line with 8 in use"
	must modprobe -r gusslab_example
	[ -d /sys/module/gusslab_example ] && echo "GUSSLAB-FAIL: modprobe -r left gusslab_example"
	[ -d /sys/module/gusslab ] && echo "GUSSLAB-FAIL: modprobe -r gusslab_example left gusslab"
	echo "modprobe -r gusslab_example: both unloaded"
	true
	EOF
	;;
bench)
	[ "$flavour" = perf ] || [ -n "${debian:-}" ] ||
		fail "benchmarks run on the perf flavour (or Debian's kernel) only"
	append="slab_nomerge $append"	# our SLUB caches stay our own
	# "clients" in a cases= list is ours, not gusslab_bench's: the clients
	# run after it (with no cases= list too); a list of only "clients"
	# leaves gusslab_bench out.
	bench_clients=1 bench_own="" bench_skip=0
	for w in $bench_args; do
		case $w in
		cases=*)
			bench_clients=0 list=""
			for c in $(tr , ' ' <<<"${w#cases=}"); do
				if [ "$c" = clients ]; then
					bench_clients=1
				else
					list+="${list:+,}$c"
				fi
			done
			if [ -n "$list" ]; then
				bench_own+=" cases=$list"
			else
				bench_skip=1
			fi ;;
		*) bench_own+=" $w" ;;
		esac
	done
	echo "must insmod gusslab.ko" >"$root/mode.sh"
	if [ $bench_skip = 0 ]; then
		cat >>"$root/mode.sh" <<-EOF
		must insmod gusslab_bench.ko$bench_own
		must rmmod gusslab_bench
		EOF
	else
		# The boot settles first (the TSC clocksource switch, deferred
		# work): the first client measured just after it ran slower and
		# grew more slab pages than the same client after it.
		echo "sleep 5" >>"$root/mode.sh"
	fi
	[ $bench_clients = 1 ] && ran_clients=$built_clients
	[ $timeout_set = 1 ] || timeout=$((timeout + 60 * $(wc -w <<<"$ran_clients")))
	for c in $ran_clients; do
		if [ "$c" = rht ]; then
			# Each backend once early and once late in the boot.
			for b in gus kfree_rcu call_rcu call_rcu kfree_rcu gus; do
				echo "client rht duration=5 backend=$b $client_args" >>"$root/mode.sh"
			done
		else
			echo "client $c duration=5 $client_args" >>"$root/mode.sh"
		fi
	done
	echo "must rmmod gusslab" >>"$root/mode.sh"
	;;
lockdep)
	# Lockdep reports once per boot: one case per boot.
	cat >"$root/mode.sh" <<-EOF
	must insmod gusslab.ko
	echo "GUSSLAB-LOCKDEP: insmod gusslab_lockdep.ko case=$lockdep_case"
	must insmod gusslab_lockdep.ko case=$lockdep_case
	must rmmod gusslab_lockdep
	must rmmod gusslab
	EOF
	;;
stress|torture) : >"$root/mode.sh" ;;
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
	EOF
	ran_clients=$built_clients
	for c in $ran_clients; do
		echo "client $c duration=5 $client_args" >>"$root/mode.sh"
	done
	echo "must rmmod gusslab" >>"$root/mode.sh"
fi
# The kmemleak check: gusslab_kmemleak.ko's objects hold the only pointers
# to its kmalloc'd buffers.  kmemleak reports nothing younger than 5 s, and
# nothing whose contents changed since the scan before: two scans.  What
# the kernel's own boot leaves reported is cleared first, before any
# gusslab code has run; everything reported later with a frame of one of
# our modules in its backtrace counts: the KUnit and stress runs' leaks as
# well as the buffers.  (The boot's leftovers are sometimes reported only
# on a later scan: listed, not counted.)
if [ $kmemleak = 1 ]; then
	cat >"$root/kmemleak.sh" <<-'EOF'
	kml=/sys/kernel/debug/kmemleak
	kml_scan() {
		sh -c "echo scan > $kml && echo scan > $kml" 2>/dev/null && return
		echo "GUSSLAB-KMEMLEAK: kmemleak does not scan (is kmemleak=on?)"
		return 1
	}
	# Reports with a frame in one of our modules (gusslab*, gus_*): what
	# the boot of the kernel itself leaves behind, and kmemleak sometimes
	# reports only on a later scan, does not count.
	kml_ours() {
		awk '/^unreferenced object/ { n++ } /\[gus[a-z_]*\]/ { ours[n] = 1 }
		     END { c = 0; for (k in ours) c++; print c }' $kml
	}
	# One line per allocation site: the first frame past the allocator.
	kml_sites() {
		awk '/^unreferenced object/ { if (site != "") n[site]++; site = "?"; bt = 0 }
		     /backtrace:/ { bt = 1; next }
		     bt && site == "?" && $2 !~ /^_*(kmalloc|kmem_cache_alloc|kzalloc|kvmalloc|kvzalloc|krealloc|kmemdup|kstrdup|slab_|kmemleak|kasan)/ {
			site = $2; sub(/\+.*/, "", site); if ($3 != "") site = site " " $3 }
		     END { if (site != "") n[site]++
			   for (s in n) print "GUSSLAB-KMEMLEAK:     " n[s] " from " s }' $kml
	}
	EOF
	# Before anything else in the guest: the boot's reports, cleared.
	cat >"$root/mode.sh.new" <<-'EOF'
	. /kmemleak.sh
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -lt 6 ] && sleep $((6 - up))
	if kml_scan; then
		echo "GUSSLAB-KMEMLEAK: boot: $(grep -c '^unreferenced object' $kml) unreferenced object(s) before gusslab ran; cleared"
		kml_sites
		echo clear > $kml
	fi
	EOF
	cat "$root/mode.sh" >>"$root/mode.sh.new"
	mv "$root/mode.sh.new" "$root/mode.sh"
	cat >>"$root/mode.sh" <<-'EOF'
	echo "GUSSLAB-KMEMLEAK: insmod gusslab_kmemleak.ko"
	must insmod gusslab.ko
	must insmod gusslab_kmemleak.ko
	sleep 6
	if kml_scan; then
		all=$(grep -c '^unreferenced object' $kml)
		ours=$(kml_ours)
		echo "GUSSLAB-KMEMLEAK: $ours unreferenced object(s) allocated through gusslab or its clients ($((all - ours)) more by the kernel alone, not counted)"
		kml_sites
		head -n 16 $kml
	fi
	must rmmod gusslab_kmemleak
	must rmmod gusslab
	EOF
fi
# rcutorture: one type after the other, each loaded, left to run, unloaded
# (its cleanup prints "End of test: SUCCESS" or "FAILURE").  CPU hotplug
# every second (onoff_interval is in jiffies).
if [ -n "$torture" ]; then
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$kdir/.config")
	targs="onoff_interval=$hz onoff_holdoff=3 n_barrier_cbs=4 stat_interval=15 $torture_args"
	cat >>"$root/mode.sh" <<-EOF
	must insmod gusslab.ko
	must insmod torture.ko
	for t in $torture_types; do
		echo "GUSSLAB-TORTURE: \$t: insmod gus_rcutorture.ko torture_type=\$t $targs; sleep $torture"
		if insmod gus_rcutorture.ko torture_type=\$t $targs; then
			sleep $torture
			must rmmod gus_rcutorture
		else
			echo "GUSSLAB-FAIL: insmod gus_rcutorture.ko torture_type=\$t (exit \$?)"
		fi
	done
	echo "GUSSLAB-TORTURE: end"
	must rmmod torture
	must rmmod gusslab
	EOF
fi
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# --- boot ----------------------------------------------------------------
log=$work/console.log
: >"$log"
echo "run.sh: booting $tag, mode $mode, $smp vCPUs (console: $log)"
[ $verbose = 1 ] && { tail -f "$log" & tailpid=$!; }
# One boot.  Returns qemu's status, 124 on the overall timeout, 125 when
# the kernel never reached our /init within $boot_limit seconds (under TCG
# a boot now and then stalls in early RCU self-tests), or 126 when it died
# before our /init (Debian's 7.3 kernel once took an int3 Oops patching a
# static key in sched_clock under multi-threaded TCG): both before any
# gusslab code has run (Documentation/testing.rst).
boot() {
	: >"$log"
	timeout "$timeout" "${qemu[@]}" -accel "tcg,thread=${GUSSLAB_TCG_THREAD:-multi}" \
		-smp "$smp" -m "$mem" "${numa_args[@]}" -nodefaults -display none -no-reboot \
		-serial "file:$log" -kernel "$bzimage" -initrd "$work/initramfs.cpio" \
		-append "console=$console panic=-1 oops=panic rcupdate.rcu_cpu_stall_timeout=60 $append" \
		${GUSSLAB_QEMU_ARGS:-} </dev/null >"$work/qemu.log" 2>&1 &
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
	wait $pid || return
	grep -q GUSSLAB-START "$log" || return 126
}
rc=0
boot || rc=$?
if [ $rc = 125 ] || [ $rc = 126 ]; then
	cp "$log" "$work/console.stalled.log"
	if [ $rc = 125 ]; then
		echo "run.sh: the kernel did not reach /init in $boot_limit s (before any gusslab code ran); its last lines:"
	else
		echo "run.sh: the kernel died before /init (before any gusslab code ran); its last lines:"
	fi
	grep -a -m 3 -E 'Oops|BUG:|panic' "$log" | sed 's/^/    /'
	tail -n 5 "$log" | sed 's/^/    /'
	echo "run.sh: booting again, once (the first console: $work/console.stalled.log)"
	rc=0
	boot || rc=$?
fi
[ $verbose = 1 ] && kill "$tailpid" 2>/dev/null
if [ $rc = 125 ] || [ $rc = 126 ]; then
	echo "FAIL: the kernel twice did not reach /init (in $boot_limit s, or alive)"
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
tr -d '\r' <"$log" | sed -n 's/^\[[ 0-9.]*\] //; /^GUSSLAB-NODE: /p'
ktap_args=()
[ "$mode" = kunit ] && ktap_args+=(--expect-kunit)
if [ -n "$stress" ]; then
	ktap_args+=(--expect-stress)
	tr -d '\r' <"$log" | sed -n 's/^\[[ 0-9.]*\] //; /^gusslab_stress: /p'
fi
if [ -n "$ran_clients" ]; then
	ktap_args+=(--expect-clients "$ran_clients")
	[ "$mode" = demo ] || [ "$mode" = bench ] ||
		tr -d '\r' <"$log" |
		sed -n "s/^\[[ 0-9.]*\] //; /^gusslab_\($(sed 's/ /\\|/g' <<<"$ran_clients")\): /p"
fi
[ $kmemleak = 1 ] && ktap_args+=(--expect-kmemleak)
[ -n "$torture" ] && ktap_args+=(--expect-torture "$torture_types")
if [ "$mode" = lockdep ]; then
	ktap_args+=(--expect-lockdep "$lockdep_case")
	tr -d '\r' <"$log" | sed -n 's/^\[[ 0-9.]*\] //; /^gusslab_lockdep: /p'
fi
if [ "$mode" = kunit ]; then
	python3 "$here/ktap.py" "$log" "$tree" "${ktap_args[@]}"
else
	python3 "$here/ktap.py" "$log" "" "${ktap_args[@]}"
fi
