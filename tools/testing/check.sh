#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   tools/testing/check.sh quick   lint + Linux 6.1 debug KUnit run, then a
#                                  10 s stress run and the clients (5 s
#                                  each) in the same boot
#   tools/testing/check.sh all     lint + debug KUnit on 6.1, 6.12 and 7.3,
#                                  each followed by a 60 s stress run, the
#                                  clients (tools/rht, tools/smrhash) and
#                                  rcutorture (gus, gus-deferred, gus-lazy,
#                                  60 s each); a 30 s stress run and the
#                                  clients on 6.1 under kmemleak, then its
#                                  check; 6.12 on two NUMA nodes, 7.3 with
#                                  init_on_alloc and init_on_free; kcsan
#                                  KUnit on 7.3 with a 60 s stress run on 8
#                                  vCPUs in which every magazine allocation
#                                  fails (the stress module only), then the
#                                  clients; the distro check on Debian's
#                                  6.1, 6.12 and 7.3 kernels; 7.3 cross-built
#                                  for arm64 on two NUMA nodes (the arm64
#                                  run below); the lockdep runs
#                                  below; the HTML documentation (make
#                                  docs, tools/testing/docs.sh)
#   tools/testing/check.sh arm64   lint + debug KUnit on 7.3 cross-built for
#                                  arm64 (qemu-system-aarch64 -M virt,
#                                  TCG) with two NUMA nodes from QEMU's
#                                  device tree, followed by a 60 s stress
#                                  run of debug caches, the clients and
#                                  rcutorture (30 s per type)
#   tools/testing/check.sh lockdep lint + three boots of 6.1 debug, one per
#                                  gusslab_lockdep.ko case: recursive and
#                                  abba must give exactly their lockdep
#                                  report, clean none
#
# Prints one line per run and a last line "N passed, N failed" summing
# them; exits non-zero if any run failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=${1:-quick}

"$here/deps.sh" || exit 1
case $what in
all|arm64) "$here/deps.sh" arm64 || exit 1 ;;
esac

# A run: KERNEL FLAVOUR MODE, then any of (run.sh's options)
#   stress=SECONDS  stress_args=PARAM  torture=SECONDS  kmemleak  smp=N
#   cpu=MODEL  append=KERNEL_ARG  lockdep_case=CASE  arch=ARCH  numa=NODES
# stress_args= and append= may repeat; their values are joined by spaces.
# Lockdep reports once per boot: one boot per lockdep case.
# arm64: acquire/release, smp_store_mb() and the fences are the weakly
# ordered architecture's own instructions there, not x86's.
arm64_run="7.3 debug kunit stress=60 stress_args=debug=0x3c torture=30 numa=2 arch=arm64"
lockdep_runs=("6.1 debug lockdep lockdep_case=recursive"
	      "6.1 debug lockdep lockdep_case=abba"
	      "6.1 debug lockdep lockdep_case=clean")
case $what in
quick) runs=("6.1 debug kunit stress=10") ;;
# On 6.12 the stress's caches are debug caches (F, Z, P, U: 0x3c), and the
# guest has two NUMA nodes with two CPUs each (run.sh on --cpu).
# kmemleak slows every allocation down: its boot runs only the stress
# module and then the kmemleak check, not the KUnit suites.
all) runs=("6.1 debug kunit stress=60 torture=60"
	   "6.1 debug stress stress=30 kmemleak"
	   "6.12 debug kunit stress=60 stress_args=debug=0x3c torture=60 append=numa=fake=2 cpu=max,vendor=GenuineIntel"
	   "7.3 debug kunit stress=60 torture=60 append=init_on_alloc=1 append=init_on_free=1"
	   "7.3 kcsan kunit stress=60 smp=8 stress_args=fail_mags=100"
	   "6.1 debug distro"
	   "6.12 debug distro"
	   "7.3 debug distro"
	   "$arm64_run"
	   "${lockdep_runs[@]}") ;;
lockdep) runs=("${lockdep_runs[@]}") ;;
arm64) runs=("$arm64_run") ;;
*) echo "usage: $0 quick|all|arm64|lockdep" >&2; exit 2 ;;
esac

passed=0 failed=0 table=""
account() {	# NAME LOGFILE SECONDS
	local last p f
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; }
	passed=$((passed + p)) failed=$((failed + f))
	table+=$(printf '%-58s %4s passed %3s failed %5ss' "$1" "$p" "$f" "$3")$'\n'
	# What failed, under its row: CI keeps only the tail of the output.
	[ "$f" = 0 ] || table+=$(grep -E "$failure_lines" "$2" | grep -v '^ok \|^run\.sh: booting' |
				 head -n 8 | cut -c1-150 | sed 's/^/    > /')$'\n'
}
# The lines that say what failed: KTAP "not ok", run.sh's and ktap.py's own
# verdicts, kernel reports.
failure_lines='not ok |FAILED at |^FAIL|^run\.sh: |BUG:|WARNING:|KASAN:|KCSAN:|Oops|possible .*lock'

work=${GUSSLAB_WORK:-}
# Each run's whole output stays in the cache (the last five checks), for
# when the summary's failure lines are not enough.
logs=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}/logs
log=$logs/check-$what-$(date +%Y%m%d-%H%M%S)
mkdir -p "$log" || exit 1
ls -dt "$logs"/check-* | tail -n +6 | xargs -r rm -rf
echo "check.sh: logs in $log"

start=$(date +%s)
"$here/lint.sh" >"$log/lint" 2>&1
cat "$log/lint"
account lint "$log/lint" $(($(date +%s) - start))

# check-all: the documentation as the kernel builds it (Sphinx with the
# kernel-doc extension), its API page checked in headless Chromium.
if [ "$what" = all ]; then
	start=$(date +%s)
	{ "$here/deps.sh" docs && "$here/docs.sh"; } >"$log/docs" 2>&1
	cat "$log/docs"
	account docs "$log/docs" $(($(date +%s) - start))
fi

for r in "${runs[@]}"; do
	read -r kernel flavour mode opts <<<"$r"
	args=() name="$kernel $flavour $mode" sargs="" append="" sub=$kernel-$flavour-$mode
	for o in $opts; do
		case $o in
		stress=*) args+=(--stress "${o#*=}"); name+=" +${o#*=}s stress" ;;
		stress_args=*) sargs+="${sargs:+ }${o#*=}" ;;
		torture=*) args+=(--torture "${o#*=}"); name+=" +3x${o#*=}s torture" ;;
		kmemleak) args+=(--kmemleak); name+=" +kmemleak" ;;
		smp=*) args+=(--smp "${o#*=}"); name+=" smp=${o#*=}" ;;
		cpu=*) args+=(--cpu "${o#*=}") ;;
		arch=*) args+=(--arch "${o#*=}"); name+=" ${o#*=}"; sub+=-${o#*=} ;;
		numa=*) args+=(--numa "${o#*=}"); name+=" ${o#*=} nodes" ;;
		append=*) append+="${append:+ }${o#*=}" ;;
		lockdep_case=*) args+=(--lockdep-case "${o#*=}"); name+=" ${o#*=}"
				sub+=-${o#*=} ;;
		*) echo "check.sh: unknown run option '$o' in '$r'" >&2; exit 2 ;;
		esac
	done
	[ -n "$sargs" ] && { args+=(--stress-args "$sargs"); name+=" ($sargs)"; }
	[ -n "$append" ] && { args+=(--append "$append"); name+=" [$append]"; }
	start=$(date +%s)
	echo "=== $name"
	# GUSSLAB_WORK (a scratch directory apart from another checkout's):
	# one subdirectory per run.
	GUSSLAB_WORK=${work:+$work/$sub} \
	"$here/run.sh" --kernel "$kernel" --flavour "$flavour" --mode "$mode" \
		"${args[@]}" 2>&1 | tee "$log/$sub"
	account "$name" "$log/$sub" $(($(date +%s) - start))
done

echo "=== summary"
printf '%s' "$table"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
