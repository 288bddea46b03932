#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Redraws the benchmarks' plots in Documentation/figures/, each beside its
# data (tools/bench/plots.py):
#
#   tools/bench/plots.sh [KERNEL]
#
#   smr-waiting.svg  objects waiting for reuse over time, from the last
#                    bench boot of KERNEL's perf kernel (default 7.3), if
#                    it ran the smr case (make bench does)
#   census.svg       census instructions per operation, gusslab against
#                    SLUB, from the last census table of each of the 6.1,
#                    6.12 and 7.3 perf kernels census.sh kept
#
# A plot whose input is missing is left as it is, and said so.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}
kernel=${1:-7.3}
out=$repo/Documentation/figures

"$repo/tools/testing/deps.sh" plots
mkdir -p "$out"
console=$cache/work/$kernel-perf/console.log
if [ -f "$console" ] && grep -q 'BENCH smr-series' "$console"; then
	python3 "$here/plots.py" smr "$out" "$console"
	echo "plots.sh: $out/smr-waiting.svg from $console"
else
	echo "plots.sh: no smr series in $console: smr-waiting.svg left as it is"
fi
tables=()
for k in 6.1 6.12 7.3; do
	t=$cache/work/census-$k-smp4.table
	[ -f "$t" ] && tables+=("$t")
done
if [ ${#tables[@]} -gt 0 ]; then
	python3 "$here/plots.py" census "$out" "${tables[@]}"
	echo "plots.sh: $out/census.svg from ${tables[*]}"
else
	echo "plots.sh: no census table in $cache/work: census.svg left as it is"
fi
