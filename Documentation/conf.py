# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for gusslab's Documentation/, built by "make docs"
# (tools/testing/docs.sh).  The API reference (api.rst) is generated from
# the source comments by the kernel's own kernel-doc extension and script,
# taken from the kernel source tree named by $KERNEL_SRC (docs.sh sets it
# to "tools/testing/kernel.sh src 6.1").

import os
import sys

ksrc = os.environ.get('KERNEL_SRC')
if not ksrc:
    sys.exit('conf.py: set KERNEL_SRC to a kernel source tree (make docs does)')
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'gusslab'
copyright = 'The gusslab authors'
master_doc = 'index'
exclude_patterns = ['output']
extensions = ['kerneldoc']
primary_domain = 'c'
highlight_language = 'none'
html_theme = 'alabaster'

kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.path.abspath('..')
kerneldoc_verbosity = 1

