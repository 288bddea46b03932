#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judges and tabulates census runs (tools/testing/census.sh).

  table.py [--label TEXT] PLUGIN_LOG CONSOLE_LOG [PLUGIN_LOG CONSOLE_LOG ...]

Each pair is one boot: the census plugin's log (tools/census/census.c) and
the guest console with gusslab_bench.ko's "BENCH census" lines.  Within a
boot, an interval with status=interrupted is discarded.  Of the rest of
each measurement, a strict majority, and at least two, must agree exactly:
that is its count.  (An interval just after an interrupted one may differ
a little, deterministically: the handler changed some state its next
operations see.  It is listed as perturbed.)  Across boots the counts
must be identical.

The burst and shuffle rows are the exception: a burst of 4096 allocations
or remote frees, or 10,000 allocations freed in a shuffled order, reaches
the page allocator and SLUB's slab lists, whose work varies a little from
round to round, so their intervals seldom agree exactly.
For them the count is the interval of median instructions, printed with
a "~" and the spread of all uninterrupted intervals; across boots the
medians must agree within NEAR_TOLERANCE.  Then it prints, per operation, each
class divided by the interval's operation count (exact: the counts are
totals over n operations), the instructions against the kernel's own
mechanism, and the TCG time of the first boot as a secondary column.
Exit status 1 on any disagreement or missing measurement.
"""
import collections
import re
import statistics
import sys

CLASSES = ["insns", "pushf", "popf", "cli", "sti", "lock", "xchg", "cmpxchg",
           "cx16", "fence", "call", "reads", "writes"]
# gusslab's operation and the kernel's mechanism it is compared with.
ANCHOR = {
    "gus_cache_alloc+free": "kmem_cache_alloc+free",
    "gus_kmalloc+gus_kfree": "kmalloc+kfree",
    "gus_enter+exit default": "rcu_read_lock+unlock",
    "gus_enter+exit deferred": "rcu_read_lock+unlock",
    "gus_enter+exit lazy": "rcu_read_lock+unlock",
    "gus bulk 128, per object": "kmem_cache bulk 128, per object",
    "gus bulk 256, per object": "kmem_cache bulk 256, per object",
    "gus burst alloc, per object": "kmem_cache burst alloc, per object",
    "gus burst remote free, per object": "kmem_cache burst remote free, per object",
    "gus shuffle 10000, per object": "kmem_cache shuffle 10000, per object",
    "gus_poll, reached goal": "poll_state_synchronize_rcu, reached",
}
ORDER = ["gus_cache_alloc+free", "kmem_cache_alloc+free",
         "gus_kmalloc+gus_kfree", "kmalloc+kfree",
         "gus_enter+exit default", "gus_enter+exit deferred",
         "gus_enter+exit lazy", "rcu_read_lock+unlock",
         "srcu_read_lock+unlock", "empty loop",
         "gus bulk 128, per object", "kmem_cache bulk 128, per object",
         "gus bulk 256, per object", "kmem_cache bulk 256, per object",
         "gus burst alloc, per object", "kmem_cache burst alloc, per object",
         "gus burst remote free, per object", "kmem_cache burst remote free, per object",
         "gus shuffle 10000, per object", "kmem_cache shuffle 10000, per object",
         "gus_advance+gus_poll, a scan", "gus_poll, reached goal",
         "poll_state_synchronize_rcu, reached"]
# Measurements counted as a median: see the docstring.
NEAR = {"gus burst alloc, per object", "gus burst remote free, per object",
        "kmem_cache burst alloc, per object", "kmem_cache burst remote free, per object",
        "gus shuffle 10000, per object", "kmem_cache shuffle 10000, per object"}
NEAR_TOLERANCE = 0.05
PLUGIN_RE = re.compile(r"^census seq=\d+ vcpu=\d+ id=(-?\d+) n=(\d+) status=(\w+) (.*)$")
GUEST_RE = re.compile(r"BENCH census id=(\d+) rep=(\d+) tcg_ps=(\d+) (.*?)\s*$")


def fail(msg):
    print(f"table.py: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_boot(plugin_log, console_log):
    """Returns ({name: (n, counts)}, {name: [tcg_ps]}, {name: (agree, ok, all)})."""
    names, tcg = {}, {}
    with open(console_log, errors="replace") as f:
        for line in f:
            m = GUEST_RE.search(line)
            if m:
                names[int(m[1])] = m[4]
                tcg.setdefault(m[4], []).append(int(m[3]))
    if not names:
        fail(f"{console_log}: no BENCH census line (x86 guest? cases=census?)")
    seen = {}
    with open(plugin_log, errors="replace") as f:
        for line in f:
            m = PLUGIN_RE.match(line.strip())
            if not m:
                continue
            ident, n, status = int(m[1]), int(m[2]), m[3]
            if ident not in names:
                fail(f"{plugin_log}: interval with unknown id {ident}: {line.strip()}")
            counts = dict(kv.split("=") for kv in m[4].split())
            counts = tuple(int(counts.get(c, -1)) for c in CLASSES)
            seen.setdefault(names[ident], []).append((n, status, counts))
    result, kept = {}, {}
    for name in names.values():
        ivs = seen.get(name, [])
        ok = [(n, c) for n, s, c in ivs if s == "ok"]
        if name in NEAR and len(ok) >= 3:
            ok.sort(key=lambda v: v[1][0])
            result[name] = ok[len(ok) // 2]
            kept[name] = (0, len(ok), len(ivs), ok[0][1][0], ok[-1][1][0])
            continue
        value, agree = collections.Counter(ok).most_common(1)[0] if ok else (None, 0)
        kept[name] = (agree, len(ok), len(ivs))
        if agree < 2 or 2 * agree <= len(ok):
            fail(f"{plugin_log}: {name}: of {len(ivs)} intervals {len(ok)} "
                 f"uninterrupted, no majority of 2 or more agrees: {sorted(set(ok))}")
        result[name] = value
    return result, tcg, kept


# The self-check case (tools/bench/bench.c census_check()): per operation,
# beyond the empty loop, 15 instructions with these classes.
CHECK = {"insns": 15, "pushf": 1, "popf": 1, "cli": 1, "sti": 1, "lock": 2,
         "xchg": 1, "cmpxchg": 1, "cx16": 0, "fence": 3, "call": 0}


def self_check(counts):
    """Fails unless the self-check interval counted what it executed."""
    if "self-check" not in counts or "empty loop" not in counts:
        fail("no self-check or empty loop measurement")
    n, c = counts["self-check"]
    n0, c0 = counts["empty loop"]
    if n != n0:
        fail("the self-check and the empty loop differ in n")
    for cls, want in CHECK.items():
        i = CLASSES.index(cls)
        got = c[i] - c0[i]
        # The compiler may set the two loops up with a few more or fewer
        # instructions: once per interval, not per operation.
        slack = 8 if cls == "insns" else 0
        if abs(got - want * n) > slack:
            fail(f"self-check: {cls} {got} beyond the empty loop, {want * n} expected")
    # rep stosb: 16 writes, counted as 16 accesses but one instruction.
    w = CLASSES.index("writes")
    if c[w] >= 0 and c[w] < 16 * n:
        fail(f"self-check: {c[w]} writes, at least {16 * n} expected")


def per_op(total, n):
    if total < 0:
        return "-"
    return f"{total / n:.3f}".rstrip("0").rstrip(".")


def main(argv):
    label = "the guest"
    if len(argv) > 1 and argv[0] == "--label":
        label, argv = argv[1], argv[2:]
    if not argv or len(argv) % 2:
        fail("usage: table.py [--label TEXT] PLUGIN_LOG CONSOLE_LOG [...]")
    boots = [parse_boot(argv[i], argv[i + 1]) for i in range(0, len(argv), 2)]
    first, tcg, _ = boots[0]
    self_check(first)
    for b, (other, _, _) in enumerate(boots[1:], 2):
        for name in first:
            if name in NEAR and name in other:
                a, o = first[name][1][0], other[name][1][0]
                if abs(a - o) > NEAR_TOLERANCE * a:
                    fail(f"boot 1 and boot {b} differ by more than "
                         f"{NEAR_TOLERANCE:.0%} for {name}: {a} vs {o}")
                continue
            if other.get(name) != first[name]:
                fail(f"boot 1 and boot {b} differ for {name}: "
                     f"{first[name]} vs {other.get(name)}")
    for b, (_, _, kept) in enumerate(boots, 1):
        print(f"boot {b}: intervals agreeing/uninterrupted/all: " +
              ", ".join(f"{name} {k[0]}/{k[1]}/{k[2]}" for name, k in kept.items()
                        if name not in NEAR))
        print(f"boot {b}: median of uninterrupted/all, instructions min-max: " +
              ", ".join(f"{name} {k[1]}/{k[2]} {k[3]}-{k[4]}" for name, k in kept.items()
                        if name in NEAR))
    print("self-check: 15 known instructions counted exactly, a rep stosb once")
    print(f"census, {label}: identical in {len(boots)} boots (burst medians within "
          f"{NEAR_TOLERANCE:.0%}); "
          "per operation (loops of n, counts exact)")
    head = ["operation"] + CLASSES + ["insns vs", "TCG ns"]
    rows = []
    for name in [o for o in ORDER if o in first] + [o for o in first if o not in ORDER
                                                    and o != "self-check"]:
        n, c = first[name]
        row = [name] + [per_op(v, n) for v in c]
        if name in NEAR:
            row[1] = "~" + row[1]
        anchor = ANCHOR.get(name)
        if anchor in first:
            row.append(f"{c[0] / first[anchor][1][0]:.2f}")
        else:
            row.append("")
        row.append(f"{statistics.median(tcg[name]) / 1000:.1f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    rule = "  ".join("=" * w for w in widths)
    print(rule)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print(rule)
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print(rule)
    print("~: the median interval, not an exact count (the burst rows, see above)")
    print("insns vs: against kmem_cache (pair, bulk, burst), kmalloc, rcu_read_lock; TCG ns: "
          "median over the intervals of boot 1, with the plugin, secondary")


if __name__ == "__main__":
    main(sys.argv[1:])
