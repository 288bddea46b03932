// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_cpu_busy: an interrupt that lands while its CPU's
 * magazines are held.
 *
 * The fast paths take the CPU's magazines with a trylock that leaves
 * interrupts on (preemption off plus an owner flag), so a hard interrupt
 * can arrive in the middle of an allocation or free on the same CPU.  The
 * test hook gus_cpu_held_hook runs in the alloc slow path with the
 * magazines held; there it queues an irq_work on this CPU and waits for it
 * to run, so the interrupt is sure to land inside the window.  In the
 * interrupt (in_hardirq() checked):
 *
 *   - two GFP_ATOMIC allocations and one free succeed, all past the
 *     magazines (three cpu_busy events), and the objects are whole objects
 *     of the cache, none the one the task is being handed;
 *   - the task's allocation then completes normally;
 *   - for an SMR cache, the object freed in the interrupt while a reader on
 *     another CPU is inside its section waits in its slab (pending), and is
 *     not handed out before the reader leaves.
 *
 * With interrupts off across the window, as before the trylock, the
 * irq_work cannot run inside it and the case fails ("did not land").
 */
#include <kunit/test.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

#define BUSY_WAIT_NS	(2 * NSEC_PER_SEC)

static struct busy_ctx {
	struct gus_cache *c;
	struct irq_work work;
	bool ran, hardirq, hook_ran, landed;
	void *a, *b;			/* allocated in the interrupt; b freed there */
	atomic_t in_section, release;
} busy;

static void busy_irq_fn(struct irq_work *w)
{
	busy.hardirq = in_hardirq();
	busy.a = gus_cache_alloc(busy.c, GFP_ATOMIC);
	busy.b = gus_cache_alloc(busy.c, GFP_ATOMIC);
	if (busy.a)
		memset(busy.a, 0x3c, busy.c->object_size);
	gus_cache_free(busy.c, busy.b);
	WRITE_ONCE(busy.ran, true);
}

/* With the magazines held: raise the interrupt and wait until it ran. */
static void busy_hook(struct gus_cache *c)
{
	u64 end = ktime_get_ns() + BUSY_WAIT_NS;

	if (c != busy.c)
		return;
	WRITE_ONCE(gus_cpu_held_hook, NULL);	/* once */
	busy.hook_ran = true;
	irq_work_queue(&busy.work);
	while (!READ_ONCE(busy.ran) && ktime_get_ns() < end)
		cpu_relax();
	busy.landed = READ_ONCE(busy.ran);
}

static int busy_reader_fn(void *arg)
{
	struct gus_domain *d = gus_cache_domain(busy.c);
	u64 end = ktime_get_ns() + BUSY_WAIT_NS;

	gus_enter(d);
	atomic_set(&busy.in_section, 1);
	while (!atomic_read(&busy.release) && ktime_get_ns() < end)
		cpu_relax();
	gus_exit(d);
	atomic_set(&busy.in_section, 2);
	return gus_test_park();
}

static const unsigned int busy_flags[] = { 0, GUS_CACHE_SMR };

static void busy_flags_desc(const unsigned int *f, char *desc)
{
	strscpy(desc, *f & GUS_CACHE_SMR ? "smr" : "plain", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(busy_flags, busy_flags, busy_flags_desc);

static void busy_irq_inside_the_window(struct kunit *test)
{
	unsigned int flags = *(const unsigned int *)test->param_value;
	bool smr = flags & GUS_CACHE_SMR;
	struct task_struct *reader = NULL;
	unsigned long busy_before;
	unsigned int i, n, again = 0;
	void *obj, **p;
	int cpu, node;

	if (num_online_cpus() < 2 && smr)
		kunit_skip(test, "needs a second CPU for the reader");
	memset(&busy, 0, sizeof(busy));
	init_irq_work(&busy.work, busy_irq_fn);
	busy.c = gus_cache_create(smr ? "kunit-busy-smr" : "kunit-busy", 128, 0, flags, NULL);
	KUNIT_ASSERT_NOT_NULL(test, busy.c);
	migrate_disable();		/* the task stays on this CPU */
	cpu = raw_smp_processor_id();
	if (smr) {
		reader = kthread_create_on_cpu(busy_reader_fn, NULL,
					       cpumask_any_but(cpu_online_mask, cpu),
					       "kunit-busy-rd");
		KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
		wake_up_process(reader);
		while (!atomic_read(&busy.in_section))
			cpu_relax();
	}
	busy_before = gus_cache_event_sum(busy.c, GUS_CPU_BUSY);
	WRITE_ONCE(gus_cpu_held_hook, busy_hook);
	obj = gus_cache_alloc(busy.c, GFP_KERNEL);	/* a new cache: the slow path */
	WRITE_ONCE(gus_cpu_held_hook, NULL);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, busy.hook_ran);
	KUNIT_EXPECT_TRUE_MSG(test, busy.landed,
			      "the interrupt did not land while the magazines were held");
	KUNIT_EXPECT_TRUE(test, busy.hardirq);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, busy.a);
	KUNIT_ASSERT_NOT_NULL(test, busy.b);
	KUNIT_EXPECT_PTR_NE(test, obj, busy.a);
	if (smr)	/* a plain cache may hand b, free in its slab, to the task */
		KUNIT_EXPECT_PTR_NE(test, obj, busy.b);
	KUNIT_EXPECT_NOT_NULL(test, gus_obj_to_slab(busy.c, busy.a));
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(busy.c, GUS_CPU_BUSY) - busy_before, 3UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&busy.c->reports), 0L);

	/* SMR: b waits in its slab while the reader is in; nobody gets it. */
	n = 4 * busy.c->objects;
	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	if (smr) {		/* pending in its slab, for the reader's sake */
		node = gus_obj_to_slab(busy.c, busy.b)->node;
		KUNIT_EXPECT_EQ(test, READ_ONCE(busy.c->nodes[node]->nr_deferred), 1UL);
	}
	for (i = 0; i < n; i++) {
		p[i] = gus_cache_alloc(busy.c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		again += p[i] == busy.b;
	}
	if (smr) {
		KUNIT_EXPECT_EQ(test, atomic_read(&busy.in_section), 1);
		KUNIT_EXPECT_EQ(test, again, 0U);
		atomic_set(&busy.release, 1);
		while (atomic_read(&busy.in_section) != 2)
			cpu_relax();
		kthread_stop(reader);
	}
	gus_cache_free_bulk(busy.c, n, p);
	gus_cache_free(busy.c, busy.a);
	gus_cache_free(busy.c, obj);
	gus_cache_destroy(busy.c);	/* waits, and finds every object freed */
}

static struct kunit_case busy_cases[] = {
	KUNIT_CASE_PARAM(busy_irq_inside_the_window, busy_flags_gen_params),
	{}
};

static struct kunit_suite busy_suite = {
	.name = "gus_cpu_busy",
	.test_cases = busy_cases,
};

kunit_test_suites(&busy_suite);
