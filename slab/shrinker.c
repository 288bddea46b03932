// SPDX-License-Identifier: GPL-2.0
/*
 * One shrinker for all gusslab caches: under memory pressure it drains
 * queued magazines whose objects are reusable (SMR: stamps reached) into
 * the depot and returns empty slabs to the page allocator.  It never
 * waits for a GUS goal and never touches per-CPU magazines.
 */
#include <linux/mutex.h>

#include <gusslab_compat.h>
#include "cache.h"

static struct shrinker *gus_shrinker;

/*
 * Objects the shrinker could give back from @c, at most: those queued in
 * the ring and the overflow list (SMR: some may not be reusable yet) and
 * those in empty slabs.
 */
static unsigned long gus_cache_freeable(struct gus_cache *c)
{
	struct gus_cache_usage u;

	gus_cache_usage(c, &u);
	return u.queued + (u.slabs - u.active_slabs) * c->objects;
}

unsigned long gus_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n = 0;
	struct gus_cache *c;

	if (!mutex_trylock(&gus_caches_lock))
		return 0;
	list_for_each_entry(c, &gus_caches, list)
		n += gus_cache_freeable(c);
	mutex_unlock(&gus_caches_lock);
	return n ?: SHRINK_EMPTY;
}

GUS_EXPORT_INTERNAL(gus_shrink_count);

unsigned long gus_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;
	struct gus_cache *c;

	if (!mutex_trylock(&gus_caches_lock))
		return SHRINK_STOP;
	list_for_each_entry(c, &gus_caches, list) {
		unsigned long slabs;

		gus_cache_reclaim(c, false);
		slabs = gus_depot_shrink(c, ULONG_MAX);
		gus_cache_count(c, GUS_SHRINK_SCAN);
		gus_cache_count_n(c, GUS_SHRINK_FREED, slabs);
		freed += slabs * c->objects;
		if (freed >= sc->nr_to_scan)
			break;
	}
	mutex_unlock(&gus_caches_lock);
	return freed ?: SHRINK_STOP;
}

GUS_EXPORT_INTERNAL(gus_shrink_scan);

int gus_shrinker_init(void)
{
	gus_shrinker = gus_shrinker_create(gus_shrink_count, gus_shrink_scan, "gusslab");
	return gus_shrinker ? 0 : -ENOMEM;
}

void gus_shrinker_exit(void)
{
	gus_shrinker_destroy(gus_shrinker);
}
