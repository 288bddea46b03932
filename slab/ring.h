/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transfer ring: a bounded lock-free MPMC FIFO of pointers (full
 * magazines moving between CPUs).  See slab/ring.c.
 */
#ifndef _GUS_RING_H
#define _GUS_RING_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define GUS_RING_MAX	BIT(20)		/* largest capacity accepted */

struct gus_ring_cell {
	unsigned int seq;	/* which lap and state the cell is in */
	void *item;
};

struct gus_ring {
	atomic_t head ____cacheline_aligned_in_smp;	/* next pop */
	atomic_t tail ____cacheline_aligned_in_smp;	/* next push */
	unsigned int mask ____cacheline_aligned_in_smp;
	struct gus_ring_cell cells[];
};

/* Decides whether the head item may be popped; must not block. */
typedef bool (*gus_ring_ok_t)(void *item, void *arg);

struct gus_ring *gus_ring_create(unsigned int capacity, gfp_t gfp);
void gus_ring_destroy(struct gus_ring *r);
int gus_ring_push(struct gus_ring *r, void *item);
int gus_ring_pop_if(struct gus_ring *r, void **item, gus_ring_ok_t ok, void *arg);
unsigned int gus_ring_count(struct gus_ring *r);

static inline int gus_ring_pop(struct gus_ring *r, void **item)
{
	return gus_ring_pop_if(r, item, NULL, NULL);
}

static inline unsigned int gus_ring_capacity(struct gus_ring *r)
{
	return r->mask + 1;
}

/* Test hook: reset an empty ring so its counters start at @start. */
void __gus_ring_reset(struct gus_ring *r, unsigned int start);

#endif /* _GUS_RING_H */
