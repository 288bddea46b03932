// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_bench: benchmarks run at module load on the perf kernel
 * (tools/testing/run.sh --flavour perf --mode bench).  Each case compares
 * gusslab with the kernel's own mechanism in the same boot and prints
 * lines starting with "BENCH"; ratios matter, not absolute times (QEMU
 * TCG distorts time).
 *
 *   sections   gus_enter+gus_exit per mode vs rcu_read_lock/unlock and
 *              srcu_read_lock/unlock, one CPU
 *   advance    gus_advance+gus_poll per mode, one CPU, no readers
 *   reclaim    time from retire to reusable with readers on every other
 *              CPU: gus_wait per mode vs synchronize_rcu and polled RCU
 *   ring       push+pop pairs per second, 1..N threads on distinct CPUs,
 *              lock-free ring vs a spinlock-protected array
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../slab/ring.h"

GUS_IMPORT_INTERNAL();

static unsigned int loops = 1000000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "iterations of the single-CPU cases");

static const struct {
	const char *name;
	unsigned int flags;
} modes[] = {
	{ "default", 0 }, { "deferred", GUS_DEFERRED }, { "lazy", GUS_LAZY },
};

DEFINE_STATIC_SRCU(bench_srcu);

static u64 per_op(u64 t0, unsigned long n)
{
	return div64_u64((ktime_get_ns() - t0) * 1000, n);	/* picoseconds */
}

static void bench_report(const char *cas, const char *what, u64 ps, u64 base_ps)
{
	pr_info("BENCH %-10s %-22s %8llu.%03llu ns  ratio %llu.%02llu\n", cas, what,
		ps / 1000, ps % 1000, div64_u64(ps, base_ps ?: 1),
		div64_u64((ps % (base_ps ?: 1)) * 100, base_ps ?: 1));
}

static void bench_sections(void)
{
	unsigned long i;
	u64 t0, rcu, ps;
	int idx, m;

	preempt_disable();
	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		rcu_read_lock();
		barrier();
		rcu_read_unlock();
	}
	rcu = per_op(t0, loops);
	preempt_enable();
	bench_report("sections", "rcu_read_lock", rcu, rcu);

	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		idx = srcu_read_lock(&bench_srcu);
		barrier();
		srcu_read_unlock(&bench_srcu, idx);
	}
	bench_report("sections", "srcu_read_lock", per_op(t0, loops), rcu);

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		struct gus_domain *d = gus_domain_create("bench", modes[m].flags);

		if (!d)
			return;
		t0 = ktime_get_ns();
		for (i = 0; i < loops; i++) {
			gus_enter(d);
			barrier();
			gus_exit(d);
		}
		ps = per_op(t0, loops);
		bench_report("sections", modes[m].name, ps, rcu);
		gus_domain_destroy(d);
	}
}

static void bench_advance(void)
{
	unsigned long i, n = loops / 10;
	u64 t0, first = 0, ps;
	int m;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		struct gus_domain *d = gus_domain_create("bench", modes[m].flags);

		if (!d)
			return;
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++)
			gus_poll(d, gus_advance(d));
		ps = per_op(t0, n);
		if (!m)
			first = ps;
		bench_report("advance", modes[m].name, ps, first);
		gus_domain_destroy(d);
	}
}

/* ---- reclaim: retire-to-reusable latency with busy readers ---------- */

static struct gus_domain *reader_domain;
static bool readers_use_rcu;

static int bench_reader_fn(void *unused)
{
	while (!kthread_should_stop()) {
		if (readers_use_rcu) {
			rcu_read_lock();
			udelay(2);
			rcu_read_unlock();
		} else {
			gus_enter(reader_domain);
			udelay(2);
			gus_exit(reader_domain);
		}
		cond_resched();
	}
	return 0;
}

static struct task_struct **start_readers(void)
{
	struct task_struct **t = kcalloc(nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	int cpu, self = raw_smp_processor_id();

	if (!t)
		return NULL;
	for_each_online_cpu(cpu)
		if (cpu != self)
			t[cpu] = kthread_run_on_cpu(bench_reader_fn, NULL, cpu, "bench-rd/%u");
	return t;
}

static void stop_readers(struct task_struct **t)
{
	int cpu;

	for (cpu = 0; t && cpu < nr_cpu_ids; cpu++)
		if (!IS_ERR_OR_NULL(t[cpu]))
			kthread_stop(t[cpu]);
	kfree(t);
}

#define RECLAIM_ROUNDS	100

static void bench_reclaim(void)
{
	struct task_struct **t;
	unsigned long cookie;
	u64 t0, rcu;
	int i, m;

	readers_use_rcu = true;
	t = start_readers();
	t0 = ktime_get_ns();
	for (i = 0; i < RECLAIM_ROUNDS; i++)
		synchronize_rcu();
	rcu = per_op(t0, RECLAIM_ROUNDS);
	bench_report("reclaim", "synchronize_rcu", rcu, rcu);
	t0 = ktime_get_ns();
	for (i = 0; i < RECLAIM_ROUNDS; i++) {
		cookie = start_poll_synchronize_rcu();
		while (!poll_state_synchronize_rcu(cookie))
			usleep_range(10, 20);
	}
	bench_report("reclaim", "polled rcu", per_op(t0, RECLAIM_ROUNDS), rcu);
	stop_readers(t);

	readers_use_rcu = false;
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		reader_domain = gus_domain_create("bench", modes[m].flags);
		if (!reader_domain)
			return;
		t = start_readers();
		t0 = ktime_get_ns();
		for (i = 0; i < RECLAIM_ROUNDS; i++)
			gus_synchronize(reader_domain);
		bench_report("reclaim", modes[m].name, per_op(t0, RECLAIM_ROUNDS), rcu);
		stop_readers(t);
		gus_domain_destroy(reader_domain);
	}
}

/* ---- ring vs spinlock-protected array ------------------------------- */

struct locked_ring {
	spinlock_t lock;		/* protects everything below */
	unsigned int head, tail, mask;
	void **items;
};

static int locked_push(struct locked_ring *l, void *it)
{
	int ret = -ENOSPC;

	spin_lock(&l->lock);
	if (l->tail - l->head <= l->mask) {
		l->items[l->tail++ & l->mask] = it;
		ret = 0;
	}
	spin_unlock(&l->lock);
	return ret;
}

static int locked_pop(struct locked_ring *l, void **it)
{
	int ret = -EAGAIN;

	spin_lock(&l->lock);
	if (l->tail != l->head) {
		*it = l->items[l->head++ & l->mask];
		ret = 0;
	}
	spin_unlock(&l->lock);
	return ret;
}

#define RING_CAP	64
#define RING_MS		500

struct ring_bench {
	struct gus_ring *ring;
	struct locked_ring locked;
	bool use_lock;
	atomic_long_t ops, misses;
	atomic_t ready, go;
};

static int ring_thread_fn(void *arg)
{
	struct ring_bench *b = arg;
	unsigned long ops = 0, misses = 0, end;
	void *it = (void *)1UL;
	int err;

	atomic_inc(&b->ready);
	while (!atomic_read(&b->go))
		cpu_relax();
	end = jiffies + msecs_to_jiffies(RING_MS);
	while (time_before(jiffies, end)) {
		local_irq_disable();	/* as the allocator calls it */
		err = b->use_lock ? locked_push(&b->locked, it) : gus_ring_push(b->ring, it);
		misses += !!err;
		err = b->use_lock ? locked_pop(&b->locked, &it) : gus_ring_pop(b->ring, &it);
		misses += !!err;
		local_irq_enable();
		ops++;
	}
	atomic_long_add(ops, &b->ops);
	atomic_long_add(misses, &b->misses);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static unsigned long ring_run(struct ring_bench *b, unsigned int threads,
			      unsigned long *misses)
{
	struct task_struct *t[64];
	unsigned int i;

	atomic_long_set(&b->ops, 0);
	atomic_long_set(&b->misses, 0);
	atomic_set(&b->ready, 0);
	atomic_set(&b->go, 0);
	for (i = 0; i < threads; i++)
		t[i] = kthread_run_on_cpu(ring_thread_fn, b, cpumask_nth(i, cpu_online_mask),
					  "bench-ring/%u");
	while (atomic_read(&b->ready) < threads)
		usleep_range(100, 200);
	atomic_set(&b->go, 1);
	msleep(RING_MS + 50);
	for (i = 0; i < threads; i++)
		kthread_stop(t[i]);
	*misses = atomic_long_read(&b->misses);
	return atomic_long_read(&b->ops);
}

static void bench_ring(void)
{
	struct ring_bench *b = kzalloc(sizeof(*b), GFP_KERNEL);
	unsigned long lock_ops, ring_ops, lm, rm;
	unsigned int threads, i;

	if (!b)
		return;
	b->ring = gus_ring_create(RING_CAP, GFP_KERNEL);
	b->locked.items = kcalloc(RING_CAP, sizeof(void *), GFP_KERNEL);
	if (!b->ring || !b->locked.items)
		goto out;
	spin_lock_init(&b->locked.lock);
	b->locked.mask = RING_CAP - 1;
	/* Half full, so pushes and pops rarely miss. */
	for (i = 0; i < RING_CAP / 2; i++) {
		gus_ring_push(b->ring, (void *)1UL);
		locked_push(&b->locked, (void *)1UL);
	}
	for (threads = 1; threads <= min(num_online_cpus(), 64U); threads *= 2) {
		b->use_lock = true;
		lock_ops = ring_run(b, threads, &lm);
		b->use_lock = false;
		ring_ops = ring_run(b, threads, &rm);
		lock_ops = max(lock_ops, 1UL);
		pr_info("BENCH ring       %2u threads  ring %9lu pairs/s  spinlock %9lu pairs/s  ratio %lu.%02lu  misses %lu/%lu\n",
			threads, ring_ops * 1000 / RING_MS, lock_ops * 1000 / RING_MS,
			ring_ops / lock_ops, ring_ops % lock_ops * 100 / lock_ops, rm, lm);
	}
out:
	kfree(b->locked.items);
	gus_ring_destroy(b->ring);
	kfree(b);
}

static int __init bench_init(void)
{
	pr_info("BENCH start: %u CPUs, %u loops\n", num_online_cpus(), loops);
	bench_sections();
	bench_advance();
	bench_reclaim();
	bench_ring();
	pr_info("BENCH done\n");
	return 0;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab benchmarks");
