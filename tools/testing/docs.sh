#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make docs: renders Documentation/ to HTML with Sphinx and the kernel's
# own kernel-doc extension and script, from the Linux 6.1 source tree
# (kernel.sh src 6.1), as the kernel's "make htmldocs" does; api.rst is
# generated from the source comments.  Then it looks at the API page in
# headless Chromium:
#
#   - Sphinx and kernel-doc print no warning (one check);
#   - Chromium takes a screenshot of the API page (one check);
#   - in the page as Chromium's DOM has it, every function that include/,
#     slab/ and gus/ export with EXPORT_SYMBOL_GPL (not the internal
#     namespace's GUS_EXPORT_INTERNAL) is declared, with a Context
#     section (one check per function).
#
# Everything goes to Documentation/output/ (git-ignored): html/, api.png,
# api.dom.html and the logs.  Needs "tools/testing/deps.sh docs".
# Last line: "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/Documentation/output
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { echo "docs: $*"; failed=$((failed + 1)); }

for tool in sphinx-build chromium; do
	command -v "$tool" >/dev/null && continue
	echo "docs: no $tool: run tools/testing/deps.sh docs as root"
	echo "0 passed, 1 failed"
	exit 1
done
KERNEL_SRC=$("$here/kernel.sh" src 6.1) || { echo "0 passed, 1 failed"; exit 1; }
export KERNEL_SRC
# Nothing written into the kernel tree's Documentation/sphinx/.
export PYTHONDONTWRITEBYTECODE=1
cd "$repo" || exit 1
rm -rf "$out"
mkdir -p "$out"

# kernel-doc's own warnings reach sphinx.log through kerneldoc_verbosity.
if sphinx-build -W --keep-going -q -b html -d "$out/doctrees" Documentation \
		"$out/html" >"$out/sphinx.log" 2>&1 &&
   ! grep -qi 'warning' "$out/sphinx.log"; then
	pass
else
	fail "Sphinx or kernel-doc warned (Documentation/output/sphinx.log):"
	sed 's/^/    /' "$out/sphinx.log"
fi

# --no-sandbox: Chromium's sandbox refuses to run as root, as CI does.
chrome=(timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars
	--user-data-dir="$out/chromium")
url=file://$out/html/api.html
"${chrome[@]}" --window-size=1280,1600 --screenshot="$out/api.png" "$url" \
	>"$out/chromium.log" 2>&1
if [ "$(head -c 4 "$out/api.png" 2>/dev/null | od -An -c | tr -d ' ')" = 211PNG ]; then
	pass
else
	fail "Chromium took no screenshot of $url (Documentation/output/chromium.log)"
fi
"${chrome[@]}" --dump-dom "$url" >"$out/api.dom.html" 2>>"$out/chromium.log"

# shellcheck disable=SC2046
res=$(python3 - "$out/api.dom.html" $(grep -rhoE --include='*.[ch]' \
		'^EXPORT_SYMBOL_GPL\([A-Za-z0-9_]+\)' include slab gus |
		sed 's/.*(\(.*\))/\1/' | sort -u) <<'PY'
import re, sys

dom = open(sys.argv[1], encoding='utf-8', errors='replace').read()
# Each declaration's part of the page runs to the next declaration.
parts = {}
marks = list(re.finditer(r'id="c\.([A-Za-z0-9_]+)"', dom))
for i, m in enumerate(marks):
    end = marks[i + 1].start() if i + 1 < len(marks) else len(dom)
    parts.setdefault(m.group(1), dom[m.start():end])
ok = bad = 0
for name in sys.argv[2:]:
    if name not in parts:
        print('docs: %s is exported but not on the API page (no kernel-doc?)'
              % name)
        bad += 1
    elif '<strong>Context</strong>' not in parts[name]:
        print('docs: %s has no Context: section' % name)
        bad += 1
    else:
        ok += 1
print(ok, bad)
PY
)
echo "$res" | sed '$d'
read -r p f <<<"$(echo "$res" | tail -n 1)"
[ "${p:-0}" -gt 0 ] || fail "found no exported function to look for"
passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1}))
echo "docs: Documentation/output/html/index.html, API page screenshot Documentation/output/api.png"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
