// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer ring: a bounded, lock-free, multi-producer multi-consumer
 * FIFO of pointers, after Dmitry Vyukov's bounded MPMC queue.
 *
 * The algorithm
 * -------------
 * head and tail are free-running u32 counters; a position p lives in cell
 * p & mask.  Each cell carries a sequence that says which lap it is on:
 *
 *   cell.seq == p          empty, waiting for the push of position p
 *   cell.seq == p + 1      full, holding the item of position p
 *   cell.seq == p + cap    empty again, waiting for the push of p + cap
 *
 * A producer reads tail = p and its cell's seq: equal to p means the cell
 * is free for it, and one compare-and-swap of tail from p to p + 1 claims
 * it; then it stores the item and publishes seq = p + 1.  A consumer does
 * the mirror image with head, expecting seq == p + 1, and hands the cell
 * to the next lap with seq = p + cap.  A seq behind what is expected means
 * full (producer) or empty (consumer); a seq ahead means another thread
 * took the position first, so the thread rereads the counter.  Each
 * failed compare-and-swap is another thread's success: the ring is
 * lock-free, with one CAS per operation when uncontended.
 *
 * Ordering pairs
 * --------------
 * (1) A producer's store of the item, then smp_store_release() of seq =
 *     p + 1, pairs with the consumer's smp_load_acquire() of seq: the
 *     consumer sees the item.
 * (2) A consumer's load of the item, then smp_store_release() of seq =
 *     p + cap, pairs with the next lap's producer's smp_load_acquire():
 *     the producer cannot overwrite an item still being read.
 * The head/tail compare-and-swaps only arbitrate between threads and are
 * relaxed; all data moves through the cell sequences.
 *
 * A stalled thread
 * ----------------
 * A producer that stalls between its claim and its publication (an
 * interrupt or NMI, a preempted vCPU: callers run with preemption off)
 * leaves its cell at
 * seq == p.  Consumers reaching that cell report "empty" even if later
 * cells are full, and producers that lap around to it report "full".
 * Nobody spins on it: the callers' answer to "empty" and "full" is the
 * slab depot, which is always there.  FIFO order is kept: items leave in
 * the order their positions were claimed.
 *
 * ABA and wrapping
 * ----------------
 * Differences are taken as signed 32-bit values, so they are exact across
 * the u32 wrap while the capacity is below 2^31 (GUS_RING_MAX is 2^20).
 * A cell's seq differs on every lap, so a thread delayed while the ring
 * went round cannot mistake a later lap for its own; a CAS on head or tail
 * could succeed wrongly only if the counter moved on by exactly 2^32 while
 * the thread stalled between reading and swapping it.
 *
 * The "pop_if" variant lets the caller look at the head item and decline
 * it (an SMR magazine whose GUS goal is not reached): the item is stable
 * while head still equals p, and the successful CAS proves that it did.
 */
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "ring.h"

void __gus_ring_reset(struct gus_ring *r, unsigned int start)
{
	unsigned int i;

	atomic_set(&r->head, start);
	atomic_set(&r->tail, start);
	for (i = 0; i <= r->mask; i++) {
		r->cells[(start + i) & r->mask].seq = start + i;
		r->cells[(start + i) & r->mask].item = NULL;
	}
}

GUS_EXPORT_INTERNAL(__gus_ring_reset);

/**
 * gus_ring_create() - allocate an empty ring.
 * @capacity: number of items, a power of two from 2 to GUS_RING_MAX (with
 *            one cell, "full at lap p" and "empty at lap p + 1" would be
 *            the same cell sequence).
 * @gfp: allocation flags.
 *
 * Context: as @gfp allows.
 * Return: the ring, or NULL if @capacity is invalid (logged) or memory
 * ran out.
 */
struct gus_ring *gus_ring_create(unsigned int capacity, gfp_t gfp)
{
	struct gus_ring *r;

	if (capacity < 2 || capacity > GUS_RING_MAX || !is_power_of_2(capacity)) {
		pr_err("gusslab: ring capacity %u is not a power of two in 2..%lu\n",
		       capacity, GUS_RING_MAX);
		return NULL;
	}
	r = kvzalloc(struct_size(r, cells, capacity), gfp);
	if (!r)
		return NULL;
	r->mask = capacity - 1;
	__gus_ring_reset(r, 0);
	return r;
}

GUS_EXPORT_INTERNAL(gus_ring_create);

/**
 * gus_ring_destroy() - free a ring; its items are the caller's.
 * @r: the ring, or NULL.
 *
 * Context: process context.
 */
void gus_ring_destroy(struct gus_ring *r)
{
	kvfree(r);
}

GUS_EXPORT_INTERNAL(gus_ring_destroy);

/**
 * gus_ring_push() - append an item at the tail.
 * @r: the ring.
 * @item: the item.
 *
 * Context: any context; never sleeps or waits for another thread.
 * Return: 0, or -ENOSPC if the ring is full (or the cell a lap ahead is
 * still being emptied by a stalled consumer).
 */
int gus_ring_push(struct gus_ring *r, void *item)
{
	unsigned int pos = atomic_read(&r->tail);
	struct gus_ring_cell *cell;
	int diff;

	for (;;) {
		cell = &r->cells[pos & r->mask];
		/* Pairs with the smp_store_release() in gus_ring_pop_if(). */
		diff = (int)(smp_load_acquire(&cell->seq) - pos);
		if (diff == 0) {
			if (atomic_try_cmpxchg_relaxed(&r->tail, &pos, pos + 1))
				break;
			continue;	/* pos now holds the newer tail */
		}
		if (diff < 0)
			return -ENOSPC;
		pos = atomic_read(&r->tail);
	}
	WRITE_ONCE(cell->item, item);
	/* Pairs with the smp_load_acquire() in gus_ring_pop_if(). */
	smp_store_release(&cell->seq, pos + 1);
	return 0;
}

GUS_EXPORT_INTERNAL(gus_ring_push);

/**
 * gus_ring_pop_if() - remove the head item if @ok accepts it.
 * @r: the ring.
 * @item: where to store the item.
 * @ok: NULL to take any item, or a predicate that sees the head item
 *      (which stays in the ring while @ok runs) and may decline it.
 * @arg: passed to @ok.
 *
 * Context: any context; never sleeps or waits for another thread.
 * Return: 0 with *@item set; -EAGAIN if the ring is empty (or its head is
 * not yet published by a stalled producer); -EBUSY if @ok declined the head.
 */
int gus_ring_pop_if(struct gus_ring *r, void **item, gus_ring_ok_t ok, void *arg)
{
	unsigned int pos = atomic_read(&r->head);
	struct gus_ring_cell *cell;
	void *it = NULL;
	int diff;

	for (;;) {
		cell = &r->cells[pos & r->mask];
		/* Pairs with the smp_store_release() in gus_ring_push(). */
		diff = (int)(smp_load_acquire(&cell->seq) - (pos + 1));
		if (diff == 0) {
			it = READ_ONCE(cell->item);
			if (ok && !ok(it, arg))
				return -EBUSY;
			if (atomic_try_cmpxchg_relaxed(&r->head, &pos, pos + 1))
				break;
			continue;	/* pos now holds the newer head */
		}
		if (diff < 0)
			return -EAGAIN;
		pos = atomic_read(&r->head);
	}
	*item = it;
	/* Pairs with the smp_load_acquire() in gus_ring_push(). */
	smp_store_release(&cell->seq, pos + r->mask + 1);
	return 0;
}

GUS_EXPORT_INTERNAL(gus_ring_pop_if);

/**
 * gus_ring_count() - number of items, a snapshot that may be stale.
 * @r: the ring.
 *
 * Context: any context.
 * Return: tail - head as read, clamped to the capacity.
 */
unsigned int gus_ring_count(struct gus_ring *r)
{
	unsigned int head = atomic_read(&r->head);
	unsigned int n = atomic_read(&r->tail) - head;

	return min(n, r->mask + 1);
}

GUS_EXPORT_INTERNAL(gus_ring_count);
