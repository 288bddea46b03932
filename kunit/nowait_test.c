// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_nowait: a free never waits, and a refill with
 * interrupts off scans the CPUs at most once.
 *
 *   - an SMR free that finds its magazine full, no spare magazine and no
 *     memory for one (the fault hook gus_fail_mag_allocs) returns at once,
 *     from task context while holding a lock that a reader on another CPU
 *     wants inside its section (lookup-then-lock), and from hardirq
 *     context while a reader holds its section; the object is reused once
 *     the readers are gone;
 *   - a refill that finds the queued magazines' stamps not reached (ring
 *     full, overflow list in use) scans the readers once.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

#define NW_READER_LIMIT_NS	(2 * NSEC_PER_SEC)
#define NW_FREE_LIMIT_NS	(100 * NSEC_PER_MSEC)

struct nw_ctx {
	struct gus_cache *c;
	spinlock_t lock;		/* held by the freeing CPU */
	bool reader_locks;		/* the reader wants the lock */
	atomic_t in_section;
	atomic_t release;		/* hardirq case: reader may leave */
	bool timed_out;
	void **objs;
	unsigned int n;
	u64 free_ns;
	struct hrtimer timer;
	struct task_struct *reader;
};

/* A reader: in its section it takes the lock (or holds on) for 2 s at most. */
static int nw_reader_fn(void *arg)
{
	struct nw_ctx *x = arg;
	struct gus_domain *d = gus_cache_domain(x->c);
	u64 end = ktime_get_ns() + NW_READER_LIMIT_NS;
	bool got = false;

	gus_enter(d);
	atomic_set(&x->in_section, 1);
	while (ktime_get_ns() < end) {
		if (x->reader_locks && spin_trylock(&x->lock)) {
			got = true;
			spin_unlock(&x->lock);
			break;
		}
		if (!x->reader_locks && atomic_read(&x->release))
			break;
		cpu_relax();
	}
	x->timed_out = x->reader_locks ? !got : !atomic_read(&x->release);
	gus_exit(d);
	atomic_set(&x->in_section, 2);
	return gus_test_park();
}

/* Throw away the spare magazines, so a full free magazine needs a new one. */
static void nw_no_spare_magazines(struct gus_cache *c)
{
	void *m;

	while (!gus_ring_pop(c->empty, &m))
		kfree(m);
}

static void nw_wait_in_section(struct nw_ctx *x)
{
	u64 end = ktime_get_ns() + NW_READER_LIMIT_NS;

	while (atomic_read(&x->in_section) != 1 && ktime_get_ns() < end)
		cpu_relax();
}

/* The last free, timed. */
static void nw_last_free(struct nw_ctx *x)
{
	u64 t0 = ktime_get_ns();

	gus_cache_free(x->c, x->objs[x->n - 1]);
	x->free_ns = ktime_get_ns() - t0;
}

/* On the freeing CPU: fill its free magazine, then free one more. */
static long nw_task_free_fn(void *arg)
{
	struct nw_ctx *x = arg;
	unsigned int i;

	nw_no_spare_magazines(x->c);
	atomic_set(&gus_fail_mag_allocs, INT_MAX);
	spin_lock(&x->lock);
	for (i = 0; i < x->n - 1; i++)
		gus_cache_free(x->c, x->objs[i]);
	wake_up_process(x->reader);
	nw_wait_in_section(x);
	nw_last_free(x);
	spin_unlock(&x->lock);
	atomic_set(&gus_fail_mag_allocs, 0);
	return 0;
}

static enum hrtimer_restart nw_irq_free(struct hrtimer *t)
{
	struct nw_ctx *x = container_of(t, struct nw_ctx, timer);

	nw_last_free(x);
	atomic_set(&x->release, 1);
	return HRTIMER_NORESTART;
}

static long nw_irq_free_fn(void *arg)
{
	struct nw_ctx *x = arg;
	unsigned int i;

	nw_no_spare_magazines(x->c);
	atomic_set(&gus_fail_mag_allocs, INT_MAX);
	for (i = 0; i < x->n - 1; i++)
		gus_cache_free(x->c, x->objs[i]);
	wake_up_process(x->reader);
	nw_wait_in_section(x);
	hrtimer_start(&x->timer, ns_to_ktime(10 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED);
	while (!atomic_read(&x->release))
		usleep_range(1000, 2000);
	atomic_set(&gus_fail_mag_allocs, 0);
	return 0;
}

/* Two CPUs: @x->c's objects freed on one while a reader runs on the other. */
static void nw_run(struct kunit *test, struct nw_ctx *x, long (*fn)(void *))
{
	int cpu = cpumask_first(cpu_online_mask);
	int other = cpumask_next(cpu, cpu_online_mask);
	struct gus_cache_usage u;
	unsigned int i;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	x->c = gus_cache_create("kunit-nowait", 64, 0, GUS_CACHE_SMR, NULL);
	KUNIT_ASSERT_NOT_NULL(test, x->c);
	spin_lock_init(&x->lock);
	x->n = x->c->mag_size + 1;
	x->objs = kunit_kcalloc(test, x->n, sizeof(*x->objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->objs);
	for (i = 0; i < x->n; i++) {
		x->objs[i] = gus_cache_alloc(x->c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, x->objs[i]);
	}
	x->reader = kthread_create(nw_reader_fn, x, "gus-nw-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(x->reader));
	kthread_bind(x->reader, other);
	work_on_cpu(cpu, fn, x);
	while (atomic_read(&x->in_section) != 2)
		usleep_range(1000, 2000);
	kthread_stop(x->reader);
	kunit_info(test, "last free took %llu us; reader timed out: %d\n",
		   x->free_ns / NSEC_PER_USEC, x->timed_out);
	KUNIT_EXPECT_FALSE(test, x->timed_out);
	KUNIT_EXPECT_LT(test, x->free_ns, (u64)NW_FREE_LIMIT_NS);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&x->c->reports), 0L);
	/* Nothing leaked: every object is back once the readers are gone. */
	gus_cache_shrink(x->c);
	gus_cache_usage(x->c, &u);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	KUNIT_EXPECT_EQ(test, gus_depot_live(x->c), 0UL);
	gus_cache_destroy(x->c);
}

/* Task context, holding a lock the reader takes inside its section. */
static void nowait_free_holding_readers_lock(struct kunit *test)
{
	struct nw_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->reader_locks = true;
	nw_run(test, x, nw_task_free_fn);
}

/* Hardirq context, a reader holding its section until the free is done. */
static void nowait_free_in_hardirq(struct kunit *test)
{
	struct nw_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	gus_hrtimer_setup(&x->timer, nw_irq_free, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	nw_run(test, x, nw_irq_free_fn);
	hrtimer_cancel(&x->timer);
}

struct nw_scan {
	struct gus_cache *c;
	void **objs;
	unsigned int n, held;
	unsigned long scans;
};

static int nw_holder_fn(void *arg)
{
	struct nw_ctx *x = arg;
	struct gus_domain *d = gus_cache_domain(x->c);
	u64 end = ktime_get_ns() + 10 * NSEC_PER_SEC;

	gus_enter(d);
	atomic_set(&x->in_section, 1);
	while (!atomic_read(&x->release) && ktime_get_ns() < end)
		cpu_relax();
	gus_exit(d);
	atomic_set(&x->in_section, 2);
	return gus_test_park();
}

/* On the freeing CPU: its node's objects (another node's would go home). */
static long nw_alloc_fn(void *arg)
{
	struct nw_scan *s = arg;
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		s->objs[i] = gus_cache_alloc(s->c, GFP_KERNEL);
		if (!s->objs[i])
			return -ENOMEM;
	}
	return 0;
}

/* On one CPU: queue more magazines than the ring holds, then refill once. */
static long nw_scan_fn(void *arg)
{
	struct nw_scan *s = arg;
	struct gus_domain *d = gus_cache_domain(s->c);
	unsigned int i, left;
	unsigned long before;
	void *obj;

	for (i = 0; i < s->n; i++)
		gus_cache_free(s->c, s->objs[i]);
	/* Empty this CPU's alloc magazine so that the next allocation refills. */
	left = this_cpu_ptr(s->c->cpu)->alloc->count;
	for (s->held = 0; s->held < left; s->held++)
		s->objs[s->held] = gus_cache_alloc(s->c, GFP_KERNEL);
	before = gus_event_sum(d, GUS_EV_SCAN);
	obj = gus_cache_alloc(s->c, GFP_ATOMIC);
	s->scans = gus_event_sum(d, GUS_EV_SCAN) - before;
	s->objs[s->held++] = obj;
	return 0;
}

static void nowait_refill_scans_once(struct kunit *test)
{
	struct nw_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct nw_scan *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int cpu = cpumask_first(cpu_online_mask);
	int other = cpumask_next(cpu, cpu_online_mask);
	struct gus_node *gn;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->c = gus_cache_create("kunit-scan-once", 16, 0, GUS_CACHE_SMR, NULL);
	KUNIT_ASSERT_NOT_NULL(test, s->c);
	x->c = s->c;
	gn = s->c->nodes[cpu_to_mem(cpu)];	/* the freeing CPU's queue */
	s->n = (gus_ring_capacity(gn->ring) + 2) * s->c->mag_size;
	s->objs = kunit_kcalloc(test, s->n, sizeof(*s->objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->objs);
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, nw_alloc_fn, s), 0L);
	x->reader = kthread_run_on_cpu(nw_holder_fn, x, other, "gus-nw-holder/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(x->reader));
	nw_wait_in_section(x);
	work_on_cpu(cpu, nw_scan_fn, s);
	atomic_set(&x->release, 1);
	while (atomic_read(&x->in_section) != 2)
		usleep_range(1000, 2000);
	kthread_stop(x->reader);
	kunit_info(test, "one refill scanned %lu times (overflow in use: %d)\n",
		   s->scans, !list_empty(&gn->overflow));
	KUNIT_EXPECT_FALSE(test, list_empty(&gn->overflow));
	KUNIT_EXPECT_LE(test, s->scans, 1UL);
	gus_cache_free_bulk(s->c, s->held, s->objs);
	gus_cache_destroy(s->c);
}

static struct kunit_case nowait_cases[] = {
	KUNIT_CASE(nowait_free_holding_readers_lock),
	KUNIT_CASE(nowait_free_in_hardirq),
	KUNIT_CASE(nowait_refill_scans_once),
	{}
};

static struct kunit_suite nowait_suite = {
	.name = "gus_nowait",
	.test_cases = nowait_cases,
};

kunit_test_suites(&nowait_suite);
