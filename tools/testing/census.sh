#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The instruction census: boots the perf kernel with the census plugin
# (tools/census/census.c) and gusslab_bench.ko cases=census twice, fails
# unless both boots give the same counts, and prints them per operation.
#
#   tools/testing/census.sh [--kernel 7.3] [--runs 2] [--mem on|off]
#                           [--append "KERNEL ARGS"] [--smp N]
#   tools/testing/census.sh plugin      build the plugin if needed, print it
#
# --kernel is a version kernel.sh builds (its perf flavour), or distro:
# Debian's own linux-image-amd64, the modules built against
# linux-headers-amd64 (run.sh --kernel distro --mode bench, as its
# distro mode does).  --append passes kernel arguments to the boots, e.g.
# init_on_alloc=0 for Debian's kernel, where it is on by default; --smp
# boots N vCPUs instead of run.sh's 4 (gus_poll()'s scan passes them all).
# Beyond 4 vCPUs the boots run single-threaded TCG: with 16, Linux 7.3
# took an int3 Oops under multi-threaded TCG while patching a static key
# as it switched to the TSC clocksource (the counts do not depend on it;
# the TCG times do).
#
# The plugin is built against qemu-plugin.h of the installed QEMU, taken
# from Debian's source package of exactly that version (Debian installs no
# plugin header), fetched with a private apt configuration: deb-src lines
# for the mirrors and suites of the machine's own apt sources.  The
# system's apt configuration is never modified.  Everything is cached
# under $GUSSLAB_CACHE (default ~/.cache/gusslab), outside the repository:
#
#   qemu/apt/                   the private apt configuration and lists
#   qemu/SRCVERSION/            the source package (less its upstream
#                               tarball) and include/qemu-plugin.h
#   census/KEY/libcensus.so     the plugin, KEY hashing census.c and the
#                               header
#
# Each boot runs in $GUSSLAB_WORK-N (default
# $GUSSLAB_CACHE/work/census-KERNEL-smpSMP-N), and the table is kept in
# $GUSSLAB_WORK.table for tools/bench/plots.sh; the plugin's log is
# census.log in each boot's directory.  The last line is "N passed,
# N failed", as for run.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${GUSSLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gusslab}

die() { echo "census.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
log() { echo "census.sh: $*" >&2; }

# deb-src lines for every mirror and suite of this release in the
# machine's apt sources (deb822 .sources files, then sources.list).
deb_src_lines() {
	local codename f
	codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v c="$codename" '
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++)
				if ($i ~ "^" c "(-updates|-security)?$")
					print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " u " " $i " main" }' "$f"
	done
	if [ -f /etc/apt/sources.list ]; then
		awk -v c="$codename" '{ sub(/\[[^]]*\] */, "") }
			$1 == "deb" && $3 ~ "^" c "(-updates|-security)?$" {
			print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " $2 " " $3 " main" }' \
			/etc/apt/sources.list
	fi
}

# Prints the directory holding qemu-plugin.h of the installed QEMU.
plugin_header() {
	local srcver d a lines
	srcver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null) ||
		die "qemu-system-x86 is not installed (tools/testing/deps.sh)"
	d=$cache/qemu/${srcver#*:}
	if [ -f "$d/.done" ]; then
		echo "$d/include"
		return
	fi
	a=$cache/qemu/apt
	mkdir -p "$a/lists/partial" "$a/archives/partial"
	lines=$(deb_src_lines | sort -u)
	[ -n "$lines" ] || die "no Debian mirror for this release in /etc/apt/sources*"
	echo "$lines" >"$a/sources.list"
	local opt=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
		   -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a"
		   -o "APT::Sandbox::User=root")
	log "fetching the source of qemu $srcver for qemu-plugin.h"
	apt-get "${opt[@]}" -q update >&2
	rm -rf "$d" && mkdir -p "$d/include"
	(cd "$d" && apt-get "${opt[@]}" -q source --download-only "qemu=$srcver" >&2)
	# The header as Debian builds it: upstream's, unless a patch changes it.
	if tar -xJOf "$d"/qemu_*.debian.tar.xz --wildcards 'debian/patches/*' |
	   grep -q '^+++ .*include/qemu/qemu-plugin\.h'; then
		die "a Debian patch changes qemu-plugin.h: unpack the source with dpkg-source -x"
	fi
	tar -xJOf "$d"/qemu_*.orig.tar.xz --wildcards '*/include/qemu/qemu-plugin.h' \
		>"$d/include/qemu-plugin.h"
	grep -q 'QEMU_PLUGIN_VERSION' "$d/include/qemu-plugin.h" ||
		die "no qemu-plugin.h in the qemu source package"
	rm -f "$d"/qemu_*.orig.tar.xz	# 23 MB, only the header was needed
	touch "$d/.done"
	echo "$d/include"
}

# Prints the plugin, building it if needed.
plugin() {
	local inc key out
	inc=$(plugin_header)
	key=$(cat "$repo/tools/census/census.c" "$inc/qemu-plugin.h" | sha256sum | cut -c1-12)
	out=$cache/census/$key
	if [ ! -f "$out/libcensus.so" ]; then
		mkdir -p "$out"
		${CC:-gcc} -O2 -Wall -Wextra -Werror -std=gnu11 -fPIC -shared -I"$inc" \
			-o "$out/libcensus.so.tmp" "$repo/tools/census/census.c" >&2 ||
			die "the plugin does not build"
		mv "$out/libcensus.so.tmp" "$out/libcensus.so"
	fi
	echo "$out/libcensus.so"
}

kernel=7.3 runs=2 mem=on append="" smp=4
if [ "${1:-}" = plugin ]; then
	plugin
	exit
fi
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--runs) runs=$2; shift ;;
	--mem) mem=$2; shift ;;
	--append) append=$2; shift ;;
	--smp) smp=$2; shift ;;
	*) echo "census.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(uname -m)" = x86_64 ] || die "the census markers are x86 instructions"
so=$(plugin) || exit 1
if [ "$kernel" = distro ]; then
	flavour=()
	label="Debian's $(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed 's/[ ,].*//')"
else
	flavour=(--flavour perf)
	label="Linux $kernel perf"
fi
[ -z "$append" ] || label="$label, $append"
[ "$smp" = 4 ] || label="$label, $smp vCPUs"
thread=multi
[ "$smp" -le 4 ] || thread=single
work=${GUSSLAB_WORK:-$cache/work/census-$kernel-smp$smp$(echo "${append:+ $append}" | tr -c 'a-zA-Z0-9.\n' -)}
logs=()
for r in $(seq 1 "$runs"); do
	w=$work-$r
	mkdir -p "$w"
	rm -f "$w/census.log"
	log "boot $r of $runs: $label, plugin $so"
	start=$(date +%s)
	GUSSLAB_WORK=$w GUSSLAB_TCG_THREAD=$thread \
		GUSSLAB_QEMU_ARGS="-plugin $so,mem=$mem -d plugin -D $w/census.log" \
		"$here/run.sh" --kernel "$kernel" "${flavour[@]}" --mode bench \
		--bench-args cases=census --append "$append" --smp "$smp" >"$w/run.out" 2>&1 ||
		{ tail -n 20 "$w/run.out"; die "boot $r failed ($w/run.out)"; }
	log "boot $r: $(($(date +%s) - start)) s"
	logs+=("$w/census.log" "$w/console.log")
done
python3 "$repo/tools/census/table.py" --label "$label" "${logs[@]}" >"$work.table.tmp" ||
	{ cat "$work.table.tmp"; die "the census check failed (above)"; }
{ echo "# $(date -u +%F) commit $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
  cat "$work.table.tmp"; } >"$work.table"
rm -f "$work.table.tmp"
cat "$work.table"
echo "1 passed, 0 failed"
