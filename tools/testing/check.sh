#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   tools/testing/check.sh quick   lint + Linux 6.1 debug KUnit run, then a
#                                  10 s stress run in the same boot
#   tools/testing/check.sh all     lint + debug KUnit on 6.1, 6.12 and 7.3,
#                                  kcsan KUnit on 7.3 (each followed by a
#                                  60 s stress run), distro check
#
# Prints one line per run and a last line "N passed, N failed" summing
# them; exits non-zero if any run failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=${1:-quick}

"$here/deps.sh" || exit 1

case $what in
# KERNEL FLAVOUR MODE [STRESS SECONDS [STRESS PARAMETERS]]
# On 6.12 the stress's caches are debug caches (F, Z, P, U: 0x3c).
quick) runs=("6.1 debug kunit 10") ;;
all) runs=("6.1 debug kunit 60" "6.12 debug kunit 60 debug=0x3c" "7.3 debug kunit 60"
	   "7.3 kcsan kunit 60" "6.1 debug distro") ;;
*) echo "usage: $0 quick|all" >&2; exit 2 ;;
esac

passed=0 failed=0 table=""
account() {	# NAME LOGFILE SECONDS
	local last p f
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; }
	passed=$((passed + p)) failed=$((failed + f))
	table+=$(printf '%-34s %4s passed %3s failed %5ss' "$1" "$p" "$f" "$3")$'\n'
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

start=$(date +%s)
"$here/lint.sh" >"$log/lint" 2>&1
cat "$log/lint"
account lint "$log/lint" $(($(date +%s) - start))

for r in "${runs[@]}"; do
	read -r kernel flavour mode stress sargs <<<"$r"
	name="$kernel $flavour $mode${stress:+ +${stress}s}${sargs:+ $sargs}"
	start=$(date +%s)
	echo "=== $name"
	"$here/run.sh" --kernel "$kernel" --flavour "$flavour" --mode "$mode" \
		${stress:+--stress "$stress"} ${sargs:+--stress-args "$sargs"} \
		2>&1 | tee "$log/run"
	account "$name" "$log/run" $(($(date +%s) - start))
done

echo "=== summary"
printf '%s' "$table"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
