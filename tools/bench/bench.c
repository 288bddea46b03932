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
 *   pair       gus_cache_alloc+free vs kmem_cache_alloc+free (SLUB, booted
 *              with slab_nomerge), 64-byte objects, one CPU
 *   counters   the pair with the stats counters on vs off
 *   debug      the pair on an ordinary cache while a debug cache exists
 *              (its static key on) vs none, and on debug caches (F, FZP,
 *              FZPU, FZPUT) vs an ordinary cache
 *   bulk       alloc_bulk+free_bulk of 1..256 objects, per object
 *   shuffle    allocate 10,000 objects, free them in a random order
 *              (tools/bench/shuffle.c)
 *   remote     one CPU allocates, another frees (objects per second)
 *   burst      the same in bursts of 256 to 16384 objects, with the ring
 *              hit ratio (tools/bench/burst.c; burst= picks one size)
 *   scaling    1..N/2 producer/consumer CPU pairs, objects per second per
 *              pair, and the ring's hit ratio (pops / (pops + empty))
 *   smr        free+reuse of an SMR cache with readers on the other CPUs
 *              vs kmem_cache + call_rcu() and SLAB_TYPESAFE_BY_RCU reuse;
 *              also the peak number of freed objects not yet reusable
 *   call       gus_call() per mode vs call_rcu(), readers on every other
 *              CPU: cost per call and peak pending (queued - invoked) in
 *              a flood of 100,000, and queue-to-invoke latency (mean, max)
 *              of single callbacks
 *   kmalloc    gus_kmalloc+gus_kfree vs kmalloc+kfree, 64, 512 and 4096
 *              bytes, one CPU, best of 3; also gus_kmalloc+gus_cache_free
 *              (no cache-less free) and gus_cache_alloc+free on the
 *              class's cache (no size lookup either)
 *   kmalloc_smr gus_kmalloc_smr+gus_kfree vs kmalloc+kfree_rcu, 64 and 512
 *              bytes, readers on the other CPUs; also the peak rise of
 *              slab memory (SLUB: NR_SLAB_UNRECLAIMABLE_B, gusslab: the
 *              class cache's slabs)
 *   large      16 KiB objects: gus_cache vs kmem_cache, the pair and
 *              bulk of 32
 *   census     (x86; not in the default set) loops of 1,000 operations,
 *              preemption off and interrupts on, bracketed by the markers
 *              of the census plugin (tools/census/census.c), which counts
 *              and classifies their instructions: the cache pair vs
 *              kmem_cache, gus_kmalloc vs kmalloc, the read sections vs
 *              RCU and SRCU, and the empty loop; each interval 16 times so
 *              that one an interrupt landed in can be discarded; then bulk
 *              128 and 256 (8 bulks an interval), bursts of 4096 remote
 *              frees (burst.c) and shuffle rounds (shuffle.c), counted
 *              per object; gus_poll()'s scan of every possible CPU
 *              (after a gus_advance()) and its cached answer, against
 *              poll_state_synchronize_rcu()
 *
 * The module parameter cases= (e.g. cases=call,smr) runs only the cases
 * named; empty (the default) runs them all but census, which only means
 * something under the plugin.
 */
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../slab/cache.h"
#include "../../slab/kmalloc.h"
#include "bench.h"

GUS_IMPORT_INTERNAL();

unsigned int loops = 1000000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "iterations of the single-CPU cases");

static char *cases = "";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "comma-separated cases to run (default: all)");

/* Is @name in the cases= list (or the list empty and @name not census)? */
static bool bench_want(const char *name)
{
	size_t len = strlen(name);
	const char *p = cases;

	if (!p || !*p)
		return strcmp(name, "census");
	while (*p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchrnul(p, ',');
		if (*p)
			p++;
	}
	return false;
}

static const struct {
	const char *name;
	unsigned int flags;
} modes[] = {
	{ "default", 0 }, { "deferred", GUS_DEFERRED }, { "lazy", GUS_LAZY },
};

DEFINE_STATIC_SRCU(bench_srcu);

u64 per_op(u64 t0, unsigned long n)
{
	return div64_u64((ktime_get_ns() - t0) * 1000, n);	/* picoseconds */
}

void bench_report(const char *cas, const char *what, u64 ps, u64 base_ps)
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

/* One reader kthread on every CPU but this one. */
static struct task_struct **start_readers_fn(int (*fn)(void *))
{
	struct task_struct **t = kcalloc(nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	int cpu, self = raw_smp_processor_id();

	if (!t)
		return NULL;
	for_each_online_cpu(cpu)
		if (cpu != self)
			t[cpu] = kthread_run_on_cpu(fn, NULL, cpu, "bench-rd/%u");
	return t;
}

static struct task_struct **start_readers(void)
{
	return start_readers_fn(bench_reader_fn);
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
		/* Successful operations: two per pair, less the misses. */
		ring_ops = 2 * ring_ops - rm;
		lock_ops = max(2 * lock_ops - lm, 1UL);
		pr_info("BENCH ring       %2u threads  ring %9lu ops/s  spinlock %9lu ops/s  ratio %lu.%02lu  misses %lu/%lu\n",
			threads, ring_ops * 1000 / RING_MS, lock_ops * 1000 / RING_MS,
			ring_ops / lock_ops, ring_ops % lock_ops * 100 / lock_ops, rm, lm);
	}
out:
	kfree(b->locked.items);
	gus_ring_destroy(b->ring);
	kfree(b);
}

/* ---- the cache against SLUB ----------------------------------------- */

/*
 * What the stats counters cost the alloc+free pair: rounds alternate
 * counters on and off, and the best of each is kept.
 */
static void bench_counters(struct gus_cache *g)
{
	u64 t0, ps, best[2] = { U64_MAX, U64_MAX };
	unsigned long i;
	int round, on;

	for (round = 0; round < 10; round++) {
		on = round & 1;
		gus_cache_stats_enable(on);
		t0 = ktime_get_ns();
		for (i = 0; i < loops; i++)
			gus_cache_free(g, gus_cache_alloc(g, GFP_KERNEL));
		ps = per_op(t0, loops);
		best[on] = min(best[on], ps);
	}
	gus_cache_stats_enable(true);
	bench_report("counters", "off", best[0], best[0]);
	bench_report("counters", "on", best[1], best[0]);
}

/* Best of @rounds alloc+free loops of @n pairs on @g, in picoseconds. */
static u64 pair_best(struct gus_cache *g, unsigned long n, int rounds)
{
	u64 t0, best = U64_MAX;
	unsigned long i;

	while (rounds--) {
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++)
			gus_cache_free(g, gus_cache_alloc(g, GFP_KERNEL));
		best = min(best, per_op(t0, n));
	}
	return best;
}

/*
 * What debugging costs: an ordinary cache's pair with no debug cache
 * (the debug key patched out) and with one, in alternating rounds, the
 * best of each kept; then the pair on debug caches, a tenth of the loops.
 */
static void bench_debug(struct gus_cache *g)
{
	static const struct {
		const char *name;
		unsigned int flags;
	} sets[] = {
		{ "F", GUS_CACHE_CHECK },
		{ "FZP", GUS_CACHE_CHECK | GUS_CACHE_RED_ZONE | GUS_CACHE_POISON },
		{ "FZPU", GUS_CACHE_CHECK | GUS_CACHE_RED_ZONE | GUS_CACHE_POISON |
			  GUS_CACHE_STORE_USER },
		{ "FZPUT", GUS_CACHE_DEBUG },
	};
	u64 ps, best[2] = { U64_MAX, U64_MAX };
	struct gus_cache *d = NULL;
	unsigned int i;
	char what[24];
	int round, on;

	for (round = 0; round < 10; round++) {
		on = round & 1;
		if (on) {
			d = gus_cache_create("bench-debug", OBJ_SIZE, 0, GUS_CACHE_CHECK, NULL);
			if (!d)
				return;
		}
		best[on] = min(best[on], pair_best(g, loops, 1));
		gus_cache_destroy(d);
		d = NULL;
	}
	bench_report("debug", "no debug cache", best[0], best[0]);
	bench_report("debug", "a debug cache exists", best[1], best[0]);
	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		d = gus_cache_create("bench-debug", OBJ_SIZE, 0, sets[i].flags, NULL);
		if (!d)
			return;
		ps = pair_best(d, loops / 10, 3);
		gus_cache_destroy(d);
		snprintf(what, sizeof(what), "debug cache %s", sets[i].name);
		bench_report("debug", what, ps, best[0]);
	}
}

static void bench_pair(void)
{
	struct kmem_cache *k = kmem_cache_create("bench-slub", OBJ_SIZE, 0, 0, NULL);
	struct gus_cache *g = gus_cache_create("bench-gus", OBJ_SIZE, 0, 0, NULL);
	unsigned long i;
	u64 t0, slub;
	void *p;

	if (!k || !g)
		goto out;
	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		p = kmem_cache_alloc(k, GFP_KERNEL);
		kmem_cache_free(k, p);
	}
	slub = per_op(t0, loops);
	bench_report("pair", "kmem_cache", slub, slub);
	t0 = ktime_get_ns();
	for (i = 0; i < loops; i++) {
		p = gus_cache_alloc(g, GFP_KERNEL);
		gus_cache_free(g, p);
	}
	bench_report("pair", "gus_cache", per_op(t0, loops), slub);
	bench_counters(g);
	bench_debug(g);
out:
	gus_cache_destroy(g);
	kmem_cache_destroy(k);
}

static void bench_bulk(void)
{
	static const unsigned int sizes[] = { 1, 8, 32, 64, 128, 256 };
	struct kmem_cache *k = kmem_cache_create("bench-slub", OBJ_SIZE, 0, 0, NULL);
	struct gus_cache *g = gus_cache_create("bench-gus", OBJ_SIZE, 0, 0, NULL);
	void **p = kcalloc(256, sizeof(void *), GFP_KERNEL);
	unsigned long i, rounds;
	unsigned int s;
	u64 t0, slub;
	char what[32];

	if (!k || !g || !p)
		goto out;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		rounds = loops / 10 / sizes[s] + 1;
		t0 = ktime_get_ns();
		for (i = 0; i < rounds; i++) {
			if (kmem_cache_alloc_bulk(k, GFP_KERNEL, sizes[s], p))
				kmem_cache_free_bulk(k, sizes[s], p);
		}
		slub = per_op(t0, rounds * sizes[s]);
		t0 = ktime_get_ns();
		for (i = 0; i < rounds; i++) {
			if (gus_cache_alloc_bulk(g, GFP_KERNEL, sizes[s], p))
				gus_cache_free_bulk(g, sizes[s], p);
		}
		snprintf(what, sizeof(what), "bulk %u (slub %llu ps)", sizes[s], slub);
		bench_report("bulk", what, per_op(t0, rounds * sizes[s]), slub);
	}
out:
	kfree(p);
	gus_cache_destroy(g);
	kmem_cache_destroy(k);
}

/* Remote free: CPU A allocates into a ring, CPU B frees. */
struct remote {
	struct gus_ring *r;
	struct kmem_cache *k;
	struct gus_cache *g;
	unsigned long n;
	atomic_t done;
};

static void remote_free_one(struct remote *x, void *p)
{
	if (x->k)
		kmem_cache_free(x->k, p);
	else
		gus_cache_free(x->g, p);
}

static int remote_consumer_fn(void *arg)
{
	struct remote *x = arg;
	unsigned long n = 0;
	void *p;

	while (n < x->n) {
		if (gus_ring_pop(x->r, &p)) {
			cpu_relax();
			continue;
		}
		remote_free_one(x, p);
		n++;
	}
	atomic_set(&x->done, 1);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Allocate x->n objects and hand them to the consumer; wait until it is done. */
static void remote_produce(struct remote *x)
{
	unsigned long i;
	void *p;

	for (i = 0; i < x->n; i++) {
		p = x->k ? kmem_cache_alloc(x->k, GFP_KERNEL) : gus_cache_alloc(x->g, GFP_KERNEL);
		while (gus_ring_push(x->r, p))
			cpu_relax();
	}
	while (!atomic_read(&x->done))
		cpu_relax();
}

static u64 remote_run(struct remote *x)
{
	struct task_struct *t;
	u64 t0;

	atomic_set(&x->done, 0);
	t = kthread_run_on_cpu(remote_consumer_fn, x, cpumask_nth(1, cpu_online_mask),
			       "bench-remote/%u");
	if (IS_ERR(t))
		return 0;
	t0 = ktime_get_ns();
	remote_produce(x);
	t0 = per_op(t0, x->n);
	kthread_stop(t);
	return t0;
}

static void bench_remote(void)
{
	struct remote x = { .n = loops / 4 };
	struct kmem_cache *k = kmem_cache_create("bench-slub", OBJ_SIZE, 0, 0, NULL);
	struct gus_cache *g = gus_cache_create("bench-gus", OBJ_SIZE, 0, 0, NULL);
	u64 slub, gus;

	x.r = gus_ring_create(1024, GFP_KERNEL);
	if (num_online_cpus() < 2 || !k || !g || !x.r)
		goto out;
	x.k = k;
	slub = remote_run(&x);
	x.k = NULL;
	x.g = g;
	gus = remote_run(&x);
	bench_report("remote", "kmem_cache", slub, slub);
	bench_report("remote", "gus_cache", gus, slub);
	pr_info("BENCH remote     ring push %lu pop %lu full %lu empty %lu, depot refill %lu drain %lu, swaps %lu\n",
		gus_cache_event_sum(g, GUS_RING_PUSH), gus_cache_event_sum(g, GUS_RING_POP),
		gus_cache_event_sum(g, GUS_RING_FULL), gus_cache_event_sum(g, GUS_RING_EMPTY),
		gus_cache_event_sum(g, GUS_DEPOT_REFILL), gus_cache_event_sum(g, GUS_DEPOT_DRAIN),
		gus_cache_event_sum(g, GUS_MAG_SWAP));
out:
	gus_ring_destroy(x.r);
	gus_cache_destroy(g);
	kmem_cache_destroy(k);
}

/* Scaling: P producer/consumer pairs, each on its own two CPUs. */
struct pair_run {
	struct remote x;
	struct task_struct *prod, *cons;
	u64 ns;
};

static int scaling_producer_fn(void *arg)
{
	struct pair_run *pr = arg;
	u64 t0 = ktime_get_ns();

	remote_produce(&pr->x);
	pr->ns = ktime_get_ns() - t0;
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Per-pair time per object with @pairs pairs running at once. */
static u64 scaling_run(struct kmem_cache *k, struct gus_cache *g, unsigned int pairs)
{
	struct pair_run *pr = kcalloc(pairs, sizeof(*pr), GFP_KERNEL);
	unsigned int i;
	u64 worst = 0;

	if (!pr)
		return 0;
	for (i = 0; i < pairs; i++) {
		pr[i].x.k = k;
		pr[i].x.g = g;
		pr[i].x.n = loops / 8;
		pr[i].x.r = gus_ring_create(1024, GFP_KERNEL);
		if (!pr[i].x.r)
			goto out;
	}
	for (i = 0; i < pairs; i++) {
		pr[i].cons = kthread_create(remote_consumer_fn, &pr[i].x, "bench-cons");
		pr[i].prod = kthread_create(scaling_producer_fn, &pr[i], "bench-prod");
		if (IS_ERR(pr[i].cons) || IS_ERR(pr[i].prod))
			goto out;
		kthread_bind(pr[i].prod, cpumask_nth(2 * i, cpu_online_mask));
		kthread_bind(pr[i].cons, cpumask_nth(2 * i + 1, cpu_online_mask));
	}
	for (i = 0; i < pairs; i++) {
		wake_up_process(pr[i].cons);
		wake_up_process(pr[i].prod);
	}
	for (i = 0; i < pairs; i++) {
		while (!atomic_read(&pr[i].x.done) || !READ_ONCE(pr[i].ns))
			msleep(20);
		worst = max(worst, div64_u64(pr[i].ns * 1000, pr[i].x.n));
	}
out:
	for (i = 0; i < pairs; i++) {
		if (!IS_ERR_OR_NULL(pr[i].prod))
			kthread_stop(pr[i].prod);
		if (!IS_ERR_OR_NULL(pr[i].cons))
			kthread_stop(pr[i].cons);
		gus_ring_destroy(pr[i].x.r);
	}
	kfree(pr);
	return worst;
}

static void bench_scaling(void)
{
	struct kmem_cache *k = kmem_cache_create("bench-slub", OBJ_SIZE, 0, 0, NULL);
	struct gus_cache *g;
	unsigned long pops, empty;
	unsigned int pairs;
	u64 slub, gus;
	char what[48];

	for (pairs = 1; k && 2 * pairs <= num_online_cpus(); pairs *= 2) {
		g = gus_cache_create("bench-gus", OBJ_SIZE, 0, 0, NULL);
		if (!g)
			break;
		slub = scaling_run(k, NULL, pairs);
		gus = scaling_run(NULL, g, pairs);
		pops = gus_cache_event_sum(g, GUS_RING_POP);
		empty = gus_cache_event_sum(g, GUS_RING_EMPTY);
		snprintf(what, sizeof(what), "%u pairs (slub %llu ps), ring hits %lu%%",
			 pairs, slub, pops * 100 / max(pops + empty, 1UL));
		bench_report("scaling", what, gus, slub);
		gus_cache_destroy(g);
	}
	kmem_cache_destroy(k);
}

/* SMR: replace objects in a table read by the other CPUs. */
#define SMR_SLOTS	64

struct smr_obj {
	unsigned long val;
	struct rcu_head rcu;
};

static struct smr_obj *smr_table[SMR_SLOTS];
static struct kmem_cache *smr_k;
static atomic_long_t smr_pending, smr_peak;
static struct gus_domain *smr_domain;

static int smr_rcu_reader_fn(void *unused)
{
	unsigned int i = 0;
	struct smr_obj *o;

	while (!kthread_should_stop()) {
		rcu_read_lock();
		o = READ_ONCE(smr_table[i++ % SMR_SLOTS]);
		if (o)
			(void)READ_ONCE(o->val);
		rcu_read_unlock();
		cond_resched();
	}
	return 0;
}

static int smr_gus_reader_fn(void *unused)
{
	unsigned int i = 0;
	struct smr_obj *o;

	while (!kthread_should_stop()) {
		gus_enter(smr_domain);
		o = READ_ONCE(smr_table[i++ % SMR_SLOTS]);
		if (o)
			(void)READ_ONCE(o->val);
		gus_exit(smr_domain);
		cond_resched();
	}
	return 0;
}

static void smr_rcu_free(struct rcu_head *h)
{
	kmem_cache_free(smr_k, container_of(h, struct smr_obj, rcu));
	atomic_long_dec(&smr_pending);
}

static void smr_note_pending(long n)
{
	long peak = atomic_long_read(&smr_peak);

	while (n > peak && !atomic_long_try_cmpxchg(&smr_peak, &peak, n))
		;
}

/*
 * Objects freed and not yet reusable, sampled SMR_SAMPLES times over a
 * run and printed after it as "BENCH smr-series" lines, for the plot
 * (tools/bench/plots.py smr).
 */
#define SMR_SAMPLES	64
static struct {
	u64 us;
	long waiting;
} smr_series[SMR_SAMPLES];

/* A multiple of 64: the gus_cache loop reads its usage every 64 only. */
static unsigned long smr_every(unsigned long n)
{
	return rounddown(max(n / SMR_SAMPLES, 64UL), 64);
}

static void smr_sample(unsigned long i, unsigned long n, u64 t0, long waiting)
{
	unsigned long every = smr_every(n);

	if (i % every || i / every >= SMR_SAMPLES)
		return;
	smr_series[i / every].us = div_u64(ktime_get_ns() - t0, 1000);
	smr_series[i / every].waiting = waiting;
}

static void smr_series_print(const char *what, unsigned long n)
{
	unsigned long s, every = smr_every(n);

	for (s = 0; s < min_t(unsigned long, DIV_ROUND_UP(n, every), SMR_SAMPLES); s++)
		pr_info("BENCH smr-series %s us=%llu waiting=%ld\n", what,
			smr_series[s].us, smr_series[s].waiting);
}

static void bench_smr(void)
{
	struct gus_cache *g = gus_cache_create("bench-smr", sizeof(struct smr_obj), 0,
					       GUS_CACHE_SMR, NULL);
	struct kmem_cache *tsafe = kmem_cache_create("bench-typesafe", sizeof(struct smr_obj),
						     0, SLAB_TYPESAFE_BY_RCU, NULL);
	unsigned long i, n = loops / 4, queued_peak = 0;
	struct gus_cache_usage u;
	struct task_struct **t;
	struct smr_obj *o, *old;
	u64 t0, rcu;

	smr_k = kmem_cache_create("bench-rcu", sizeof(struct smr_obj), 0, 0, NULL);
	if (!g || !tsafe || !smr_k)
		goto out;
	smr_domain = gus_cache_domain(g);

	/* kmem_cache + call_rcu(): the classic. */
	atomic_long_set(&smr_pending, 0);
	atomic_long_set(&smr_peak, 0);
	t = start_readers_fn(smr_rcu_reader_fn);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		o = kmem_cache_alloc(smr_k, GFP_KERNEL);
		old = xchg(&smr_table[i % SMR_SLOTS], o);
		if (old) {
			smr_note_pending(atomic_long_inc_return(&smr_pending));
			call_rcu(&old->rcu, smr_rcu_free);
		}
		smr_sample(i, n, t0, atomic_long_read(&smr_pending));
		if (!(i % 64))
			cond_resched();
	}
	rcu = per_op(t0, n);
	stop_readers(t);
	bench_report("smr", "kmem_cache+call_rcu", rcu, rcu);
	smr_series_print("kmem_cache+call_rcu", n);
	pr_info("BENCH smr        call_rcu peak pending objects %ld\n",
		atomic_long_read(&smr_peak));
	for (i = 0; i < SMR_SLOTS; i++) {
		old = xchg(&smr_table[i], NULL);
		if (old) {
			atomic_long_inc(&smr_pending);
			call_rcu(&old->rcu, smr_rcu_free);
		}
	}
	rcu_barrier();

	/* SLAB_TYPESAFE_BY_RCU: immediate reuse, slabs freed after a GP. */
	t = start_readers_fn(smr_rcu_reader_fn);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		o = kmem_cache_alloc(tsafe, GFP_KERNEL);
		old = xchg(&smr_table[i % SMR_SLOTS], o);
		if (old)
			kmem_cache_free(tsafe, old);
		if (!(i % 64))
			cond_resched();
	}
	bench_report("smr", "SLAB_TYPESAFE_BY_RCU", per_op(t0, n), rcu);
	stop_readers(t);
	for (i = 0; i < SMR_SLOTS; i++)
		kmem_cache_free(tsafe, xchg(&smr_table[i], NULL));

	/* gus_cache SMR. */
	atomic_long_set(&smr_peak, 0);
	t = start_readers_fn(smr_gus_reader_fn);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		o = gus_cache_alloc(g, GFP_KERNEL);
		old = xchg(&smr_table[i % SMR_SLOTS], o);
		gus_cache_free(g, old);
		if (!(i % 64)) {
			gus_cache_usage(g, &u);
			smr_note_pending(u.objects - u.in_slabs - SMR_SLOTS);
			queued_peak = max(queued_peak, u.queued);
			smr_sample(i, n, t0, u.queued);
			cond_resched();
		}
	}
	bench_report("smr", "gus_cache SMR", per_op(t0, n), rcu);
	smr_series_print("gus_cache SMR", n);
	stop_readers(t);
	pr_info("BENCH smr        gus_cache peak objects outside the depot %ld (sampled; includes magazines)\n",
		atomic_long_read(&smr_peak));
	/* Freed, stamped and waiting for readers; plus at most one free magazine. */
	pr_info("BENCH smr        gus_cache peak objects queued for readers %lu (sampled), magazine %u\n",
		queued_peak, g->mag_size);
	for (i = 0; i < SMR_SLOTS; i++)
		gus_cache_free(g, xchg(&smr_table[i], NULL));
out:
	gus_cache_destroy(g);
	kmem_cache_destroy(tsafe);
	kmem_cache_destroy(smr_k);
}

/* ---- size classes: gus_kmalloc vs kmalloc --------------------------- */

static const unsigned int kmalloc_bench_sizes[] = { 64, 512, 4096 };

enum kmalloc_pair { KM_SLUB, KM_GUS, KM_GUS_ALLOC, KM_GUS_CACHE };

/*
 * Best of 3 rounds of @n pairs: kmalloc+kfree, gus_kmalloc+gus_kfree,
 * gus_kmalloc+gus_cache_free (without the cache-less free), or
 * gus_cache_alloc+gus_cache_free on the class's cache (without the size
 * lookup either).
 */
static u64 kmalloc_pair_best(size_t size, enum kmalloc_pair how, unsigned long n)
{
	struct gus_cache *c = gus_kmalloc_cache(size, false);
	u64 t0, best = U64_MAX;
	unsigned long i;
	int round;

	for (round = 0; round < 3; round++) {
		t0 = ktime_get_ns();
		switch (how) {
		case KM_SLUB:
			for (i = 0; i < n; i++)
				kfree(kmalloc(size, GFP_KERNEL));
			break;
		case KM_GUS:
			for (i = 0; i < n; i++)
				gus_kfree(gus_kmalloc(size, GFP_KERNEL));
			break;
		case KM_GUS_ALLOC:
			for (i = 0; i < n; i++)
				gus_cache_free(c, gus_kmalloc(size, GFP_KERNEL));
			break;
		case KM_GUS_CACHE:
			for (i = 0; i < n; i++)
				gus_cache_free(c, gus_cache_alloc(c, GFP_KERNEL));
			break;
		}
		best = min(best, per_op(t0, n));
	}
	return best;
}

static void bench_kmalloc(void)
{
	unsigned int s, size;
	u64 slub;
	char what[40];

	for (s = 0; s < ARRAY_SIZE(kmalloc_bench_sizes); s++) {
		size = kmalloc_bench_sizes[s];
		slub = kmalloc_pair_best(size, KM_SLUB, loops);
		snprintf(what, sizeof(what), "kmalloc %u", size);
		bench_report("kmalloc", what, slub, slub);
		snprintf(what, sizeof(what), "gus_kmalloc %u", size);
		bench_report("kmalloc", what, kmalloc_pair_best(size, KM_GUS, loops), slub);
		snprintf(what, sizeof(what), "gus_kmalloc+cache_free %u", size);
		bench_report("kmalloc", what, kmalloc_pair_best(size, KM_GUS_ALLOC, loops), slub);
		snprintf(what, sizeof(what), "gus_cache_alloc+free %u", size);
		bench_report("kmalloc", what, kmalloc_pair_best(size, KM_GUS_CACHE, loops), slub);
	}
}

/*
 * SMR size classes: replace objects of the smr table, read by the other
 * CPUs, with gus_kmalloc_smr()+gus_kfree() vs kmalloc()+kfree_rcu().
 * Memory is the peak rise, sampled every 64 replacements, of the pages
 * the objects' slabs hold: for SLUB the global NR_SLAB_UNRECLAIMABLE_B
 * (approximate: per-CPU counter deltas, and anything else the kernel
 * allocates meanwhile), for gusslab the class cache's slabs
 * (gus_depot_totals()).
 */
static unsigned long kmalloc_smr_slub_kib(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) << (PAGE_SHIFT - 10);
}

static unsigned long kmalloc_smr_gus_kib(struct gus_cache *c)
{
	unsigned long slabs, free;

	gus_depot_totals(c, &slabs, &free);
	return (slabs << c->order) << (PAGE_SHIFT - 10);
}

static void bench_kmalloc_smr_one(size_t size)
{
	struct gus_cache *c = gus_kmalloc_cache(size, true);
	unsigned long i, n = loops / 4, base, kib, slub_peak = 0, gus_peak = 0;
	struct task_struct **t;
	struct smr_obj *old;
	u64 t0, rcu;
	char what[40];

	/* kmalloc() + kfree_rcu(). */
	t = start_readers_fn(smr_rcu_reader_fn);
	base = kmalloc_smr_slub_kib();
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		old = xchg(&smr_table[i % SMR_SLOTS], kmalloc(size, GFP_KERNEL));
		if (old)
			kfree_rcu(old, rcu);
		if (!(i % 64)) {
			kib = kmalloc_smr_slub_kib();
			slub_peak = max(slub_peak, kib > base ? kib - base : 0);
			cond_resched();
		}
	}
	rcu = per_op(t0, n);
	stop_readers(t);
	for (i = 0; i < SMR_SLOTS; i++) {
		old = xchg(&smr_table[i], NULL);
		if (old)
			kfree_rcu(old, rcu);
	}
	snprintf(what, sizeof(what), "kmalloc+kfree_rcu %zu", size);
	bench_report("kmalloc_smr", what, rcu, rcu);

	/* gus_kmalloc_smr() + gus_kfree(). */
	smr_domain = gus_kmalloc_smr_domain();
	t = start_readers_fn(smr_gus_reader_fn);
	base = kmalloc_smr_gus_kib(c);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		gus_kfree(xchg(&smr_table[i % SMR_SLOTS], gus_kmalloc_smr(size, GFP_KERNEL)));
		if (!(i % 64)) {
			kib = kmalloc_smr_gus_kib(c);
			gus_peak = max(gus_peak, kib > base ? kib - base : 0);
			cond_resched();
		}
	}
	t0 = per_op(t0, n);
	stop_readers(t);
	for (i = 0; i < SMR_SLOTS; i++)
		gus_kfree(xchg(&smr_table[i], NULL));
	snprintf(what, sizeof(what), "gus_kmalloc_smr %zu", size);
	bench_report("kmalloc_smr", what, t0, rcu);
	pr_info("BENCH kmalloc_smr %zu B peak slab KiB: slub %lu (NR_SLAB_UNRECLAIMABLE_B) gusslab %lu (%s slabs), ratio %lu.%02lu\n",
		size, slub_peak, gus_peak, c->name, gus_peak / max(slub_peak, 1UL),
		gus_peak % max(slub_peak, 1UL) * 100 / max(slub_peak, 1UL));
}

static void bench_kmalloc_smr(void)
{
	bench_kmalloc_smr_one(64);
	rcu_barrier();	/* kfree_rcu()'s batches from the first size */
	bench_kmalloc_smr_one(512);
}

/* ---- large: 16 KiB objects ------------------------------------------ */

#define LARGE_SIZE	16384
#define LARGE_BULK	32

static void bench_large(void)
{
	struct kmem_cache *k = kmem_cache_create("bench-slub-16k", LARGE_SIZE, 0, 0, NULL);
	struct gus_cache *g = gus_cache_create("bench-gus-16k", LARGE_SIZE, 0, 0, NULL);
	unsigned long i, n = loops / 4, rounds = loops / 10 / LARGE_BULK + 1;
	void *p[LARGE_BULK];
	u64 t0, slub;

	if (!k || !g) {
		pr_info("BENCH large      skipped: no 16 KiB %s\n", g ? "kmem_cache" : "gus_cache");
		goto out;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		kmem_cache_free(k, kmem_cache_alloc(k, GFP_KERNEL));
	slub = per_op(t0, n);
	bench_report("large", "kmem_cache 16k pair", slub, slub);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		gus_cache_free(g, gus_cache_alloc(g, GFP_KERNEL));
	bench_report("large", "gus_cache 16k pair", per_op(t0, n), slub);

	t0 = ktime_get_ns();
	for (i = 0; i < rounds; i++)
		if (kmem_cache_alloc_bulk(k, GFP_KERNEL, LARGE_BULK, p))
			kmem_cache_free_bulk(k, LARGE_BULK, p);
	slub = per_op(t0, rounds * LARGE_BULK);
	bench_report("large", "kmem_cache 16k bulk 32", slub, slub);
	t0 = ktime_get_ns();
	for (i = 0; i < rounds; i++)
		if (gus_cache_alloc_bulk(g, GFP_KERNEL, LARGE_BULK, p))
			gus_cache_free_bulk(g, LARGE_BULK, p);
	bench_report("large", "gus_cache 16k bulk 32", per_op(t0, rounds * LARGE_BULK), slub);
	pr_info("BENCH large      gus_cache 16k: %u objects per %lu KiB slab, magazine %u\n",
		g->objects, (PAGE_SIZE << g->order) >> 10, g->mag_size);
out:
	gus_cache_destroy(g);
	kmem_cache_destroy(k);
}

/* ---- call: gus_call() vs call_rcu() --------------------------------- */

#define CALL_FLOOD	100000UL
#define CALL_ROUNDS	50
#define CALL_CHUNK	256UL

struct call_obj {
	struct gus_head head;
	struct rcu_head rcu;
	u64 queued_ns;
};

static atomic_long_t call_ran;
static atomic64_t call_lat_sum, call_lat_max;

static void call_note(struct call_obj *o)
{
	s64 lat = ktime_get_ns() - o->queued_ns;
	s64 max = atomic64_read(&call_lat_max);

	atomic64_add(lat, &call_lat_sum);
	while (lat > max && !atomic64_try_cmpxchg(&call_lat_max, &max, lat))
		;
	/* Last: the waiter may reuse the object once the count moves. */
	atomic_long_inc(&call_ran);
}

static void call_gus_fn(struct gus_head *h)
{
	call_note(container_of(h, struct call_obj, head));
}

static void call_rcu_fn(struct rcu_head *h)
{
	call_note(container_of(h, struct call_obj, rcu));
}

static void call_queue(struct gus_domain *d, struct call_obj *o)
{
	o->queued_ns = ktime_get_ns();
	if (d)
		gus_call(d, &o->head, call_gus_fn);
	else
		call_rcu(&o->rcu, call_rcu_fn);
}

/* One mode (@d) or call_rcu() (@d NULL): flood, then single callbacks. */
static void call_run(const char *what, struct gus_domain *d, struct call_obj *objs,
		     u64 *base_ps)
{
	unsigned long i, j, wall_ms;
	long peak = 0, pending;
	u64 t0, start, ns = 0, ps;
	char line[48];

	/*
	 * Chunks of CALL_CHUNK calls with bottom halves off, timed alone: the
	 * cost of queuing, not of the callbacks that the timer (or RCU's
	 * softirq) runs on this CPU between chunks.
	 */
	atomic_long_set(&call_ran, 0);
	start = ktime_get_ns();
	for (i = 0; i < CALL_FLOOD; i += CALL_CHUNK) {
		local_bh_disable();
		t0 = ktime_get_ns();
		for (j = i; j < i + CALL_CHUNK && j < CALL_FLOOD; j++)
			call_queue(d, &objs[j]);
		ns += ktime_get_ns() - t0;
		local_bh_enable();
		pending = j - atomic_long_read(&call_ran);
		peak = max(peak, pending);
		cond_resched();
	}
	wall_ms = div64_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
	ps = div64_u64(ns * 1000, CALL_FLOOD);
	if (d)
		gus_barrier(d);
	else
		rcu_barrier();
	if (!*base_ps)
		*base_ps = ps;
	snprintf(line, sizeof(line), "%s per call", what);
	bench_report("call", line, ps, *base_ps);
	pr_info("BENCH call       %s flood of %lu in %lu ms: peak pending %ld\n",
		what, CALL_FLOOD, wall_ms, peak);

	atomic_long_set(&call_ran, 0);
	atomic64_set(&call_lat_sum, 0);
	atomic64_set(&call_lat_max, 0);
	for (i = 0; i < CALL_ROUNDS; i++) {
		call_queue(d, &objs[0]);
		while (atomic_long_read(&call_ran) == i)
			usleep_range(20, 40);
	}
	pr_info("BENCH call       %s latency mean %llu ns max %lld ns\n", what,
		div64_u64(atomic64_read(&call_lat_sum), CALL_ROUNDS),
		(long long)atomic64_read(&call_lat_max));
}

static void bench_call(void)
{
	struct call_obj *objs = vcalloc(CALL_FLOOD, sizeof(*objs));
	struct task_struct **t;
	u64 base = 0;
	int m;

	if (!objs)
		return;
	readers_use_rcu = true;
	t = start_readers();
	call_run("call_rcu", NULL, objs, &base);
	stop_readers(t);

	readers_use_rcu = false;
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		reader_domain = gus_domain_create("bench", modes[m].flags);
		if (!reader_domain)
			break;
		t = start_readers();
		call_run(modes[m].name, reader_domain, objs, &base);
		stop_readers(t);
		gus_domain_destroy(reader_domain);
	}
	vfree(objs);
}

/* ---- census: instruction counts under the census plugin ------------- */

#ifdef CONFIG_X86
#define CENSUS_LOOPS	1000
#define CENSUS_REPS	16
#define CENSUS_BULK_OPS	8	/* bulk operations per interval */
#define CENSUS_SCAN_OPS	100	/* scans per interval: at 32 vCPUs 1,000 never missed a tick */

/* The names census.sh prints; the plugin knows only the ids. */
const char *const census_names[CENSUS_NR] = {
	[CENSUS_EMPTY] = "empty loop",
	[CENSUS_GUS_PAIR] = "gus_cache_alloc+free",
	[CENSUS_SLUB_PAIR] = "kmem_cache_alloc+free",
	[CENSUS_GUS_KMALLOC] = "gus_kmalloc+gus_kfree",
	[CENSUS_KMALLOC] = "kmalloc+kfree",
	[CENSUS_GUS_DEFAULT] = "gus_enter+exit default",
	[CENSUS_GUS_DEFERRED] = "gus_enter+exit deferred",
	[CENSUS_GUS_LAZY] = "gus_enter+exit lazy",
	[CENSUS_RCU] = "rcu_read_lock+unlock",
	[CENSUS_SRCU] = "srcu_read_lock+unlock",
	[CENSUS_CHECK] = "self-check",
	[CENSUS_GUS_BULK128] = "gus bulk 128, per object",
	[CENSUS_SLUB_BULK128] = "kmem_cache bulk 128, per object",
	[CENSUS_GUS_BULK256] = "gus bulk 256, per object",
	[CENSUS_SLUB_BULK256] = "kmem_cache bulk 256, per object",
	[CENSUS_GUS_BURST_ALLOC] = "gus burst alloc, per object",
	[CENSUS_GUS_BURST_FREE] = "gus burst remote free, per object",
	[CENSUS_SLUB_BURST_ALLOC] = "kmem_cache burst alloc, per object",
	[CENSUS_SLUB_BURST_FREE] = "kmem_cache burst remote free, per object",
	[CENSUS_GUS_SHUFFLE] = "gus shuffle 10000, per object",
	[CENSUS_SLUB_SHUFFLE] = "kmem_cache shuffle 10000, per object",
	[CENSUS_GUS_SCAN] = "gus_advance+gus_poll, a scan",
	[CENSUS_GUS_POLL_HIT] = "gus_poll, reached goal",
	[CENSUS_RCU_POLL] = "poll_state_synchronize_rcu, reached",
};

/* The line table.py reads beside the plugin's log: @id's TCG time per operation. */
void census_report(enum census_id id, unsigned int rep, u64 ps)
{
	pr_info("BENCH census id=%d rep=%u tcg_ps=%llu %s\n", id, rep, ps, census_names[id]);
}

/*
 * What the operations work on: 64-byte caches, a domain per mode, room
 * for a bulk of 256, a goal of the default domain and an RCU cookie,
 * both reached.
 */
struct census_ctx {
	struct kmem_cache *k;
	struct gus_cache *g;
	struct gus_domain *d[ARRAY_SIZE(modes)];
	void **bulk;
	unsigned long goal, cookie;
};

static unsigned int census_word;
static u8 census_buf[16];

/*
 * The plugin's self-check: 15 known instructions (census.sh compares the
 * counts): pushf, popf, cli, sti, two locked, three fences, an xchg with
 * memory, a cmpxchg, and a rep stosb of 16 bytes, counted once.
 */
static __always_inline void census_check(void)
{
	asm volatile("lea %[buf], %%rdi\n\t"
		     "mov $16, %%ecx\n\t"
		     "xor %%eax, %%eax\n\t"
		     "xor %%edx, %%edx\n\t"
		     "pushfq\n\t"
		     "popfq\n\t"
		     "cli\n\t"
		     "sti\n\t"
		     "lock addl $0, -4(%%rsp)\n\t"
		     "mfence\n\t"
		     "lfence\n\t"
		     "sfence\n\t"
		     "xchg %%eax, %[word]\n\t"
		     "lock cmpxchg %%edx, %[word]\n\t"
		     "rep stosb"
		     : [word] "+m" (census_word), [buf] "=m" (census_buf)
		     : : "rax", "rcx", "rdx", "rdi", "cc", "memory");
}

/* One operation of measurement @id (a constant: the switch folds away). */
static __always_inline void census_op(const enum census_id id, struct census_ctx *x)
{
	unsigned int nb;
	int idx;

	switch (id) {
	case CENSUS_EMPTY:
		barrier();
		break;
	case CENSUS_GUS_PAIR:
		gus_cache_free(x->g, gus_cache_alloc(x->g, GFP_KERNEL));
		break;
	case CENSUS_SLUB_PAIR:
		kmem_cache_free(x->k, kmem_cache_alloc(x->k, GFP_KERNEL));
		break;
	case CENSUS_GUS_KMALLOC:
		gus_kfree(gus_kmalloc(OBJ_SIZE, GFP_KERNEL));
		break;
	case CENSUS_KMALLOC:
		kfree(kmalloc(OBJ_SIZE, GFP_KERNEL));
		break;
	case CENSUS_GUS_DEFAULT:
	case CENSUS_GUS_DEFERRED:
	case CENSUS_GUS_LAZY:
		gus_enter(x->d[id - CENSUS_GUS_DEFAULT]);
		barrier();
		gus_exit(x->d[id - CENSUS_GUS_DEFAULT]);
		break;
	case CENSUS_RCU:
		rcu_read_lock();
		barrier();
		rcu_read_unlock();
		break;
	case CENSUS_SRCU:
		idx = srcu_read_lock(&bench_srcu);
		barrier();
		srcu_read_unlock(&bench_srcu, idx);
		break;
	case CENSUS_CHECK:
		census_check();
		break;
	case CENSUS_GUS_SCAN:	/* no reader: the scan passes every CPU */
		gus_poll(x->d[0], gus_advance(x->d[0]));
		break;
	case CENSUS_GUS_POLL_HIT:	/* the cached read sequence answers */
		gus_poll(x->d[0], x->goal);
		break;
	case CENSUS_RCU_POLL:
		poll_state_synchronize_rcu(x->cookie);
		break;
	case CENSUS_GUS_BULK128:
	case CENSUS_GUS_BULK256:
		nb = id == CENSUS_GUS_BULK128 ? 128 : 256;
		if (gus_cache_alloc_bulk(x->g, GFP_KERNEL, nb, x->bulk))
			gus_cache_free_bulk(x->g, nb, x->bulk);
		break;
	case CENSUS_SLUB_BULK128:
	case CENSUS_SLUB_BULK256:
		nb = id == CENSUS_SLUB_BULK128 ? 128 : 256;
		if (kmem_cache_alloc_bulk(x->k, GFP_KERNEL, nb, x->bulk))
			kmem_cache_free_bulk(x->k, nb, x->bulk);
		break;
	default:
		break;
	}
}

/*
 * @ops operations without the markers (the slabs and magazines they need
 * are then there), then CENSUS_REPS intervals of @ops, each with
 * preemption off, interrupts on, and its TCG time printed (the plugin's
 * callbacks included: a secondary figure).  The plugin divides by @n, the
 * operations (or, for a bulk, the objects) an interval spans.
 */
static __always_inline void census_run(const enum census_id id, struct census_ctx *x,
				       const unsigned int ops, const unsigned int n)
{
	/*
	 * A copy whose address does not escape: its pointers stay in
	 * registers, as a caller's would, and are not reloaded from the
	 * stack after every compiler barrier (the empty read sections').
	 */
	struct census_ctx lx = *x;
	unsigned int r, i;
	u64 t0;

	for (i = 0; i < ops; i++)
		census_op(id, &lx);
	for (r = 0; r < CENSUS_REPS; r++) {
		preempt_disable();
		t0 = ktime_get_ns();
		census_mark(true, id, n);
		for (i = 0; i < ops; i++)
			census_op(id, &lx);
		census_mark(false, id, 0);
		census_report(id, r, per_op(t0, n));
		preempt_enable();
		cond_resched();
	}
}

static __always_inline void census_case(const enum census_id id, struct census_ctx *x)
{
	census_run(id, x, CENSUS_LOOPS, CENSUS_LOOPS);
}

/* A bulk of @objs objects allocated and freed, counted per object. */
static __always_inline void census_bulk(const enum census_id id, struct census_ctx *x,
					const unsigned int objs)
{
	census_run(id, x, CENSUS_BULK_OPS, CENSUS_BULK_OPS * objs);
}

static void bench_census(void)
{
	struct census_ctx x = {
		.k = kmem_cache_create("census-slub", OBJ_SIZE, 0, 0, NULL),
		.g = gus_cache_create("census-gus", OBJ_SIZE, 0, 0, NULL),
		.bulk = kcalloc(256, sizeof(void *), GFP_KERNEL),
	};
	unsigned int m;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		x.d[m] = gus_domain_create(modes[m].name, modes[m].flags);
		if (!x.d[m])
			goto out;
	}
	if (!x.k || !x.g || !x.bulk)
		goto out;
	x.goal = gus_advance(x.d[0]);
	x.cookie = get_state_synchronize_rcu();
	gus_synchronize(x.d[0]);
	synchronize_rcu();
	if (!gus_poll(x.d[0], x.goal) || !poll_state_synchronize_rcu(x.cookie))
		goto out;
	pr_info("BENCH census: %u intervals of %u operations each, cpu %d of %u possible\n",
		CENSUS_REPS, CENSUS_LOOPS, raw_smp_processor_id(), num_possible_cpus());
	census_case(CENSUS_EMPTY, &x);
	census_case(CENSUS_GUS_PAIR, &x);
	census_case(CENSUS_SLUB_PAIR, &x);
	census_case(CENSUS_GUS_KMALLOC, &x);
	census_case(CENSUS_KMALLOC, &x);
	census_case(CENSUS_GUS_DEFAULT, &x);
	census_case(CENSUS_GUS_DEFERRED, &x);
	census_case(CENSUS_GUS_LAZY, &x);
	census_case(CENSUS_RCU, &x);
	census_case(CENSUS_SRCU, &x);
	census_case(CENSUS_CHECK, &x);
	census_run(CENSUS_GUS_SCAN, &x, CENSUS_SCAN_OPS, CENSUS_SCAN_OPS);
	census_case(CENSUS_GUS_POLL_HIT, &x);
	census_case(CENSUS_RCU_POLL, &x);
	census_bulk(CENSUS_GUS_BULK128, &x, 128);
	census_bulk(CENSUS_SLUB_BULK128, &x, 128);
	census_bulk(CENSUS_GUS_BULK256, &x, 256);
	census_bulk(CENSUS_SLUB_BULK256, &x, 256);
	bench_census_burst();
	bench_census_shuffle();
out:
	kfree(x.bulk);
	for (m = 0; m < ARRAY_SIZE(modes); m++)
		if (x.d[m])
			gus_domain_destroy(x.d[m]);
	gus_cache_destroy(x.g);
	kmem_cache_destroy(x.k);
}
#else
static void bench_census(void)
{
	pr_info("BENCH census skipped: the markers are x86 instructions\n");
}
#endif

static int __init bench_init(void)
{
	/* Stay on the first CPU: readers and consumers run on the others. */
	set_cpus_allowed_ptr(current, cpumask_of(cpumask_first(cpu_online_mask)));
	pr_info("BENCH start: %u CPUs, %u loops\n", num_online_cpus(), loops);
	if (bench_want("sections"))
		bench_sections();
	if (bench_want("advance"))
		bench_advance();
	if (bench_want("reclaim"))
		bench_reclaim();
	if (bench_want("ring"))
		bench_ring();
	if (bench_want("pair"))
		bench_pair();
	if (bench_want("bulk"))
		bench_bulk();
	if (bench_want("shuffle"))
		bench_shuffle();
	if (bench_want("remote"))
		bench_remote();
	if (bench_want("burst"))
		bench_burst();
	if (bench_want("scaling"))
		bench_scaling();
	if (bench_want("smr"))
		bench_smr();
	if (bench_want("call"))
		bench_call();
	if (bench_want("kmalloc"))
		bench_kmalloc();
	if (bench_want("kmalloc_smr"))
		bench_kmalloc_smr();
	if (bench_want("large"))
		bench_large();
	if (bench_want("census"))
		bench_census();
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
