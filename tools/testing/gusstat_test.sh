#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gusstat, offline: builds it as "make gusstat" does (no warning allowed)
# and runs it with --root on a fixture in the formats of slab/debugfs.c
# and gus/debugfs.c: a default domain that started 1024 advances below
# the wrap (as on debug kernels) and has crossed it, one in the format
# without a "start" line, a lazy one; an SMR cache, a plain one, a lazy
# one.  Checks the table, one cache, the domains, and that --json is
# valid JSON (python3 -m json.tool) with the values of the fixture.
# Last line: "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		echo "gusstat_test: $what"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

build() {
	make -s -B -C "$repo" tools/gusstat/gusstat 2>&1 | tee "$tmp/build"
	[ -x "$repo/tools/gusstat/gusstat" ] && ! grep -qE 'warning|error' "$tmp/build"
}
check "make gusstat: warnings, or no binary" build
gusstat=$repo/tools/gusstat/gusstat
[ -x "$gusstat" ] || { echo "$passed passed, $failed failed"; exit 1; }

# The fixture.  Start: ULONG_MAX - 1024 * GUS_SEQ_INCR; 1030 advances
# later wr_seq has wrapped to 11.
r=$tmp/gusslab
mkdir -p "$r/example" "$r/plain" "$r/lazyc" "$r/gus-kmalloc-smr-128" "$r/gus"
cat >"$r/caches" <<'X'
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> <active_slabs> <num_slabs> <cpu_objs> <queued_objs> <ring_mags> <domain>
example                       8        502        16          251              1              2           2        179           256           4 example
plain                       100        126        64           63              1              2           2         20             0           0 -
lazyc                         0         63        64           63              1              1           1          0             0           0 lazyd
gus-kmalloc-smr-128           0          0       128           32              1              0           0          0             0           0 -
X
for c in example plain lazyc gus-kmalloc-smr-128; do
	printf 'alloc_fast     1975 C0=478 C1=1497\nalloc_slow     25 C0=8 C1=17\nfree_fast      1970 C0=471 C1=1499\n' \
		>"$r/$c/stats"
done
cat >"$r/example/ring" <<'X'
spare_magazines 0
node 0
magazines 4
capacity 16
head 26
tail 30
head_stamp 18446744073709551615
head_reusable yes
overflow empty
wr_seq 11
rd_seq 18446744073709551613
X
printf 'spare_magazines 0\nnode 0\nmagazines 0\ncapacity 16\nhead 0\ntail 0\n' >"$r/plain/ring"
cp "$r/plain/ring" "$r/gus-kmalloc-smr-128/ring"
printf 'spare_magazines 0\nnode 0\nmagazines 0\ncapacity 16\nhead 0\ntail 0\nhead_stamp -\nhead_reusable -\noverflow empty\nrcu_cookie 1234\n' \
	>"$r/lazyc/ring"
cat >"$r/gus/example" <<'X'
name example
mode default
start 18446744073709549567
wr_seq 11
rd_seq 18446744073709551613
cpu0 idle
cpu1 7
cpu2 idle
cpu3 18446744073709551615
callbacks_pending 3
advances 1030
polls 2000
caches example
X
cat >"$r/gus/old" <<'X'
name old
mode deferred
wr_seq 101
rd_seq 97
cpu0 99
cpu1 idle
callbacks_pending 0
advances 50
caches
X
cat >"$r/gus/lazyd" <<'X'
name lazyd
mode lazy
rcu_cookie 1234
callbacks_pending 0
advances 7
caches lazyc
X

gs() { "$gusstat" --root "$r" "$@"; }

table() {
	gs | tee /dev/stderr | awk '$1 == "example" && $3 == 8 && $NF == "example" { a = 1 }
		$1 == "plain" && $NF == "-" { b = 1 } END { exit !(a && b) }'
}
check "gusstat: no example line with 8 in use on its domain" table

# Every line's ObjSize column ends where its header does, the longest
# name (19 characters) included.
aligned() {
	gs | tee /dev/stderr | awk 'NR == 1 { end = index($0, "ObjSize") + 6; next }
		{ match($0, /^[^ ]+ +[0-9]+/); if (RSTART + RLENGTH - 1 != end) bad = 1 }
		END { exit bad }'
}
check "gusstat: a name longer than its column shifts the columns" aligned

# Name Mode WrSeq Advanced RdBehind Sections Oldest Pending Caches
domains() {
	gs -D | tee /dev/stderr | awk '
		$0 ~ /^example +default +11 +1030 +7 +2 +6 +3 +example$/ { a = 1 }
		$0 ~ /^old +deferred +101 +- +2 +1 +1 +0 +-$/ { b = 1 }
		$0 ~ /^lazyd +lazy +1234 +- +- +- +- +0 +lazyc$/ { c = 1 }
		END { exit !(a && b && c) }'
}
check "gusstat -D: sequences not shown as distances across the wrap" domains

detail() {
	gs example | tee /dev/stderr >"$tmp/detail"
	grep -qx '  head_stamp 18446744073709551615 (6 advances behind wr_seq)' "$tmp/detail" &&
	grep -qx '  wr_seq 11 (1030 advances from start)' "$tmp/detail" &&
	grep -qx '  rd_seq 18446744073709551613 (7 advances behind wr_seq)' "$tmp/detail" &&
	grep -qx '  cpu1 7 (2 advances behind wr_seq)' "$tmp/detail" &&
	grep -qx '  cpu0 idle' "$tmp/detail" &&
	gs lazyc | grep -qx '  rcu_cookie 1234'
}
check "gusstat CACHE: the ring and domain lines lack their distances" detail

json() {
	gs --json | tee "$tmp/json" | python3 -m json.tool >/dev/null &&
	python3 - "$tmp/json" <<'PY'
import json, os, sys

j = json.load(open(sys.argv[1]))
c = {x['name']: x for x in j['caches']}
d = {x['name']: x for x in j['domains']}
assert sorted(c) == ['example', 'gus-kmalloc-smr-128', 'lazyc', 'plain'], c
e = c['example']
assert (e['active'], e['objects'], e['objsize'], e['slabs'], e['cpu_objs'],
        e['queued'], e['ring_mags'], e['domain']) == (8, 502, 16, 2, 179, 256, 4, 'example'), e
assert e["memory"] == 2 * e["pages_per_slab"] * os.sysconf("SC_PAGESIZE") and e['fast_pct'] == 98.8, e
assert e['counters']['alloc_fast'] == 1975 and c['plain']['domain'] is None
g = d['example']
assert (g['start'], g['wr_seq'], g['advanced'], g['rd_behind']) == \
    (2**64 - 2049, 11, 1030, 7), g
assert g['sections'] == [{'cpu': 1, 'seq': 7, 'behind': 2},
                         {'cpu': 3, 'seq': 2**64 - 1, 'behind': 6}], g
assert g['callbacks_pending'] == 3 and g['counters']['advances'] == 1030
assert g['caches'] == ['example'] and d['old']['caches'] == []
assert d['old']['start'] is None and d['old']['advanced'] is None
assert d['lazyd']['rcu_cookie'] == 1234 and 'wr_seq' not in d['lazyd']
PY
}
check "gusstat --json: not valid JSON, or not the fixture's values" json

missing() {
	local rc=0

	"$gusstat" --root "$tmp/nothing" >"$tmp/err" 2>&1 || rc=$?
	cat "$tmp/err"
	[ "$rc" = 1 ] && grep -q "$tmp/nothing: No such file" "$tmp/err"
}
check "gusstat --root on a missing directory: no clear error" missing

echo "gusstat_test: the table, one cache, -D and --json on a fixture"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
