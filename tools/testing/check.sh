#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   tools/testing/check.sh quick   lint + Linux 6.1 debug KUnit run
#   tools/testing/check.sh all     lint + debug KUnit on 6.1, 6.12 and 7.3,
#                                  kcsan KUnit on 7.3, distro check
#
# Prints one line per run and a last line "N passed, N failed" summing
# them; exits non-zero if any run failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=${1:-quick}

"$here/deps.sh" || exit 1

case $what in
quick) runs=("6.1 debug kunit") ;;
all) runs=("6.1 debug kunit" "6.12 debug kunit" "7.3 debug kunit"
	   "7.3 kcsan kunit" "6.1 debug distro") ;;
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
	table+=$(printf '%-22s %4s passed %3s failed %5ss' "$1" "$p" "$f" "$3")$'\n'
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

start=$(date +%s)
"$here/lint.sh" >"$log/lint" 2>&1
cat "$log/lint"
account lint "$log/lint" $(($(date +%s) - start))

for r in "${runs[@]}"; do
	read -r kernel flavour mode <<<"$r"
	start=$(date +%s)
	echo "=== $kernel $flavour $mode"
	"$here/run.sh" --kernel "$kernel" --flavour "$flavour" --mode "$mode" \
		2>&1 | tee "$log/run"
	account "$kernel $flavour $mode" "$log/run" $(($(date +%s) - start))
done

echo "=== summary"
printf '%s' "$table"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
