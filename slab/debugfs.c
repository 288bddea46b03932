// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of caches: /sys/kernel/debug/gusslab/caches (one line per
 * cache, in the spirit of /proc/slabinfo) and <cache>/stats (each counter,
 * its total then per CPU as C<cpu>=<n>, as SLUB's sysfs does).
 * Files come and go with their cache under gus_caches_lock.
 */
#include <linux/seq_file.h>

#include "../gus/gus_internal.h"
#include "cache.h"

static const char *const gus_cache_event_names[GUS_NR_CACHE_EVENTS] = {
	[GUS_ALLOC_FAST] = "alloc_fast",
	[GUS_ALLOC_SLOW] = "alloc_slow",
	[GUS_FREE_FAST] = "free_fast",
	[GUS_FREE_SLOW] = "free_slow",
	[GUS_MAG_SWAP] = "magazine_swap",
	[GUS_RING_PUSH] = "ring_push",
	[GUS_RING_POP] = "ring_pop",
	[GUS_RING_FULL] = "ring_full",
	[GUS_RING_EMPTY] = "ring_empty",
	[GUS_SMR_NOT_READY] = "smr_not_ready",
	[GUS_DEPOT_REFILL] = "depot_refill",
	[GUS_DEPOT_DRAIN] = "depot_drain",
	[GUS_SLAB_ALLOC] = "slab_alloc",
	[GUS_SLAB_FREE] = "slab_free",
	[GUS_ALLOC_FAILED] = "alloc_failed",
	[GUS_BAD_FREE] = "bad_free",
};

static int gus_caches_show(struct seq_file *m, void *unused)
{
	unsigned long slabs, free;
	struct gus_cache *c;

	seq_puts(m, "# name             <outside_depot> <num_objs> <objsize> <objperslab> <pagesperslab> <num_slabs> <ring_mags> <mag_size> <smr>\n");
	mutex_lock(&gus_caches_lock);
	list_for_each_entry(c, &gus_caches, list) {
		gus_depot_totals(c, &slabs, &free);
		seq_printf(m, "%-18s %15lu %10lu %9u %12u %14u %11lu %11u %10u %5s\n",
			   c->name, slabs * c->objects - free, slabs * c->objects,
			   c->size, c->objects, 1U << c->order, slabs,
			   gus_ring_count(c->full), c->mag_size,
			   gus_cache_is_smr(c) ? "yes" : "no");
	}
	mutex_unlock(&gus_caches_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_caches);

static int gus_cache_stats_show(struct seq_file *m, void *unused)
{
	struct gus_cache *c = m->private;
	unsigned int e;
	int cpu;

	for (e = 0; e < GUS_NR_CACHE_EVENTS; e++) {
		seq_printf(m, "%-14s %lu", gus_cache_event_names[e],
			   gus_cache_event_sum(c, e));
		for_each_online_cpu(cpu) {
			unsigned long *ev = per_cpu_ptr(c->cpu, cpu)->ev;

			/* Counters are statistics: a racy read is good enough. */
			seq_printf(m, " C%d=%lu", cpu, data_race(ev[e]));
		}
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_cache_stats);

void gus_cache_debugfs_add(struct gus_cache *c)
{
	if (IS_ERR_OR_NULL(gusslab_debugfs_root))
		return;
	c->dir = debugfs_create_dir(c->name, gusslab_debugfs_root);
	debugfs_create_file("stats", 0400, c->dir, c, &gus_cache_stats_fops);
}

void gus_cache_debugfs_remove(struct gus_cache *c)
{
	debugfs_remove(c->dir);
	c->dir = NULL;
}

int gus_cache_debugfs_init(void)
{
	debugfs_create_file("caches", 0400, gusslab_debugfs_root, NULL,
			    &gus_caches_fops);
	return 0;
}
