// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_shared: what structures with several kinds of node need
 * from GUS.
 *
 *   - two caches on one caller's domain (default, deferred, lazy): a
 *     section of that domain holds back reuse in both;
 *   - a lazy-domain cache read under rcu_read_lock() by preemptible
 *     readers while writers on every vCPU replace and free: no reader
 *     sees an object reused inside its section;
 *   - a domain is not destroyed while a cache uses it;
 *   - gus_read_held() in each mode and context (task, softirq, hardirq,
 *     nested), and gus_dereference() outside a section reported once.
 */
#include <kunit/test.h>
#include <linux/bsearch.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/sort.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

GUS_TEST_MODES_PARAM(shared);

static struct gus_cache *shared_cache(struct kunit *test, const char *name,
				      unsigned int size, struct gus_domain *d)
{
	struct gus_cache_args args = { .domain = d };
	struct gus_cache *c = gus_cache_create_args(name, size, &args, GUS_CACHE_SMR);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_EQ(test, gus_cache_domain(c), d);
	return c;
}

/* How many of @objs[0..n) are in the sorted array @freed[0..nf). */
static unsigned int shared_hits(void **freed, unsigned int nf, void **objs,
				unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++)
		hits += !!bsearch(&objs[i], freed, nf, sizeof(*freed), gus_test_cmp_ptr);
	return hits;
}

/*
 * Allocate @n objects of @c into @objs, count those that were freed
 * (@freed, sorted), free them again.  Return: the count.
 */
static unsigned int shared_churn(struct gus_cache *c, gfp_t gfp, void **freed,
				 unsigned int nf, void **objs, unsigned int n)
{
	unsigned int got, hits;

	got = gus_cache_alloc_bulk(c, gfp, n, objs);
	hits = shared_hits(freed, nf, objs, got);
	gus_cache_free_bulk(c, got, objs);
	return hits;
}

/*
 * Two caches on one domain, read in one section: while it lasts neither
 * hands out any object freed inside it; after the domain's goal is
 * reached both do again (so the check can see reuse).  A lazy domain's
 * section here is gus_enter(), preemption off; shared_lazy_rcu_readers
 * has rcu_read_lock() readers.
 */
static void shared_two_caches_one_section(struct kunit *test)
{
	struct gus_domain *d = gus_test_mode_domain(test, "kunit-shared");
	struct gus_cache *c[2];
	unsigned int i, k, n, held = 0, reused[2] = { 0, 0 };
	void **freed[2], **objs;

	c[0] = shared_cache(test, "kunit-shared-a", 64, d);
	c[1] = shared_cache(test, "kunit-shared-b", 200, d);
	n = 4 * max(c[0]->objects, c[1]->objects);
	objs = kunit_kcalloc(test, 4 * n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (k = 0; k < 2; k++) {
		freed[k] = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, freed[k]);
		KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c[k], GFP_KERNEL, n, freed[k]),
				(int)n);
	}

	/*
	 * One CPU from the frees to the reuse: the stamped magazines wait on
	 * the ring of the freeing CPU's node, which a CPU of another node
	 * never takes from (as in kmalloc_smr_reader_holds_reuse).
	 */
	migrate_disable();
	gus_enter(d);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++)
			gus_cache_free(c[k], freed[k][i]);
		sort(freed[k], n, sizeof(void *), gus_test_cmp_ptr, NULL);
	}
	/* Every refill and scan of either cache now meets this section. */
	for (i = 0; i < 4; i++)
		for (k = 0; k < 2; k++) {
			gus_cache_reclaim(c[k], false);
			held += shared_churn(c[k], GFP_ATOMIC, freed[k], n, objs, 4 * n);
		}
	gus_exit(d);
	KUNIT_EXPECT_EQ(test, held, 0U);

	/*
	 * Until both have reused some (16 rounds at most): four rounds once
	 * missed every one of cache a's 248 on a lazy domain, the magazines
	 * of the section's churn coming first.
	 */
	gus_synchronize(d);
	for (i = 0; i < 16 && !(reused[0] && reused[1]); i++)
		for (k = 0; k < 2; k++)
			reused[k] += shared_churn(c[k], GFP_KERNEL, freed[k], n, objs, 4 * n);
	migrate_enable();
	kunit_info(test, "reused in section %u; after it: a %u b %u of %u\n",
		   held, reused[0], reused[1], n);
	KUNIT_EXPECT_GT(test, reused[0], 0U);
	KUNIT_EXPECT_GT(test, reused[1], 0U);
	gus_cache_destroy(c[1]);
	gus_cache_destroy(c[0]);
	KUNIT_EXPECT_EQ(test, gus_domain_destroy(d), 0);
}

/* A domain is not destroyed under its caches; a domain needs SMR. */
static void shared_domain_destroy_refused(struct kunit *test)
{
	struct gus_domain *d = gus_domain_create("kunit-shared-busy", 0);
	struct gus_cache_args args = { .domain = d };
	struct gus_cache *c[2];
	unsigned long g;
	void *o;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_NULL(test, gus_cache_create_args("kunit-shared-nosmr", 64, &args, 0));
	c[0] = shared_cache(test, "kunit-shared-x", 64, d);
	c[1] = shared_cache(test, "kunit-shared-y", 128, d);
	KUNIT_EXPECT_EQ(test, gus_domain_users(d), 2U);
	KUNIT_EXPECT_EQ(test, gus_domain_destroy(d), -EBUSY);
	/* Refused means untouched: the domain and its caches still work. */
	o = gus_cache_alloc(c[0], GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	gus_cache_free(c[0], o);
	g = gus_advance(d);
	gus_wait(d, g);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_cache_destroy(c[0]);
	KUNIT_EXPECT_EQ(test, gus_domain_destroy(d), -EBUSY);
	gus_cache_destroy(c[1]);
	KUNIT_EXPECT_EQ(test, gus_domain_users(d), 0U);
	KUNIT_EXPECT_EQ(test, gus_domain_destroy(d), 0);
	/* A cache with a domain of its own still cleans up after itself. */
	c[0] = gus_cache_create("kunit-shared-own", 64, 0, GUS_CACHE_SMR, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c[0]);
	gus_cache_destroy(c[0]);
	d = gus_domain_create("kunit-shared-own", 0);	/* its name is free again */
	KUNIT_EXPECT_NOT_NULL(test, d);
	gus_domain_destroy(d);
}

/* ---- lazy domain, rcu_read_lock() readers ----------------------------- */

#define LAZY_SLOTS	16
#define LAZY_MIN_OPS	20000L
#define LAZY_MAX_MS	20000

struct lazy_obj {
	unsigned long gen;
	unsigned long check;	/* ~gen while live */
};

struct lazy_ctx {
	struct gus_cache *c;
	struct gus_domain *d;
	struct lazy_obj __gus *slot[LAZY_SLOTS];
	atomic_long_t reads, bad, replaced, gen, preempted;
	bool stop;
};

static int lazy_reader_fn(void *arg)
{
	struct lazy_ctx *x = arg;
	u32 rnd = get_random_u32() | 1;
	unsigned long g, nivcsw;
	struct lazy_obj *o;

	while (!READ_ONCE(x->stop)) {
		rcu_read_lock();
		nivcsw = current->nivcsw;
		o = gus_dereference(x->slot[gus_test_rand(&rnd) % LAZY_SLOTS], x->d);
		g = READ_ONCE(o->gen);
		udelay(gus_test_rand(&rnd) % 50);	/* long enough to be preempted */
		if (READ_ONCE(o->gen) != g || READ_ONCE(o->check) != ~g)
			atomic_long_inc(&x->bad);
		if (current->nivcsw != nivcsw)
			atomic_long_inc(&x->preempted);
		rcu_read_unlock();
		atomic_long_inc(&x->reads);
		cond_resched();
	}
	return gus_test_park();
}

static int lazy_writer_fn(void *arg)
{
	struct lazy_ctx *x = arg;
	u32 rnd = get_random_u32() | 1;
	struct lazy_obj *o, *old;
	unsigned int i;

	while (!READ_ONCE(x->stop)) {
		o = gus_cache_alloc(x->c, GFP_KERNEL);
		if (!o)
			continue;
		o->gen = atomic_long_inc_return(&x->gen);
		o->check = ~o->gen;
		i = gus_test_rand(&rnd) % LAZY_SLOTS;
		/* Release: pairs with the dependency-ordered gus_dereference(). */
		old = (struct lazy_obj __force *)xchg_release(&x->slot[i],
							       (struct lazy_obj __force __gus *)o);
		gus_cache_free(x->c, old);	/* reused after a grace period */
		atomic_long_inc(&x->replaced);
		cond_resched();
	}
	return gus_test_park();
}

static struct task_struct *shared_start(struct kunit *test, int (*fn)(void *),
					void *arg, int cpu)
{
	struct task_struct *t = kthread_create(fn, arg, "gus-shared/%d", cpu);

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	return t;
}

/*
 * A lazy-domain cache, read under rcu_read_lock() by readers that can be
 * preempted inside (two per vCPU, PREEMPT kernels), replaced and freed by
 * a writer on every vCPU: no reader sees an object change inside its
 * section.  Also checks that readers really were preempted in sections.
 */
static void shared_lazy_rcu_readers(struct kunit *test)
{
	struct lazy_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct gus_cache_args args = {};
	struct task_struct **t;
	unsigned int nr = 0, i;
	struct lazy_obj *o;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_NOT_NULL(test, x);
	t = kunit_kcalloc(test, 3 * nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	x->d = gus_domain_create("kunit-shared-rcu", GUS_LAZY);
	KUNIT_ASSERT_NOT_NULL(test, x->d);
	args.domain = x->d;
	x->c = gus_cache_create_args("kunit-shared-rcu", sizeof(struct lazy_obj), &args,
				     GUS_CACHE_SMR);
	KUNIT_ASSERT_NOT_NULL(test, x->c);
	for (i = 0; i < LAZY_SLOTS; i++) {
		o = gus_cache_alloc(x->c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		o->gen = atomic_long_inc_return(&x->gen);
		o->check = ~o->gen;
		gus_assign_pointer(x->slot[i], o);
	}
	for_each_online_cpu(cpu) {
		t[nr++] = shared_start(test, lazy_reader_fn, x, cpu);
		t[nr++] = shared_start(test, lazy_reader_fn, x, cpu);
		t[nr++] = shared_start(test, lazy_writer_fn, x, cpu);
	}
	for (i = 0; i < LAZY_MAX_MS / 20; i++) {
		msleep(20);
		if (atomic_long_read(&x->replaced) >= LAZY_MIN_OPS &&
		    atomic_long_read(&x->reads) >= LAZY_MIN_OPS &&
		    atomic_long_read(&x->preempted) >= 10)
			break;
	}
	WRITE_ONCE(x->stop, true);
	for (i = 0; i < nr; i++)
		kthread_stop(t[i]);
	kunit_info(test, "reads %ld (preempted inside %ld) replaced %ld bad %ld ring pops %lu\n",
		   atomic_long_read(&x->reads), atomic_long_read(&x->preempted),
		   atomic_long_read(&x->replaced), atomic_long_read(&x->bad),
		   gus_cache_event_sum(x->c, GUS_RING_POP));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&x->bad), 0L);
	KUNIT_EXPECT_GE(test, atomic_long_read(&x->replaced), LAZY_MIN_OPS);
	KUNIT_EXPECT_GT(test, gus_cache_event_sum(x->c, GUS_RING_POP), 0UL);
	if (IS_ENABLED(CONFIG_PREEMPT_RCU))
		KUNIT_EXPECT_GT(test, atomic_long_read(&x->preempted), 0L);
	for (i = 0; i < LAZY_SLOTS; i++)
		gus_cache_free(x->c, gus_dereference_protected(x->slot[i], true));
	gus_cache_destroy(x->c);
	KUNIT_EXPECT_EQ(test, gus_domain_destroy(x->d), 0);
}

/* ---- gus_read_held() and the checked accessors ---------------------- */

struct held_ctx {
	struct hrtimer timer;
	struct gus_domain *d;
	bool enter;		/* the callback opens its own section */
	bool held, held_in, in_irq;
	struct completion done;
};

static enum hrtimer_restart held_timer_fn(struct hrtimer *t)
{
	struct held_ctx *h = container_of(t, struct held_ctx, timer);

	h->in_irq = !in_task();
	h->held = gus_read_held(h->d);
	if (h->enter) {
		gus_enter(h->d);
		gus_enter(h->d);	/* nested */
		gus_exit(h->d);
		h->held_in = gus_read_held(h->d);
		gus_exit(h->d);
	}
	complete(&h->done);
	return HRTIMER_NORESTART;
}

/* gus_read_held() as seen from an hrtimer callback in @mode. */
static void held_from_timer(struct kunit *test, struct held_ctx *h,
			    enum hrtimer_mode mode, bool enter)
{
	h->enter = enter;
	h->held = false;
	h->held_in = false;
	h->in_irq = false;
	init_completion(&h->done);
	gus_hrtimer_setup(&h->timer, held_timer_fn, CLOCK_MONOTONIC, mode);
	hrtimer_start(&h->timer, ns_to_ktime(10 * NSEC_PER_USEC), mode);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&h->done, HZ), 0UL);
	hrtimer_cancel(&h->timer);
	KUNIT_EXPECT_TRUE(test, h->in_irq);
}

static void shared_read_held_contexts(struct kunit *test)
{
	struct held_ctx *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct gus_domain *d = gus_test_mode_domain(test, "kunit-shared");
	bool lazy = d->flags & GUS_LAZY;
	enum hrtimer_mode modes[] = { HRTIMER_MODE_REL_SOFT, HRTIMER_MODE_REL_HARD };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->d = d;
	/* Task context. */
	KUNIT_EXPECT_FALSE(test, gus_read_held(d));
	gus_enter(d);
	KUNIT_EXPECT_TRUE(test, gus_read_held(d));
	gus_enter(d);
	gus_exit(d);
	KUNIT_EXPECT_TRUE(test, gus_read_held(d));	/* outer still open */
	gus_exit(d);
	KUNIT_EXPECT_FALSE(test, gus_read_held(d));
	/* Any RCU reader is a section of a lazy domain, and only of one. */
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, gus_read_held(d), lazy);
	rcu_read_unlock();
	preempt_disable();
	KUNIT_EXPECT_EQ(test, gus_read_held(d), lazy);
	preempt_enable();
	/*
	 * Softirq, then hardirq: outside a section only a lazy domain holds
	 * (both are RCU readers), inside their own nested sections every
	 * domain does.
	 */
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		held_from_timer(test, h, modes[i], true);
		KUNIT_EXPECT_EQ(test, h->held, lazy);
		KUNIT_EXPECT_TRUE(test, h->held_in);
	}
	gus_domain_destroy(d);
}

struct deref_node {
	int value;
};

/*
 * Under CONFIG_PROVE_RCU, gus_dereference() outside a section of its
 * domain is reported (counted as a misuse, quietly here) once per call
 * site; inside one it is not.
 */
static void shared_dereference_checked(struct kunit *test)
{
	struct gus_domain *d = gus_domain_create("kunit-shared-deref", 0);
	static struct deref_node node = { .value = 42 };
	struct deref_node __gus *p = NULL;
	struct deref_node *v;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	gus_assign_pointer(p, &node);
	gus_enter(d);
	v = gus_dereference(p, d);
	gus_exit(d);
	KUNIT_EXPECT_EQ(test, v->value, 42);
	KUNIT_EXPECT_EQ(test, gus_event_sum(d, GUS_EV_MISUSE), 0UL);
	KUNIT_EXPECT_PTR_EQ(test, gus_access_pointer(p), &node);

	WRITE_ONCE(gus_quiet_misuse, true);
	for (i = 0; i < 3; i++) {
		v = gus_dereference(p, d);	/* outside: a bug, once per site */
		KUNIT_EXPECT_PTR_EQ(test, v, &node);
	}
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, gus_event_sum(d, GUS_EV_MISUSE),
			IS_ENABLED(CONFIG_PROVE_RCU) ? 1UL : 0UL);
	gus_domain_destroy(d);
}

static struct kunit_case shared_cases[] = {
	KUNIT_CASE_PARAM(shared_two_caches_one_section, shared_mode_gen_params),
	KUNIT_CASE(shared_domain_destroy_refused),
	KUNIT_CASE_PARAM(shared_read_held_contexts, shared_mode_gen_params),
	KUNIT_CASE(shared_dereference_checked),
	KUNIT_CASE(shared_lazy_rcu_readers),
	{}
};

static struct kunit_suite shared_suite = {
	.name = "gus_shared",
	.test_cases = shared_cases,
};

kunit_test_suites(&shared_suite);
