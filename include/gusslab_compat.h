/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gusslab's only view of kernel version differences (6.1 .. 7.3).
 * Private to gusslab and its test modules: clients include gusslab.h.
 */
#ifndef _GUSSLAB_COMPAT_H
#define _GUSSLAB_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * Symbols shared with gusslab_test.ko and the tools' modules, not with
 * clients, live in a namespace.  6.13 turned the namespace argument into
 * a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define GUS_EXPORT_INTERNAL(sym) EXPORT_SYMBOL_NS_GPL(sym, "GUSSLAB_INTERNAL")
#define GUS_IMPORT_INTERNAL() MODULE_IMPORT_NS("GUSSLAB_INTERNAL")
#else
#define GUS_EXPORT_INTERNAL(sym) EXPORT_SYMBOL_NS_GPL(sym, GUSSLAB_INTERNAL)
#define GUS_IMPORT_INTERNAL() MODULE_IMPORT_NS(GUSSLAB_INTERNAL)
#endif

#endif /* _GUSSLAB_COMPAT_H */
