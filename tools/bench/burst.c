// SPDX-License-Identifier: GPL-2.0
/*
 * The burst case of gusslab_bench.ko: remote frees in bursts, the pattern
 * of network receive (one CPU allocates buffers, another frees them in
 * thousands).  The first CPU, the producer, allocates a burst of objects
 * one by one; a kthread on the second CPU, the consumer, frees the whole
 * burst one by one and hands the turn back; then the next burst.  SLUB's
 * kmem_cache and a gus_cache of the same size take turns.
 *
 * Module parameter burst= is the burst size; 0 (the default) runs 256,
 * 1024, 4096 and 16384.  Each size moves about loops / 4 objects.  For
 * gusslab the report adds where the producer's refills came from: the
 * ring hit ratio is the refills served by a full magazine from the ring
 * over all refills (ring, overflow list, magazine swap, depot), the
 * queue hit ratio those served by the ring or the overflow list; "ring
 * full" counts the full magazines that found no room in the ring, and
 * "drains" those emptied into the slabs.
 *
 * Under the census plugin (cases=census) each burst of CENSUS_BURST
 * objects is one interval on its own CPU, with interrupts off so that no
 * tick lands in it (the frees never sleep; the allocations are
 * GFP_ATOMIC, which takes the same fast paths as GFP_KERNEL).
 *
 * Invariant: the burst array belongs to one side at a time.  The producer
 * publishes a burst with a release store of @handed, the consumer returns
 * it with a release store of @freed; each side's acquire load of the
 * other's counter pairs with it.
 */
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <gusslab.h>
#include "../../slab/cache.h"
#include "bench.h"

static unsigned int burst;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "objects per burst of the burst case (0: 256 to 16384)");

struct burst_run {
	struct kmem_cache *k;
	struct gus_cache *g;
	bool slub;			/* k's turn, else g's */
	void **objs;
	unsigned int n, rounds;
	int handed, freed;		/* bursts so far: see the invariant */
	u64 alloc_ns, free_ns;
	bool census;			/* mark each burst for the plugin */
};

static __always_inline void burst_free_all(struct burst_run *b)
{
	unsigned int i;

	if (b->slub)
		for (i = 0; i < b->n; i++)
			kmem_cache_free(b->k, b->objs[i]);
	else
		for (i = 0; i < b->n; i++)
			gus_cache_free(b->g, b->objs[i]);
}

/* Return: the objects allocated, b->n unless memory ran out. */
static __always_inline unsigned int burst_alloc_all(struct burst_run *b, gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		b->objs[i] = b->slub ? kmem_cache_alloc(b->k, gfp) : gus_cache_alloc(b->g, gfp);
		if (!b->objs[i])
			break;
	}
	return i;
}

#ifdef CONFIG_X86
#define CENSUS_BURST	4096

/* The plugin's intervals: ids are constants, hence one call per kind. */
static void burst_census_free(struct burst_run *b)
{
	unsigned long flags;

	local_irq_save(flags);
	if (b->slub) {
		census_mark(true, CENSUS_SLUB_BURST_FREE, CENSUS_BURST);
		burst_free_all(b);
	} else {
		census_mark(true, CENSUS_GUS_BURST_FREE, CENSUS_BURST);
		burst_free_all(b);
	}
	census_mark(false, 0, 0);
	local_irq_restore(flags);
}

static unsigned int burst_census_alloc(struct burst_run *b)
{
	unsigned long flags;
	unsigned int got;

	local_irq_save(flags);
	if (b->slub) {
		census_mark(true, CENSUS_SLUB_BURST_ALLOC, CENSUS_BURST);
		got = burst_alloc_all(b, GFP_ATOMIC);
	} else {
		census_mark(true, CENSUS_GUS_BURST_ALLOC, CENSUS_BURST);
		got = burst_alloc_all(b, GFP_ATOMIC);
	}
	census_mark(false, 0, 0);
	local_irq_restore(flags);
	return got;
}
#else
static void burst_census_free(struct burst_run *b) { }
static unsigned int burst_census_alloc(struct burst_run *b) { return 0; }
#endif

static int burst_consumer_fn(void *arg)
{
	struct burst_run *b = arg;
	int r;
	u64 t0;

	for (r = 1; r <= b->rounds; r++) {
		/* pairs with the producer's release of the burst */
		while (smp_load_acquire(&b->handed) < r) {
			if (kthread_should_stop())
				return 0;
			cpu_relax();
		}
		t0 = ktime_get_ns();
		if (b->census)
			burst_census_free(b);
		else
			burst_free_all(b);
		b->free_ns += ktime_get_ns() - t0;
		smp_store_release(&b->freed, r);	/* pairs with the producer's acquire */
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Run b->rounds bursts; the caller is the producer.  Return: false on failure. */
static bool burst_run(struct burst_run *b)
{
	struct task_struct *t;
	unsigned int got;
	bool ok = true;
	int r;
	u64 t0;

	b->handed = 0;
	b->freed = 0;
	b->alloc_ns = 0;
	b->free_ns = 0;
	t = kthread_run_on_cpu(burst_consumer_fn, b, cpumask_nth(1, cpu_online_mask),
			       "bench-burst/%u");
	if (IS_ERR(t))
		return false;
	for (r = 1; r <= b->rounds; r++) {
		t0 = ktime_get_ns();
		got = b->census ? burst_census_alloc(b) : burst_alloc_all(b, GFP_KERNEL);
		b->alloc_ns += ktime_get_ns() - t0;
		if (got < b->n) {
			b->n = got;	/* free what there is, then stop */
			ok = false;
		}
		smp_store_release(&b->handed, r);	/* pairs with the consumer's acquire */
		while (smp_load_acquire(&b->freed) < r)	/* pairs with its release */
			cpu_relax();
		if (!ok)
			break;
	}
	kthread_stop(t);
	return ok;
}

/* Refills served by the ring (@overflow: or the overflow list), in %. */
static unsigned long burst_hit(struct gus_cache *g, bool overflow)
{
	unsigned long ring = gus_cache_event_sum(g, GUS_RING_POP);
	unsigned long over = gus_cache_event_sum(g, GUS_OVERFLOW_POP);
	unsigned long all = ring + over + gus_cache_event_sum(g, GUS_MAG_SWAP) +
			    gus_cache_event_sum(g, GUS_DEPOT_REFILL);

	return all ? (ring + (overflow ? over : 0)) * 100 / all : 0;
}

/* Where @g's refills came from, and what found the ring full. */
static void burst_print_queue(const char *what, struct gus_cache *g)
{
	pr_info("BENCH %s: ring hit %lu%%, queue hit %lu%% (ring pops %lu, overflow pops %lu, swaps %lu, depot refills %lu), ring full %lu, drains %lu\n",
		what, burst_hit(g, false), burst_hit(g, true),
		gus_cache_event_sum(g, GUS_RING_POP),
		gus_cache_event_sum(g, GUS_OVERFLOW_POP),
		gus_cache_event_sum(g, GUS_MAG_SWAP),
		gus_cache_event_sum(g, GUS_DEPOT_REFILL),
		gus_cache_event_sum(g, GUS_RING_FULL),
		gus_cache_event_sum(g, GUS_DEPOT_DRAIN));
}

/* One side's timed bursts.  Return: ps per object allocated and freed, 0 on failure. */
static u64 burst_timed(struct burst_run *b, bool slub)
{
	u64 objs = (u64)b->rounds * b->n;

	b->slub = slub;
	if (!burst_run(b))
		return 0;
	pr_info("BENCH burst      %u: %s alloc %llu ps free %llu ps per object\n", b->n,
		slub ? "kmem_cache" : "gus_cache", div64_u64(b->alloc_ns * 1000, objs),
		div64_u64(b->free_ns * 1000, objs));
	return div64_u64((b->alloc_ns + b->free_ns) * 1000, objs) ?: 1;
}

static void burst_one(unsigned int n)
{
	struct burst_run b = { .n = n, .rounds = max(loops / 4 / n, 4U) };
	u64 slub_ps, gus_ps;
	char what[40];

	b.objs = kvmalloc_array(n, sizeof(void *), GFP_KERNEL);
	b.k = kmem_cache_create("bench-burst-slub", OBJ_SIZE, 0, 0, NULL);
	b.g = gus_cache_create("bench-burst-gus", OBJ_SIZE, 0, 0, NULL);
	if (!b.objs || !b.k || !b.g)
		goto out;
	slub_ps = burst_timed(&b, true);
	gus_ps = slub_ps ? burst_timed(&b, false) : 0;
	if (!gus_ps)
		goto out;
	snprintf(what, sizeof(what), "burst %u (slub %llu ps)", n, slub_ps);
	bench_report("burst", what, gus_ps, slub_ps);
	snprintf(what, sizeof(what), "burst      %u", n);
	burst_print_queue(what, b.g);
out:
	gus_cache_destroy(b.g);
	kmem_cache_destroy(b.k);
	kvfree(b.objs);
}

void bench_burst(void)
{
	static const unsigned int sizes[] = { 256, 1024, 4096, 16384 };
	unsigned int s;

	if (num_online_cpus() < 2) {
		pr_info("BENCH burst skipped: needs two CPUs\n");
		return;
	}
	if (burst) {
		burst_one(burst);
		return;
	}
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		burst_one(sizes[s]);
}

#ifdef CONFIG_X86
#define CENSUS_BURST_REPS	16

static void burst_census_report(enum census_id id, u64 ns)
{
	census_report(id, 0, div64_u64(ns * 1000, CENSUS_BURST_REPS * CENSUS_BURST));
}

/*
 * One side's census: two bursts unmarked (the slabs they need are then
 * there), then CENSUS_BURST_REPS marked.  Return: false on failure.
 */
static bool burst_census_side(struct burst_run *b, bool slub, enum census_id alloc,
			      enum census_id free)
{
	b->slub = slub;
	b->census = false;
	b->rounds = 2;
	if (!burst_run(b))
		return false;
	b->census = true;
	b->rounds = CENSUS_BURST_REPS;
	if (!burst_run(b))
		return false;
	burst_census_report(alloc, b->alloc_ns);
	burst_census_report(free, b->free_ns);
	return true;
}

/* The census of bursts of CENSUS_BURST objects, SLUB's then ours. */
void bench_census_burst(void)
{
	struct burst_run b = { .n = CENSUS_BURST };

	if (num_online_cpus() < 2)
		return;
	b.objs = kvmalloc_array(CENSUS_BURST, sizeof(void *), GFP_KERNEL);
	b.k = kmem_cache_create("census-burst-slub", OBJ_SIZE, 0, 0, NULL);
	b.g = gus_cache_create("census-burst-gus", OBJ_SIZE, 0, 0, NULL);
	if (!b.objs || !b.k || !b.g)
		goto out;
	if (!burst_census_side(&b, true, CENSUS_SLUB_BURST_ALLOC, CENSUS_SLUB_BURST_FREE) ||
	    !burst_census_side(&b, false, CENSUS_GUS_BURST_ALLOC, CENSUS_GUS_BURST_FREE))
		goto out;
	burst_print_queue("census burst", b.g);
out:
	gus_cache_destroy(b.g);
	kmem_cache_destroy(b.k);
	kvfree(b.objs);
}
#endif
