// SPDX-License-Identifier: GPL-2.0
/*
 * Instantiates gusslab's tracepoints (slab/gus_trace.h), once.
 */
#define CREATE_TRACE_POINTS
#include "gus_trace.h"

/* For gusslab_test.ko, which attaches probes to check the arguments. */
EXPORT_TRACEPOINT_SYMBOL_GPL(gus_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(gus_free);
