// SPDX-License-Identifier: GPL-2.0
/*
 * Magazines: fixed-size stacks of object pointers, the unit in which
 * objects move between CPUs, the ring and the depot.
 *
 * Every CPU always owns two (alloc and free).  Spare empty magazines wait
 * in the cache's "empty" ring, so the slow paths seldom allocate one, and
 * the fast paths never do.  A magazine is allocated with GFP_ATOMIC only
 * when that ring is empty, and freed when it is full.
 *
 * A magazine is freed only after an RCU grace period: gus_ring_pop_if()
 * lets a CPU read the stamp of a head magazine that another CPU may pop,
 * empty and give back meanwhile, and it does so inside an RCU reader.
 */
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "cache.h"

/**
 * gus_mag_alloc() - allocate an empty magazine for @c.
 * @c: the cache.
 * @gfp: allocation flags.
 *
 * Context: as @gfp allows.
 * Return: the magazine, or NULL.
 */
struct gus_mag *gus_mag_alloc(struct gus_cache *c, gfp_t gfp)
{
	struct gus_mag *m;

	if (gus_fault_mag_alloc())
		return NULL;
	BUILD_BUG_ON(offsetof(struct gus_mag, objs) !=
		     offsetofend(struct gus_mag, none));	/* gus_mag_top() */
	m = kmalloc(struct_size(m, objs, c->mag_size), gfp);
	if (m) {
		m->none = NULL;
		m->count = 0;
		m->size = c->mag_size;
		m->stamp = 0;
		INIT_LIST_HEAD(&m->node);
	}
	return m;
}

/**
 * gus_mag_get_empty() - a spare empty magazine.
 * @c: the cache.
 *
 * Context: any context.
 * Return: a magazine from the spare ring, else a new one, or NULL.
 */
struct gus_mag *gus_mag_get_empty(struct gus_cache *c)
{
	void *m;

	if (!gus_ring_pop(c->empty, &m))
		return m;
	return gus_mag_alloc(c, GFP_ATOMIC | __GFP_NOWARN);
}

/**
 * gus_mag_put_empty() - keep an empty magazine as a spare, or free it.
 * @c: the cache.
 * @m: the magazine; its objects, if any, are forgotten.
 *
 * Context: any context.
 */
void gus_mag_put_empty(struct gus_cache *c, struct gus_mag *m)
{
	m->count = 0;
	if (gus_ring_push(c->empty, m))
		kfree_rcu(m, rcu);	/* see the top of this file */
}

/**
 * gus_mag_drain() - give a magazine's objects back to their slabs.
 * @c: the cache.
 * @m: the magazine; SMR callers must have seen its stamp reached.
 *
 * Context: any context.
 */
void gus_mag_drain(struct gus_cache *c, struct gus_mag *m)
{
	if (!m->count)
		return;
	if (gus_cache_is_smr(c))
		gus_objs_reached(c, m->objs, m->count);	/* no reader left */
	gus_depot_put(c, m->objs, m->count);
	m->count = 0;
	gus_cache_count(c, GUS_DEPOT_DRAIN);
}
