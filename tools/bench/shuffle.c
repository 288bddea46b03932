// SPDX-License-Identifier: GPL-2.0
/*
 * The shuffle case of gusslab_bench.ko: allocate SHUFFLE_N objects one by
 * one, then free them in one fixed random order, so that the frees land
 * on slabs in no order and fill magazines far beyond what the ring holds.
 * SLUB's kmem_cache and a gus_cache of the same size take turns, ten
 * rounds each by TCG time.
 *
 * Under the census plugin (cases=census) each round, the allocations and
 * the shuffled frees, is one interval counted per object, with interrupts
 * off so that no tick lands in it (the allocations GFP_ATOMIC, which takes
 * the same fast paths as GFP_KERNEL).  SLUB's rounds reach the page
 * allocator, whose work varies, so table.py counts them as a median.
 */
#include <linux/irqflags.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <gusslab.h>
#include "bench.h"

#define SHUFFLE_N	10000
#define CENSUS_SHUFFLE_REPS	8

struct shuffle_run {
	struct kmem_cache *k;
	struct gus_cache *g;
	void **p;
	u32 *order;			/* the free order, a permutation */
};

static bool shuffle_setup(struct shuffle_run *s)
{
	unsigned int i, j;

	s->k = kmem_cache_create("bench-slub", OBJ_SIZE, 0, 0, NULL);
	s->g = gus_cache_create("bench-gus", OBJ_SIZE, 0, 0, NULL);
	s->p = kvmalloc_array(SHUFFLE_N, sizeof(void *), GFP_KERNEL);
	s->order = kvmalloc_array(SHUFFLE_N, sizeof(u32), GFP_KERNEL);
	if (!s->k || !s->g || !s->p || !s->order)
		return false;
	for (i = 0; i < SHUFFLE_N; i++)
		s->order[i] = i;
	for (i = SHUFFLE_N - 1; i > 0; i--) {	/* one fixed permutation */
		j = get_random_u32_below(i + 1);
		swap(s->order[i], s->order[j]);
	}
	return true;
}

static void shuffle_teardown(struct shuffle_run *s)
{
	kvfree(s->order);
	kvfree(s->p);
	gus_cache_destroy(s->g);
	kmem_cache_destroy(s->k);
}

/* One round on SLUB's cache or ours.  Return: false if an allocation failed. */
static __always_inline bool shuffle_round(struct shuffle_run *s, bool slub, gfp_t gfp)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < SHUFFLE_N; i++) {
		s->p[i] = slub ? kmem_cache_alloc(s->k, gfp) : gus_cache_alloc(s->g, gfp);
		ok &= !!s->p[i];
	}
	for (i = 0; i < SHUFFLE_N; i++) {
		if (slub)
			kmem_cache_free(s->k, s->p[s->order[i]]);
		else
			gus_cache_free(s->g, s->p[s->order[i]]);
	}
	return ok;
}

void bench_shuffle(void)
{
	struct shuffle_run s = { };
	unsigned int round, rounds = max(loops / SHUFFLE_N / 10, 1U);
	u64 t0, slub = 0, gus = 0;

	if (!shuffle_setup(&s))
		goto out;
	for (round = 0; round < rounds; round++) {
		t0 = ktime_get_ns();
		shuffle_round(&s, true, GFP_KERNEL);
		slub += ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		shuffle_round(&s, false, GFP_KERNEL);
		gus += ktime_get_ns() - t0;
	}
	slub = div64_u64(slub * 1000, (u64)rounds * SHUFFLE_N);
	gus = div64_u64(gus * 1000, (u64)rounds * SHUFFLE_N);
	bench_report("shuffle", "kmem_cache", slub, slub);
	bench_report("shuffle", "gus_cache", gus, slub);
out:
	shuffle_teardown(&s);
}

#ifdef CONFIG_X86
/* One marked round: @id and SHUFFLE_N constants, as the markers need. */
static bool shuffle_census_round(struct shuffle_run *s, bool slub)
{
	enum census_id id = slub ? CENSUS_SLUB_SHUFFLE : CENSUS_GUS_SHUFFLE;
	unsigned long flags;
	bool ok;
	u64 t0 = ktime_get_ns();

	local_irq_save(flags);
	if (slub) {
		census_mark(true, CENSUS_SLUB_SHUFFLE, SHUFFLE_N);
		ok = shuffle_round(s, true, GFP_ATOMIC);
	} else {
		census_mark(true, CENSUS_GUS_SHUFFLE, SHUFFLE_N);
		ok = shuffle_round(s, false, GFP_ATOMIC);
	}
	census_mark(false, 0, 0);
	local_irq_restore(flags);
	census_report(id, 0, per_op(t0, SHUFFLE_N));
	return ok;
}

/*
 * Each side: one round unmarked (the slabs it needs are then there), then
 * CENSUS_SHUFFLE_REPS marked.
 */
void bench_census_shuffle(void)
{
	struct shuffle_run s = { };
	unsigned int r;
	int side;

	if (!shuffle_setup(&s))
		goto out;
	for (side = 0; side < 2; side++) {
		shuffle_round(&s, side, GFP_KERNEL);
		for (r = 0; r < CENSUS_SHUFFLE_REPS; r++)
			if (!shuffle_census_round(&s, side))
				pr_err("BENCH census shuffle: an allocation failed\n");
	}
out:
	shuffle_teardown(&s);
}
#endif
