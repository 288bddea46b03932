// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for slab page allocations, in the spirit of failslab:
 * a slab allocation can be made to fail as if the page allocator had run
 * out of memory, so that callers and tests can check that gusslab returns
 * NULL cleanly, leaks nothing and keeps its counters straight.
 *
 *   /sys/kernel/debug/gusslab/fail_every    N: every Nth attempt fails
 *   /sys/kernel/debug/gusslab/fail_percent  P: each attempt fails with
 *                                           probability P/100
 *   /sys/kernel/debug/gusslab/fail_mag_percent
 *                                           P: each magazine allocation
 *                                           fails with probability P/100
 *
 *   /sys/kernel/debug/gusslab/fail_min_order
 *                                           N: every slab page request of
 *                                           order N or above fails, as
 *                                           under fragmentation, so caches
 *                                           fall back to their min_order
 *
 * Each 0 (the default) means no injection.  __GFP_NOFAIL requests are
 * never failed.  The knobs are global, for every cache; a failure
 * counts in the cache's alloc_failed only if the allocation that needed
 * the slab returns NULL.
 *
 * Every slab page comes through gus_fault_alloc_pages(), which the tests
 * also use to see the flags the page allocator was given and to make one
 * node look full (its own pages refused, the page allocator's fallback to
 * another node imitated), as a node under memory pressure does.
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/nodemask.h>
#include <linux/random.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"

/* Test hook: the next this-many slab allocations fail. */
atomic_t gus_fail_slab_allocs = ATOMIC_INIT(0);
GUS_EXPORT_INTERNAL(gus_fail_slab_allocs);

static u32 gus_fail_every;
u32 gus_fail_percent;
GUS_EXPORT_INTERNAL(gus_fail_percent);
static atomic_t gus_fail_attempts = ATOMIC_INIT(0);

/**
 * gus_fault_slab_alloc() - whether this slab allocation should fail.
 * @gfp: the allocation's flags.
 *
 * Context: any context.
 * Return: true to fail it.
 */
bool gus_fault_slab_alloc(gfp_t gfp)
{
	u32 every = READ_ONCE(gus_fail_every);
	u32 percent = READ_ONCE(gus_fail_percent);

	if (gfp & __GFP_NOFAIL)
		return false;
	if (atomic_add_unless(&gus_fail_slab_allocs, -1, 0))
		return true;
	if (every && (u32)atomic_inc_return(&gus_fail_attempts) % every == 0)
		return true;
	return percent && get_random_u32() % 100 < percent;
}

/* Test hook: the next this-many magazine allocations fail. */
atomic_t gus_fail_mag_allocs = ATOMIC_INIT(0);
GUS_EXPORT_INTERNAL(gus_fail_mag_allocs);
u32 gus_fail_mag_percent;
GUS_EXPORT_INTERNAL(gus_fail_mag_percent);

/**
 * gus_fault_mag_alloc() - whether this magazine allocation should fail.
 *
 * Context: any context.
 * Return: true to fail it.
 */
bool gus_fault_mag_alloc(void)
{
	u32 percent = READ_ONCE(gus_fail_mag_percent);

	if (atomic_add_unless(&gus_fail_mag_allocs, -1, 0))
		return true;
	return percent && get_random_u32() % 100 < percent;
}

/* Test hooks: the flags of the last slab page request, and a full node. */
gfp_t gus_fault_last_gfp;
GUS_EXPORT_INTERNAL(gus_fault_last_gfp);
int gus_fault_full_node = NUMA_NO_NODE;
GUS_EXPORT_INTERNAL(gus_fault_full_node);
atomic_t gus_fault_full_budget = ATOMIC_INIT(0);	/* requests it refuses */
GUS_EXPORT_INTERNAL(gus_fault_full_budget);

/* Test hook and knob: page requests of this order or above fail; 0: off. */
u32 gus_fail_min_order;
GUS_EXPORT_INTERNAL(gus_fail_min_order);

/* Another online node than @node, for the imitated fallback. */
static int gus_fault_other_node(int node)
{
	int n;

	for_each_online_node(n)
		if (n != node)
			return n;
	return node;
}

/**
 * gus_fault_alloc_pages() - alloc_pages_node() for slabs, with test hooks.
 * @node: the node asked for.
 * @gfp: the flags the page allocator gets.
 * @order: the order.
 *
 * Context: as @gfp allows.
 * Return: the pages, or NULL.
 */
struct page *gus_fault_alloc_pages(int node, gfp_t gfp, unsigned int order)
{
	u32 fail_order = READ_ONCE(gus_fail_min_order);

	WRITE_ONCE(gus_fault_last_gfp, gfp);
	if (fail_order && order >= fail_order && !(gfp & __GFP_NOFAIL))
		return NULL;
	if (node == READ_ONCE(gus_fault_full_node) &&
	    atomic_add_unless(&gus_fault_full_budget, -1, 0)) {
		if (gfp & __GFP_THISNODE)
			return NULL;
		node = gus_fault_other_node(node);
	}
	return alloc_pages_node(node, gfp, order);
}

void gus_fault_debugfs_init(void)
{
	debugfs_create_u32("fail_every", 0600, gusslab_debugfs_root, &gus_fail_every);
	debugfs_create_u32("fail_percent", 0600, gusslab_debugfs_root, &gus_fail_percent);
	debugfs_create_u32("fail_mag_percent", 0600, gusslab_debugfs_root,
			   &gus_fail_mag_percent);
	debugfs_create_u32("fail_min_order", 0600, gusslab_debugfs_root,
			   &gus_fail_min_order);
}
