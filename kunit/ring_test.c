// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the transfer ring (slab/ring.c):
 *
 *   gus_ring      one thread: empty, full, FIFO, capacity edges, counters
 *                 across the u32 wrap, pop_if, bad capacities;
 *   gus_ring_smp  producers and consumers bound to different CPUs move
 *                 distinct items; every item must come out exactly once,
 *                 and each consumer must see each producer's items in
 *                 increasing order.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../slab/ring.h"

GUS_IMPORT_INTERNAL();

#define ITEM(n)		((void *)(((unsigned long)(n) << 1) | 1))
#define ITEM_NR(p)	((unsigned long)(p) >> 1)

static struct gus_ring *ring_at(struct kunit *test, unsigned int cap,
				unsigned int start)
{
	struct gus_ring *r = gus_ring_create(cap, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	__gus_ring_reset(r, start);
	return r;
}

static void ring_rejects_bad_capacity(struct kunit *test)
{
	struct gus_ring *r;

	KUNIT_EXPECT_NULL(test, gus_ring_create(0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gus_ring_create(1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gus_ring_create(3, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gus_ring_create(GUS_RING_MAX * 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, gus_ring_create(0x80000000U, GFP_KERNEL));
	r = gus_ring_create(2, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, r);
	gus_ring_destroy(r);
	gus_ring_destroy(NULL);
}

/* Fill, overfill, drain and underflow, @laps times, checking FIFO. */
static void ring_fill_drain(struct kunit *test, unsigned int cap,
			    unsigned int start, unsigned int laps)
{
	struct gus_ring *r = ring_at(test, cap, start);
	unsigned int lap, i, n = 0, m = 0;
	void *it;

	for (lap = 0; lap < laps; lap++) {
		KUNIT_EXPECT_EQ(test, gus_ring_pop(r, &it), -EAGAIN);
		for (i = 0; i < cap; i++)
			KUNIT_EXPECT_EQ(test, gus_ring_push(r, ITEM(n++)), 0);
		KUNIT_EXPECT_EQ(test, gus_ring_count(r), cap);
		KUNIT_EXPECT_EQ(test, gus_ring_push(r, ITEM(n)), -ENOSPC);
		for (i = 0; i < cap; i++) {
			KUNIT_ASSERT_EQ(test, gus_ring_pop(r, &it), 0);
			KUNIT_EXPECT_EQ(test, ITEM_NR(it), (unsigned long)m++);
		}
		KUNIT_EXPECT_EQ(test, gus_ring_count(r), 0U);
	}
	gus_ring_destroy(r);
}

static void ring_fifo_and_limits(struct kunit *test)
{
	ring_fill_drain(test, 2, 0, 3);
	ring_fill_drain(test, 64, 0, 3);
}

static void ring_counters_across_wrap(struct kunit *test)
{
	ring_fill_drain(test, 2, UINT_MAX - 1, 4);
	ring_fill_drain(test, 8, UINT_MAX - 11, 4);
	ring_fill_drain(test, 64, UINT_MAX - 100, 5);
}

/* Interleaved pushes and pops keep order across the wrap. */
static void ring_interleaved_across_wrap(struct kunit *test)
{
	struct gus_ring *r = ring_at(test, 4, UINT_MAX - 20);
	unsigned int n = 0, m = 0, i;
	void *it;

	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_EQ(test, gus_ring_push(r, ITEM(n++)), 0);
		if (i % 3 != 2)
			KUNIT_EXPECT_EQ(test, gus_ring_push(r, ITEM(n++)), 0);
		KUNIT_ASSERT_EQ(test, gus_ring_pop(r, &it), 0);
		KUNIT_EXPECT_EQ(test, ITEM_NR(it), (unsigned long)m++);
		if (gus_ring_count(r) > 2) {
			KUNIT_ASSERT_EQ(test, gus_ring_pop(r, &it), 0);
			KUNIT_EXPECT_EQ(test, ITEM_NR(it), (unsigned long)m++);
		}
	}
	while (!gus_ring_pop(r, &it))
		KUNIT_EXPECT_EQ(test, ITEM_NR(it), (unsigned long)m++);
	KUNIT_EXPECT_EQ(test, m, n);
	gus_ring_destroy(r);
}

static bool accept_below(void *item, void *arg)
{
	return ITEM_NR(item) < (unsigned long)arg;
}

static void ring_pop_if_declines_head(struct kunit *test)
{
	struct gus_ring *r = ring_at(test, 8, 0);
	void *it = NULL;

	KUNIT_EXPECT_EQ(test, gus_ring_pop_if(r, &it, accept_below, (void *)10UL), -EAGAIN);
	gus_ring_push(r, ITEM(5));
	gus_ring_push(r, ITEM(20));
	KUNIT_EXPECT_EQ(test, gus_ring_pop_if(r, &it, accept_below, (void *)5UL), -EBUSY);
	KUNIT_EXPECT_EQ(test, gus_ring_count(r), 2U);
	KUNIT_EXPECT_EQ(test, gus_ring_pop_if(r, &it, accept_below, (void *)6UL), 0);
	KUNIT_EXPECT_EQ(test, ITEM_NR(it), 5UL);
	/* The head now is 20: declined, and nothing behind it is taken. */
	KUNIT_EXPECT_EQ(test, gus_ring_pop_if(r, &it, accept_below, (void *)6UL), -EBUSY);
	KUNIT_EXPECT_EQ(test, gus_ring_pop(r, &it), 0);
	KUNIT_EXPECT_EQ(test, ITEM_NR(it), 20UL);
	gus_ring_destroy(r);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(ring_rejects_bad_capacity),
	KUNIT_CASE(ring_fifo_and_limits),
	KUNIT_CASE(ring_counters_across_wrap),
	KUNIT_CASE(ring_interleaved_across_wrap),
	KUNIT_CASE(ring_pop_if_declines_head),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "gus_ring",
	.test_cases = ring_cases,
};

/* ---- gus_ring_smp --------------------------------------------------- */

#define PRODUCERS	2
#define CONSUMERS	2
#define PER_PRODUCER	250000UL

struct smp_ring {
	struct gus_ring *r;
	u8 *seen;			/* PRODUCERS * PER_PRODUCER counts */
	atomic_t producers_left;
	atomic_long_t popped, order_errors, full, empty;
};

struct smp_ring_thread {
	struct smp_ring *s;
	unsigned int id;
};

static int ring_producer_fn(void *arg)
{
	struct smp_ring_thread *t = arg;
	unsigned long n = 0, full = 0;

	while (n < PER_PRODUCER) {
		if (gus_ring_push(t->s->r, ITEM(t->id * PER_PRODUCER + n)) == 0) {
			n++;
		} else {
			full++;
			cond_resched();
		}
	}
	atomic_long_add(full, &t->s->full);
	atomic_dec(&t->s->producers_left);
	return gus_test_park();
}

static int ring_consumer_fn(void *arg)
{
	struct smp_ring_thread *t = arg;
	struct smp_ring *s = t->s;
	unsigned long last[PRODUCERS], nr, popped = 0, empty = 0, bad = 0;
	unsigned int p;
	void *it;

	memset(last, 0xff, sizeof(last));
	for (;;) {
		if (gus_ring_pop(s->r, &it)) {
			if (!atomic_read(&s->producers_left) &&
			    gus_ring_count(s->r) == 0)
				break;
			empty++;
			cond_resched();
			continue;
		}
		nr = ITEM_NR(it);
		p = nr / PER_PRODUCER;
		/* Each producer's items reach each consumer in order. */
		if (last[p] != ULONG_MAX && nr <= last[p])
			bad++;
		last[p] = nr;
		s->seen[nr]++;		/* distinct items: no two writers */
		popped++;
	}
	atomic_long_add(popped, &s->popped);
	atomic_long_add(bad, &s->order_errors);
	atomic_long_add(empty, &s->empty);
	return gus_test_park();
}

static void ring_smp_run(struct kunit *test, unsigned int cap, unsigned int start)
{
	struct smp_ring_thread th[PRODUCERS + CONSUMERS];
	struct task_struct *task[PRODUCERS + CONSUMERS];
	unsigned long i, dup = 0, lost = 0;
	struct smp_ring *s;
	unsigned int k;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->seen = kvzalloc(PRODUCERS * PER_PRODUCER, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->seen);
	s->r = ring_at(test, cap, start);
	atomic_set(&s->producers_left, PRODUCERS);

	for (k = 0; k < PRODUCERS + CONSUMERS; k++) {
		th[k].s = s;
		th[k].id = k < PRODUCERS ? k : k - PRODUCERS;
		task[k] = kthread_create(k < PRODUCERS ? ring_producer_fn : ring_consumer_fn,
					 &th[k], "gus-ring/%u", k);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[k]));
		kthread_bind(task[k], cpumask_nth(k % num_online_cpus(), cpu_online_mask));
	}
	for (k = 0; k < PRODUCERS + CONSUMERS; k++)
		wake_up_process(task[k]);
	while (atomic_long_read(&s->popped) < PRODUCERS * PER_PRODUCER &&
	       (atomic_read(&s->producers_left) || gus_ring_count(s->r)))
		msleep(20);
	msleep(50);
	for (k = 0; k < PRODUCERS + CONSUMERS; k++)
		kthread_stop(task[k]);

	for (i = 0; i < PRODUCERS * PER_PRODUCER; i++) {
		dup += s->seen[i] > 1;
		lost += s->seen[i] == 0;
	}
	kunit_info(test, "cap %u: %ld popped, %ld full, %ld empty\n", cap,
		   atomic_long_read(&s->popped), atomic_long_read(&s->full),
		   atomic_long_read(&s->empty));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->popped),
			(long)(PRODUCERS * PER_PRODUCER));
	KUNIT_EXPECT_EQ(test, lost, 0UL);
	KUNIT_EXPECT_EQ(test, dup, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->order_errors), 0L);
	gus_ring_destroy(s->r);
	kvfree(s->seen);
}

static void ring_smp_no_loss_no_duplicate(struct kunit *test)
{
	ring_smp_run(test, 16, 0);
}

static void ring_smp_across_wrap(struct kunit *test)
{
	ring_smp_run(test, 8, UINT_MAX - 1000);
}

static struct kunit_case ring_smp_cases[] = {
	KUNIT_CASE(ring_smp_no_loss_no_duplicate),
	KUNIT_CASE(ring_smp_across_wrap),
	{}
};

static struct kunit_suite ring_smp_suite = {
	.name = "gus_ring_smp",
	.test_cases = ring_smp_cases,
};

kunit_test_suites(&ring_suite, &ring_smp_suite);
