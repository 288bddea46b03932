#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draws the benchmarks' two plots with gnuplot, each beside its data.

  plots.py census OUT_DIR TABLE [TABLE ...]
      Census instructions per operation, gusslab against SLUB, one pair of
      bars per kernel, from the tables census.sh keeps
      (~/.cache/gusslab/work/census-KERNEL-smp4.table).  Writes
      OUT_DIR/census.dat and OUT_DIR/census.svg.
  plots.py smr OUT_DIR CONSOLE_LOG
      Objects freed and waiting for reuse over time in the replacement
      benchmark (gusslab_bench.ko cases=smr): kmem_cache + call_rcu()
      against an SMR gus_cache, from its "BENCH smr-series" lines.  Writes
      OUT_DIR/smr-waiting.dat and OUT_DIR/smr-waiting.svg.

Exit status 1 if the input lacks what a plot needs.  gnuplot-nox
(tools/testing/deps.sh plots) draws them.
"""
import re
import subprocess
import sys

# The census rows plotted: (label, gusslab's row, SLUB's row).
CENSUS_ROWS = [
    ("alloc+free", "gus_cache_alloc+free", "kmem_cache_alloc+free"),
    ("kmalloc+kfree", "gus_kmalloc+gus_kfree", "kmalloc+kfree"),
    ("bulk 128", "gus bulk 128, per object", "kmem_cache bulk 128, per object"),
    ("bulk 256", "gus bulk 256, per object", "kmem_cache bulk 256, per object"),
    ("burst alloc", "gus burst alloc, per object", "kmem_cache burst alloc, per object"),
    ("burst free", "gus burst remote free, per object",
     "kmem_cache burst remote free, per object"),
    ("shuffle", "gus shuffle 10000, per object", "kmem_cache shuffle 10000, per object"),
]
ROW_RE = re.compile(r"^(\S.*?)\s{2,}~?([\d.]+)\s")
LABEL_RE = re.compile(r"^census, (.*?): identical")
SERIES_RE = re.compile(r"BENCH smr-series (.+?) us=(\d+) waiting=(-?\d+)")


def fail(msg):
    print(f"plots.py: {msg}", file=sys.stderr)
    sys.exit(1)


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"gnuplot: {e} (tools/testing/deps.sh plots)")


def read_table(path):
    """Returns (kernel label, {row: instructions per operation})."""
    label, rows = None, {}
    with open(path, errors="replace") as f:
        for line in f:
            m = LABEL_RE.match(line)
            if m:
                label = m[1]
            m = ROW_RE.match(line)
            if m and label:
                rows[m[1]] = float(m[2])
    if not label:
        fail(f"{path}: no census table")
    return label, rows


def census(out, tables):
    kernels = [read_table(t) for t in tables]
    with open(f"{out}/census.dat", "w") as f:
        f.write("# census instructions per operation (tools/bench/plots.py census)\n")
        f.write("# operation " + " ".join(
            f'"{k} gusslab" "{k} SLUB"' for k, _ in kernels) + "\n")
        for label, gus, slub in CENSUS_ROWS:
            vals = []
            for k, rows in kernels:
                if gus not in rows or slub not in rows:
                    fail(f"{k}: no {gus!r} or {slub!r} row")
                vals += [rows[gus], rows[slub]]
            f.write(f'"{label}" ' + " ".join(f"{v:g}" for v in vals) + "\n")
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
    plot = []
    for i, (k, _) in enumerate(kernels):
        c = colours[i % len(colours)]
        plot.append(f"'{out}/census.dat' using {2 + 2 * i}:xtic(1) title '{k}: gusslab' "
                    f"lc rgb '{c}' fs solid 0.9")
        plot.append(f"'{out}/census.dat' using {3 + 2 * i} title '{k}: SLUB' "
                    f"lc rgb '{c}' fs pattern 4")
    gnuplot(f"""set terminal svg size 1000,520 dynamic font 'DejaVu Sans,12'
set output '{out}/census.svg'
set termoption noenhanced
set title 'Instructions per operation, counted by the census plugin (fewer is better)'
set ylabel 'instructions per operation'
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set key top left
set grid ytics
set yrange [0:*]
plot {", ".join(plot)}
""")


def smr(out, console):
    series = {}
    with open(console, errors="replace") as f:
        for line in f:
            m = SERIES_RE.search(line)
            if m:
                series.setdefault(m[1], []).append((int(m[2]), int(m[3])))
    if len(series) < 2:
        fail(f"{console}: fewer than two 'BENCH smr-series' mechanisms")
    names = sorted(series)
    with open(f"{out}/smr-waiting.dat", "w") as f:
        f.write("# objects freed and waiting for reuse (tools/bench/plots.py smr)\n")
        for i, name in enumerate(names):
            f.write(f"# index {i}: {name}: ms since the start, objects waiting\n")
            for us, n in series[name]:
                f.write(f"{us / 1000:.3f} {n}\n")
            f.write("\n\n")
    plot = ", ".join(f"'{out}/smr-waiting.dat' index {i} with lines lw 2 title '{n}'"
                     for i, n in enumerate(names))
    gnuplot(f"""set terminal svg size 900,480 dynamic font 'DejaVu Sans,12'
set output '{out}/smr-waiting.svg'
set termoption noenhanced
set title 'Objects freed and not yet reusable, replacing objects under readers (TCG)'
set xlabel 'ms since the start of the run (TCG time)'
set ylabel 'objects waiting'
set key top left
set grid
set yrange [0:*]
plot {plot}
""")


def main(argv):
    if len(argv) >= 3 and argv[0] == "census":
        census(argv[1], argv[2:])
    elif len(argv) == 3 and argv[0] == "smr":
        smr(argv[1], argv[2])
    else:
        fail("usage: plots.py census OUT_DIR TABLE... | smr OUT_DIR CONSOLE_LOG")


if __name__ == "__main__":
    main(sys.argv[1:])
