#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a guest console log into a KTAP document and judge the run.

Usage: ktap.py CONSOLE_LOG KERNEL_SOURCE_TREE [--expect-kunit] [--expect-stress]
              [--expect-clients "CLIENT ..."] [--expect-kmemleak] [--expect-torture "TYPE ..."]
              [--expect-lockdep recursive|abba|clean [--lockdep-class NAME]]

1. Extracts the KUnit output of the modules loaded in the guest: strips the
   printk timestamps, keeps the suites (the lines from each suite-level
   "KTAP version 1" to its closing "ok N - suite"), renumbers the top-level
   results and supplies the top-level header (6.1 prints none for suites
   run from a module).
2. Parses that document with the kernel tree's own
   tools/testing/kunit/kunit.py parse.
3. Scans the whole console for kernel reports: BUG, WARNING, Oops, panics,
   KASAN, KCSAN, UBSAN, lockdep, RCU stalls, hung tasks; and for the
   guest script's own GUSSLAB-FAIL lines and its GUSSLAB-DONE marker.
4. With --expect-stress, counts gusslab_stress.ko's run as one more test:
   passed if its summary line ends in "violations 0".
4a. With --expect-clients, counts each load of a client module
   gusslab_CLIENT.ko (from the guest's "GUSSLAB-CLIENT: insmod
   gusslab_CLIENT.ko" marker to the next) as one test: passed if it printed
   "gusslab_CLIENT: PASS" and no "gusslab_CLIENT: FAIL" (busybox's insmod
   runs a failed init twice), failed otherwise; a client never loaded is
   one failure.  (A failed insmod also leaves a GUSSLAB-FAIL line: 3.)
5. With --expect-kmemleak, counts the kmemleak check as one test: passed
   if the guest found "0 unreferenced object(s)".
6. With --expect-torture, counts each rcutorture type as one test: passed
   if, between the guest's "GUSSLAB-TORTURE: TYPE:" marker and the next,
   the type's "End of test: SUCCESS" line is there and no line has "!!!",
   "FAILURE", "Cookie check" or "WARNING:".
7. With --expect-lockdep recursive or abba (gusslab_lockdep.ko's deliberate
   misuse), counts one test: passed if the console has exactly one lockdep
   report, "possible recursive locking detected" or "possible circular
   locking dependency detected" respectively, whose lock being acquired is
   the class NAME (default "gus-lockdep-demo", the domain's name) and, for
   recursive, whose lock already held is NAME too; abba's held lock is
   another, which depends on NAME in the existing chain.  The module must
   also have said it finished with lockdep off.  The report, and what the
   same misuse provokes besides (recursive: gus_wait()'s misuse WARN, from
   its "cut here" to its "end trace" line; abba: might_sleep()'s "BUG:
   sleeping function called from invalid context" in gus_wait() through the
   end of its call trace), are left out of the scan in 3; any other report
   still fails the run.  With --expect-lockdep clean, passed if there is no
   lockdep report and the module's summary says lockdep is still on.

Prints what it found and a last line "N passed, N failed", where failed
also counts one for each kernel report and for a missing end marker.
Exits 1 if anything failed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

TIMESTAMP = re.compile(r'^\[[ \d.]+\] ?')
RESULT = re.compile(r'^(not ok|ok) \d+( - |\s)(.*)$')
REPORT = re.compile(
    r'(BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault'
    r'|KASAN|KCSAN|UBSAN|possible circular locking|possible recursive locking'
    r'|inconsistent lock state|detected stall|INFO: task .* blocked'
    r'|Call Trace:|GUSSLAB-FAIL)')
SUMMARY = re.compile(r'Ran (\d+) tests?:(.*)')
STRESS = re.compile(r'^gusslab_stress: \d+ s, .* violations (\d+)$')
CLIENT_MARK = re.compile(r'^GUSSLAB-CLIENT: insmod gusslab_(\w+)\.ko')
CLIENT_SUMMARY = re.compile(r'^gusslab_(\w+): (PASS|FAIL)\b')
KMEMLEAK = re.compile(r'^GUSSLAB-KMEMLEAK: (\d+) unreferenced object')
TORTURE_MARK = re.compile(r'^GUSSLAB-TORTURE: (\S+?):?(?: |$)')
TORTURE_BAD = re.compile(r'!!!|FAILURE|Cookie check|WARNING:')
LOCKDEP_RULE = re.compile(r'^=+$')
LOCKDEP_KIND = {'recursive': 'possible recursive locking detected',
                'abba': 'possible circular locking dependency detected'}
LOCKDEP_DONE = re.compile(r'^gusslab_lockdep: (\S+): done, lockdep off: it reported$')
LOCKDEP_CLEAN = re.compile(r'^gusslab_lockdep: clean: \d+ replacements .* 0 dead objects seen, lockdep still on$')


def console_lines(path):
    with open(path, errors='replace') as f:
        for raw in f:
            yield TIMESTAMP.sub('', raw.rstrip('\r\n').replace('\r', ''))


def extract_ktap(lines):
    """Suite blocks, renumbered, under one top-level header."""
    suites, block = [], None
    for line in lines:
        if line == '    KTAP version 1':
            block = [line]
            continue
        if block is None:
            continue
        m = RESULT.match(line)
        if m:
            block.append(f'{m.group(1)} {len(suites) + 1} - {m.group(3)}')
            suites.append(block)
            block = None
        elif line.startswith('    ') or line.startswith('# '):
            block.append(line)
    if block:			# a suite that never finished: keep it
        suites.append(block)
    out = ['KTAP version 1', f'1..{len(suites)}']
    for b in suites:
        out.extend(b)
    return out, len(suites)


def kunit_parse(tree, ktap):
    kunit = os.path.join(tree, 'tools/testing/kunit/kunit.py')
    with tempfile.NamedTemporaryFile('w', suffix='.ktap', delete=False) as f:
        f.write('\n'.join(ktap) + '\n')
        name = f.name
    try:
        p = subprocess.run([sys.executable, kunit, 'parse', name],
                           capture_output=True, text=True)
    finally:
        os.unlink(name)
    out = p.stdout + p.stderr
    passed = failed = 0
    m = None
    for m in SUMMARY.finditer(out):
        pass
    if m:
        fields = dict(re.findall(r'(\w+): (\d+)', m.group(2)))
        passed = int(fields.get('passed', 0))
        failed = sum(int(fields.get(k, 0)) for k in ('failed', 'crashed', 'errors'))
        skipped = int(fields.get('skipped', 0))
        if int(m.group(1)) != passed + failed + skipped:
            failed += 1
    else:
        failed = 1
    if p.returncode != 0 and failed == 0:
        failed = 1
    return out, passed, failed


def torture_segments(lines):
    """{type: [lines]} between the guest's GUSSLAB-TORTURE markers."""
    segs, cur = {}, None
    for line in lines:
        m = TORTURE_MARK.match(line)
        if m:
            cur = m.group(1) if m.group(1) != 'end' else None
            if cur is not None:
                segs[cur] = []
            continue
        if line.startswith('GUSSLAB-DONE'):
            cur = None
        if cur is not None:
            segs[cur].append(line)
    return segs


def judge_torture(lines, types):
    """One verdict per type; prints its summary lines.  Returns (passed, failed)."""
    segs = torture_segments(lines)
    passed = failed = 0
    for t in types:
        seg = segs.get(t)
        if seg is None:
            print(f'FAIL: rcutorture {t}: never started')
            failed += 1
            continue
        flag = t + '-torture:'
        end = [l for l in seg if l.startswith(flag + '--- End of test: ')]
        bad = [l for l in seg if TORTURE_BAD.search(l)]
        pipes = [l for l in seg if l.startswith(flag) and 'Reader Pipe:' in l]
        circ = [l for l in seg if l.startswith(flag) and 'Free-Block Circulation:' in l]
        cbs = [l for l in seg if l.startswith(flag) and 'GUS callbacks:' in l]
        for l in pipes[-1:] + circ[-1:] + cbs[-1:]:
            print('    ' + l)
        ok = end and ': SUCCESS' in end[-1] and not bad
        if ok:
            print(f'rcutorture {t}: ok')
            passed += 1
        else:
            print(f'FAIL: rcutorture {t}: ' + (end[-1][len(flag):][:60] if end
                                               else 'no "End of test" line'))
            for l in bad[:20]:
                print('    ' + l)
            failed += 1
    return passed, failed


def client_segments(lines):
    """[(client, [lines])], one per load, from its GUSSLAB-CLIENT marker to
    the next marker or the end of the guest's script."""
    segs = []
    for line in lines:
        m = CLIENT_MARK.match(line)
        if m:
            segs.append((m.group(1), []))
        elif line.startswith('GUSSLAB-DONE'):
            break
        elif segs:
            segs[-1][1].append(line)
    return segs


def judge_clients(lines, clients):
    """One verdict per load of each client.  Returns (passed, failed)."""
    passed = failed = 0
    segs = client_segments(lines)
    for c in clients:
        loads = [seg for name, seg in segs if name == c]
        if not loads:
            print(f'FAIL: client {c}: never loaded')
            failed += 1
        for seg in loads:
            # busybox insmod retries a failed init: all must pass.
            ends = [(m.group(2), l) for l in seg
                    if (m := CLIENT_SUMMARY.match(l)) and m.group(1) == c]
            if ends and all(v == 'PASS' for v, _ in ends):
                passed += 1
                continue
            failed += 1
            print('FAIL: ' + (ends[-1][1] if ends else f'client {c}: no summary'))
    return passed, failed


def block_end(lines, start, end_test, limit=400):
    """Index of the first line from @start that passes @end_test."""
    for i in range(start, min(len(lines), start + limit)):
        if end_test(lines[i]):
            return i
    return min(len(lines), start + limit) - 1


def task_end(line):
    return line.strip() == '</TASK>'


def lockdep_reports(lines):
    """[(first, last, banner)] of lockdep's reports: a rule of '=', then
    "WARNING: ...", through the end of the call trace after "stack
    backtrace:"."""
    out = []
    for i in range(len(lines) - 1):
        if LOCKDEP_RULE.match(lines[i]) and lines[i + 1].startswith('WARNING: '):
            bt = block_end(lines, i + 2, lambda l: l == 'stack backtrace:')
            out.append((i, block_end(lines, bt, task_end), lines[i + 1][9:]))
    return out


def line_after(lines, first, last, text):
    """The line after the first line in [first, last] equal to @text."""
    if not text:
        return ''
    for i in range(first, last):
        if lines[i] == text:
            return lines[i + 1]
    return ''


def judge_lockdep(lines, case, cls):
    """One verdict, and the line ranges the expected reports cover."""
    reports = lockdep_reports(lines)
    excused = []
    ok, why = True, []
    if case == 'clean':
        if reports:
            ok = False
            why.append(f'{len(reports)} lockdep report(s): ' +
                       ', '.join(r[2] for r in reports))
        summary = [l for l in lines if l.startswith('gusslab_lockdep: clean: ')]
        if not summary or not LOCKDEP_CLEAN.match(summary[-1]):
            ok = False
            why.append('no "lockdep still on" summary from the module')
    else:
        kind, tag = LOCKDEP_KIND[case], f'({cls})'
        if len(reports) != 1:
            ok = False
            why.append(f'{len(reports)} lockdep reports, not one' +
                       (': ' + ', '.join(r[2] for r in reports) if reports else ''))
        for first, last, banner in reports[:1]:
            acq = line_after(lines, first, last, next(
                (l for l in lines[first:last] if l.endswith(' is trying to acquire lock:')), ''))
            held = line_after(lines, first, last, 'but task is already holding lock:')
            print(f'    lockdep: {banner}')
            print(f'    lockdep: acquiring {acq}')
            print(f'    lockdep: holding   {held}')
            if banner != kind:
                ok = False
                why.append(f'the report is "{banner}", not "{kind}"')
            if tag not in acq:
                ok = False
                why.append(f'the lock acquired is not {tag}')
            if case == 'recursive' and tag not in held:
                ok = False
                why.append(f'the lock held is not {tag}')
            if case == 'abba':
                chain = [l for l in lines[first:last] if l.startswith('-> #')]
                for l in chain:
                    print(f'    lockdep: chain     {l}')
                if not held or tag in held:
                    ok = False
                    why.append(f'the lock held is not another lock than {tag}')
                if not any(tag in l for l in chain):
                    ok = False
                    why.append(f'{tag} is not in the dependency chain')
            if ok:
                excused.append((first, last))
        done = [m.group(1) for m in map(LOCKDEP_DONE.match, lines) if m]
        if done != [case]:
            ok = False
            why.append('the module did not finish with lockdep off')
        # What the same misuse provokes besides, once each.
        for i, l in enumerate(lines):
            if (case == 'recursive' and l == '------------[ cut here ]------------' and
                    any(f'gusslab: GUS domain {cls}: waiting inside a read section' in m
                        for m in lines[i + 1:i + 3])):
                excused.append((i, block_end(lines, i, lambda m: m.startswith('---[ end trace'))))
                break
            if (case == 'abba' and
                    l.startswith('BUG: sleeping function called from invalid context at ')):
                last = block_end(lines, i, task_end)
                if any('gus_wait' in m for m in lines[i:last]) and \
                   any('[gusslab_lockdep]' in m for m in lines[i:last]):
                    excused.append((i, last))
                break
    if ok:
        print(f'lockdep {case}: ok')
    else:
        print(f'FAIL: lockdep {case}: ' + '; '.join(why))
    return ok, excused


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('tree')
    ap.add_argument('--expect-kunit', action='store_true')
    ap.add_argument('--expect-stress', action='store_true')
    ap.add_argument('--expect-clients', default='')
    ap.add_argument('--expect-kmemleak', action='store_true')
    ap.add_argument('--expect-torture', default='')
    ap.add_argument('--expect-lockdep', choices=['recursive', 'abba', 'clean'])
    ap.add_argument('--lockdep-class', default='gus-lockdep-demo')
    opts = ap.parse_args()
    expect_kunit, expect_stress = opts.expect_kunit, opts.expect_stress
    log, tree = opts.log, opts.tree
    lines = list(console_lines(log))
    passed = failed = 0

    if expect_kunit:
        ktap, nsuites = extract_ktap(lines)
        if nsuites == 0:
            print('FAIL: no KUnit suite ran')
            failed += 1
        else:
            out, passed, failed_tests = kunit_parse(tree, ktap)
            print(out.rstrip())
            failed += failed_tests

    if expect_stress:
        runs = [m for m in map(STRESS.match, lines) if m]
        if runs and runs[-1].group(1) == '0':
            passed += 1
        else:
            print('FAIL: the stress run ' + ('reports violations' if runs else
                                             'printed no summary'))
            failed += 1

    if opts.expect_clients:
        p, f = judge_clients(lines, opts.expect_clients.split())
        passed += p
        failed += f

    if opts.expect_kmemleak:
        at = [i for i, l in enumerate(lines) if KMEMLEAK.match(l)]
        for l in lines:
            if l.startswith('GUSSLAB-KMEMLEAK: boot: '):
                print(l)
        if at and KMEMLEAK.match(lines[at[-1]]).group(1) == '0':
            print(lines[at[-1]])
            passed += 1
        else:
            print('FAIL: kmemleak: ' + ('the check never ran' if not at else
                                        lines[at[-1]][len('GUSSLAB-KMEMLEAK: '):]))
            for l in lines[at[-1] + 1:at[-1] + 40] if at else []:
                if l.startswith('GUSSLAB-') and not l.startswith('GUSSLAB-KMEMLEAK: '):
                    break
                print('    ' + l)
            failed += 1

    if opts.expect_torture:
        p, f = judge_torture(lines, opts.expect_torture.split())
        passed += p
        failed += f

    excused = set()
    if opts.expect_lockdep:
        ok, ranges = judge_lockdep(lines, opts.expect_lockdep, opts.lockdep_class)
        passed += ok
        failed += not ok
        for first, last in ranges:
            excused.update(range(first, last + 1))

    reports = [l for i, l in enumerate(lines) if REPORT.search(l) and i not in excused]
    if reports:
        print(f'FAIL: {len(reports)} kernel report line(s) in the console:')
        for l in reports[:40]:
            print('    ' + l)
        failed += 1
    if not any(l.startswith('GUSSLAB-DONE') for l in lines):
        print('FAIL: the guest never reached its end marker (hang, panic or timeout)')
        failed += 1
    expected = (expect_kunit or expect_stress or opts.expect_clients or
                opts.expect_kmemleak or
                opts.expect_torture or opts.expect_lockdep)
    if not expected and not failed:
        passed = 1		# the run itself is the one check
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
