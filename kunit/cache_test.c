// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for gusslab caches (slab/):
 *
 *   gus_cache      the API on one CPU: arguments, sizes and alignment,
 *                  constructors, __GFP_ZERO, bulk, shrink, destroy with
 *                  live objects, bad frees, failed page allocations,
 *                  hardirq context;
 *   gus_cache_smp  remote-free churn on every CPU with patterns checked,
 *                  CPU hotplug during a churn, and SMR readers that must
 *                  never see an object reused inside their section.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/debugfs.h>
#include <linux/kmemleak.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"
#include "../slab/cache.h"
#include "../slab/gus_trace.h"

GUS_IMPORT_INTERNAL();

static struct gus_cache *cache_create(struct kunit *test, const char *name,
				      unsigned int size, unsigned int align,
				      unsigned int flags, void (*ctor)(void *))
{
	struct gus_cache *c = gus_cache_create(name, size, align, flags, ctor);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

static unsigned long cache_slabs(struct gus_cache *c)
{
	unsigned long slabs, free;

	gus_depot_totals(c, &slabs, &free);
	return slabs;
}

static void cache_rejects_bad_arguments(struct kunit *test)
{
	struct gus_cache *c;

	KUNIT_EXPECT_NULL(test, gus_cache_create(NULL, 8, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("", 8, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("a/b", 8, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-a-name-far-too-long-for-it",
						 8, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", GUS_MAX_SIZE + 1, 0, 0, NULL));
	/* Red zones push the largest object past the largest slab. */
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", GUS_MAX_SIZE, 0,
						 GUS_CACHE_RED_ZONE, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", 8, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", 8, 2 * PAGE_SIZE, 0, NULL));
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-bad", 8, 0, 0x80, NULL));
	c = cache_create(test, "kunit-dup", 8, 0, 0, NULL);
	KUNIT_EXPECT_NULL(test, gus_cache_create("kunit-dup", 16, 0, 0, NULL));
	gus_cache_destroy(c);
	c = cache_create(test, "kunit-dup", 16, 0, GUS_CACHE_SMR, NULL);
	gus_cache_destroy(c);
	gus_cache_destroy(NULL);
	gus_cache_free(NULL, NULL);
}

struct cache_geo {
	unsigned int size, align, flags;
};

static const struct cache_geo cache_geos[] = {
	{ 1, 0, 0 }, { 8, 0, 0 }, { 24, 0, 0 }, { 64, 0, 0 }, { 100, 0, 0 },
	{ 100, 64, 0 }, { 192, 0, GUS_CACHE_HWCACHE_ALIGN }, { 256, 0, 0 },
	{ 1000, 0, 0 }, { 2048, 0, 0 }, { 3000, 512, 0 }, { PAGE_SIZE, 0, 0 },
	{ 8, 0, GUS_CACHE_SMR }, { 512, 0, GUS_CACHE_SMR },
	{ 1, 0, GUS_CACHE_DEBUG }, { 100, 64, GUS_CACHE_DEBUG },
	{ PAGE_SIZE, 0, GUS_CACHE_DEBUG }, { 24, 0, GUS_CACHE_SMR | GUS_CACHE_DEBUG },
};

static void cache_geo_desc(const struct cache_geo *g, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u align %u flags %#x",
		 g->size, g->align, g->flags);
}

KUNIT_ARRAY_PARAM(cache_geo, cache_geos, cache_geo_desc);

/* Objects are distinct, aligned, inside their slab, and do not overlap. */
static void cache_sizes_and_alignment(struct kunit *test)
{
	const struct cache_geo *g = test->param_value;
	unsigned int align = max_t(unsigned int, g->align, sizeof(void *));
	struct gus_cache *c;
	unsigned int i, n;
	void **objs;

	if (g->flags & GUS_CACHE_HWCACHE_ALIGN)
		align = max_t(unsigned int, align, cache_line_size());
	c = cache_create(test, "kunit-geo", g->size, g->align, g->flags, NULL);
	n = 3 * c->objects + 5;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)objs[i] % align, 0UL);
		KUNIT_EXPECT_NOT_NULL(test, gus_obj_to_slab(c, objs[i]));
		memset(objs[i], i & 0xff, g->size);
	}
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, *((u8 *)objs[i] + g->size - 1), (u8)(i & 0xff));
	sort(objs, n, sizeof(*objs), gus_test_cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_GE(test, (unsigned long)objs[i] - (unsigned long)objs[i - 1],
				(unsigned long)g->size);
	KUNIT_EXPECT_GE(test, c->objects, 1U);
	KUNIT_EXPECT_LE(test, c->order, (unsigned int)GUS_MAX_ORDER);
	gus_cache_free_bulk(c, n, objs);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 0UL);
	gus_cache_destroy(c);
}

static atomic_t ctor_calls;

static void ctor_fn(void *obj)
{
	atomic_inc(&ctor_calls);
	*(unsigned long *)obj = 0xC7C7C7C7UL;
}

/* The constructor runs once per object when its slab is made, not per alloc. */
static void cache_ctor_runs_once(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-ctor", 64, 0, 0, ctor_fn);
	void *objs[100];
	int round, i;

	atomic_set(&ctor_calls, 0);
	for (round = 0; round < 3; round++) {
		KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, 100, objs), 100);
		for (i = 0; i < 100; i++)
			KUNIT_EXPECT_EQ(test, *(unsigned long *)objs[i], 0xC7C7C7C7UL);
		gus_cache_free_bulk(c, 100, objs);
	}
	KUNIT_EXPECT_EQ(test, (unsigned long)atomic_read(&ctor_calls),
			cache_slabs(c) * c->objects);
	gus_cache_destroy(c);
}

static void cache_gfp_zero(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-zero", 200, 0, 0, NULL);
	u8 *p, zero[200] = {};
	int i;

	for (i = 0; i < 50; i++) {
		p = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xa5, 200);
		gus_cache_free(c, p);
		p = gus_cache_alloc(c, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, memcmp(p, zero, 200), 0);
		gus_cache_free(c, p);
	}
	gus_cache_destroy(c);
}

static void cache_bulk(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-bulk", 32, 0, 0, NULL);
	static const unsigned int sizes[] = { 1, 2, 7, 16, 63, 64, 65, 128, 256 };
	void **p = kunit_kcalloc(test, 256, sizeof(*p), GFP_KERNEL);
	unsigned int s, i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL | __GFP_ZERO,
							   sizes[s], p), (int)sizes[s]);
		sort(p, sizes[s], sizeof(*p), gus_test_cmp_ptr, NULL);
		for (i = 0; i < sizes[s]; i++) {
			KUNIT_EXPECT_NOT_NULL(test, p[i]);
			KUNIT_EXPECT_EQ(test, *(u32 *)p[i], 0U);
			if (i)
				KUNIT_EXPECT_PTR_NE(test, p[i], p[i - 1]);
		}
		gus_cache_free_bulk(c, sizes[s], p);
	}
	gus_cache_destroy(c);
}

/* Shrinking after everything is freed returns every slab. */
static void cache_shrink_returns_pages(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-shrink", 128, 0, 0, NULL);
	unsigned int n;
	void **objs;

	n = 10 * c->objects;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	KUNIT_EXPECT_GE(test, cache_slabs(c), 10UL);
	gus_cache_free_bulk(c, n, objs);
	gus_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, cache_slabs(c), 0UL);
	KUNIT_EXPECT_GE(test, gus_cache_event_sum(c, GUS_SLAB_FREE), 10UL);
	/* Still usable afterwards. */
	objs[0] = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	gus_cache_free(c, objs[0]);
	gus_cache_destroy(c);
}

static struct dentry *debugfs_child(struct dentry *parent, const char *name)
{
	struct dentry *d = debugfs_lookup(name, parent);

	dput(parent);
	return IS_ERR(d) ? NULL : d;
}

/*
 * Whether /sys/kernel/debug/gusslab/<cache>/<file> exists, looked up dentry
 * by dentry: on recent kernels (7.3 here) a kthread's root is an empty
 * nullfs, so a path name does not resolve from the KUnit thread.
 */
static bool debugfs_exists(const char *cache, const char *file)
{
	struct dentry *d = debugfs_child(NULL, "gusslab");

	if (d)
		d = debugfs_child(d, cache);
	if (d)
		d = debugfs_child(d, file);
	dput(d);
	return d;
}

/*
 * The shrinker's callbacks, called as memory pressure would: count sees
 * the queued objects, scan drains them and frees the slabs left empty,
 * and the cache's counters say so.
 */
static void cache_shrinker_frees_slabs(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-shrinker", 256, 0, 0, NULL);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = ULONG_MAX };
	unsigned int n = 16 * c->mag_size;
	unsigned long before, freed;
	struct gus_cache_usage u;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	gus_cache_free_bulk(c, n, objs);
	gus_cache_usage(c, &u);
	KUNIT_ASSERT_GT(test, u.queued, 0UL);
	KUNIT_EXPECT_GE(test, gus_shrink_count(NULL, &sc), u.queued);
	before = cache_slabs(c);
	freed = gus_shrink_scan(NULL, &sc);
	KUNIT_EXPECT_NE(test, freed, SHRINK_STOP);
	KUNIT_EXPECT_GT(test, freed, 0UL);
	KUNIT_EXPECT_EQ(test, before - cache_slabs(c), gus_cache_event_sum(c, GUS_SHRINK_FREED));
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_SHRINK_FREED),
			gus_cache_event_sum(c, GUS_SLAB_FREE));
	KUNIT_EXPECT_GE(test, gus_cache_event_sum(c, GUS_SHRINK_SCAN), 1UL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.queued, 0UL);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	gus_cache_destroy(c);
}

/* SMR: shrink gives back only what GUS says is reusable, then everything. */
static void cache_smr_shrink_waits_for_readers(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-smr-shrink", 64, 0, GUS_CACHE_SMR, NULL);
	struct gus_domain *d = gus_cache_domain(c);
	unsigned int i, n = 4 * c->objects;
	struct gus_cache_usage u;
	void **objs;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_TRUE(test, debugfs_exists("kunit-smr-shrink", "domain"));
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	gus_enter(d);			/* a reader that predates the frees */
	for (i = 0; i < n; i++)
		gus_cache_free(c, objs[i]);
	/* Stamped magazines wait in the queue, each object counted once. */
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_GT(test, u.queued, 0UL);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	KUNIT_EXPECT_EQ(test, u.in_slabs + u.in_cpus + u.queued, u.objects);
	gus_exit(d);
	gus_enter(d);
	gus_cache_reclaim(c, false);
	gus_exit(d);
	gus_cache_shrink(c);
	gus_synchronize(d);
	gus_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, cache_slabs(c), 0UL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.queued + u.in_cpus, 0UL);
	gus_cache_destroy(c);
}

/*
 * SMR: a backlog of stamped magazines, queued while a reader held them
 * up, drains back once the reader has left and the cache keeps working,
 * although every refill takes one magazine and every free queues one.
 */
static void cache_smr_backlog_drains(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-smr-backlog", 64, 0, GUS_CACHE_SMR, NULL);
	struct gus_domain *d = gus_cache_domain(c);
	unsigned int i, round, n = 4 * GUS_QUEUE_KEEP * c->mag_size;
	struct gus_cache_usage u;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	migrate_disable();	/* the backlog is on this node's ring: trim it here */
	gus_enter(d);			/* holds up every stamp below */
	for (i = 0; i < n; i++)
		gus_cache_free(c, objs[i]);
	gus_exit(d);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_GE(test, u.queued, (unsigned long)(n - c->mag_size));
	for (round = 0; round < 5 * GUS_QUEUE_KEEP; round++) {
		if (gus_cache_alloc_bulk(c, GFP_KERNEL, c->mag_size, objs) != c->mag_size) {
			KUNIT_FAIL(test, "bulk allocation failed");	/* no assert: migrate */
			break;
		}
		gus_cache_free_bulk(c, c->mag_size, objs);
	}
	migrate_enable();
	gus_cache_usage(c, &u);
	kunit_info(test, "queued after the churn: %lu objects\n", u.queued);
	KUNIT_EXPECT_LE(test, u.queued, (unsigned long)((GUS_QUEUE_KEEP + 2) * c->mag_size));
	gus_cache_destroy(c);
}

static void cache_destroy_with_live_objects(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-leak", 64, 0, 0, NULL);
	void *objs[3];

	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, 3, objs), 3);
	kmemleak_not_leak(objs[0]);	/* leaked on purpose */
	kmemleak_not_leak(objs[1]);
	gus_cache_free(c, objs[2]);
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_cache_destroy(c);		/* reports, keeps the cache */
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 2UL);
	/* The name is free again. */
	gus_cache_destroy(cache_create(test, "kunit-leak", 64, 0, 0, NULL));
}

/* Bad frees are found when the magazine reaches the depot. */
static void cache_bad_frees_reported(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-badfree", 64, 0, 0, NULL);
	void *foreign = kmalloc(64, GFP_KERNEL);
	char *obj = gus_cache_alloc(c, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_cache_free(c, foreign);	/* not ours */
	gus_cache_free(c, obj + 8);	/* not an object start */
	gus_cache_free(c, obj);
	gus_cache_free(c, obj);		/* double free */
	gus_cache_shrink(c);
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 3UL);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 0UL);
	obj = gus_cache_alloc(c, GFP_KERNEL);	/* still works */
	KUNIT_EXPECT_NOT_NULL(test, obj);
	gus_cache_free(c, obj);
	kfree(foreign);
	gus_cache_destroy(c);
}

/**
 * cache_check_foreign_frees() - free three pointers that are not objects
 * of @c, and check that each is refused and none is ever handed out.
 * @test: the test.
 * @c: a cache that refuses them at the free: check_frees, or a debug cache.
 *
 * The pointers: kmalloc() memory, an object of another gusslab cache, and
 * a pointer inside one of @c's objects.  Shared with kunit/debug_test.c.
 */
void cache_check_foreign_frees(struct kunit *test, struct gus_cache *c)
{
	struct gus_cache *other = cache_create(test, "kunit-other", 64, 0, 0, NULL);
	unsigned int i, n = 4 * c->mag_size;
	void *foreign = kmalloc(64, GFP_KERNEL);
	void *theirs = gus_cache_alloc(other, GFP_KERNEL);
	char *mine = gus_cache_alloc(c, GFP_KERNEL);
	long reports = atomic_long_read(&c->reports);
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_NOT_NULL(test, theirs);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	migrate_disable();		/* the bad frees land where we allocate */
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_cache_free(c, foreign);
	gus_cache_free(c, theirs);	/* another gusslab cache's object */
	gus_cache_free(c, mine + 8);	/* inside one of ours */
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 3UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->reports), reports + 3);
	for (i = 0; i < n; i++) {
		objs[i] = gus_cache_alloc(c, GFP_ATOMIC);
		KUNIT_EXPECT_PTR_NE(test, objs[i], foreign);
		KUNIT_EXPECT_PTR_NE(test, objs[i], theirs);
		KUNIT_EXPECT_PTR_NE(test, objs[i], (void *)(mine + 8));
	}
	migrate_enable();
	gus_cache_free_bulk(c, n, objs);
	gus_cache_free(c, mine);
	gus_cache_free(other, theirs);
	kfree(foreign);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->reports), reports + 3);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&other->reports), 0L);
	gus_cache_destroy(other);
}

/*
 * With check_frees, a pointer that is not an object of the cache is
 * refused when it is freed, so no allocation can ever hand it out.
 */
static void cache_foreign_free_never_handed_out(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-foreign", 64, 0, 0, NULL);

	gus_check_frees_switch(true);
	cache_check_foreign_frees(test, c);
	gus_check_frees_switch(false);
	gus_cache_destroy(c);
}

/*
 * A double free right after the first is refused on the spot: the object
 * is not in the magazine twice, so it cannot be handed out to two owners.
 */
static void cache_double_free_caught_at_once(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-dfree", 64, 0, 0, NULL);
	unsigned int in_magazine;
	void *obj;

	migrate_disable();		/* one CPU's free magazine */
	obj = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	gus_cache_free(c, obj);
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_cache_free(c, obj);
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_FREE_FAST), 1UL);
	in_magazine = this_cpu_ptr(c->cpu)->free->count;
	migrate_enable();
	KUNIT_EXPECT_EQ(test, in_magazine, 1U);
	/* The same in a bulk free. */
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, 1, &obj), 1);
	migrate_disable();
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_cache_free_bulk(c, 1, &obj);
	gus_cache_free_bulk(c, 1, &obj);
	WRITE_ONCE(gus_quiet_misuse, false);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 2UL);
	obj = gus_cache_alloc(c, GFP_KERNEL);	/* still works */
	KUNIT_EXPECT_NOT_NULL(test, obj);
	gus_cache_free(c, obj);
	gus_cache_destroy(c);
}

static void cache_page_allocation_failure(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-nomem", 256, 0, 0, NULL);
	void *obj;

	atomic_set(&gus_fail_slab_allocs, 1);
	KUNIT_EXPECT_NULL(test, gus_cache_alloc(c, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_FAILED), 1UL);
	KUNIT_EXPECT_EQ(test, cache_slabs(c), 0UL);
	obj = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	gus_cache_free(c, obj);
	atomic_set(&gus_fail_slab_allocs, 0);
	gus_cache_destroy(c);
}

/*
 * One slab allocation in ten fails during a churn: every allocation
 * either succeeds or counts as failed, and once everything is freed and
 * shrunk the cache holds no object and no page.
 */
static void cache_fault_injection_leaks_nothing(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-fault", 256, 0, 0, NULL);
	unsigned int i, n = 4096, got = 0, failed = 0;
	struct gus_cache_usage u;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	WRITE_ONCE(gus_fail_percent, 10);
	for (i = 0; i < 4 * n; i++) {
		unsigned int k = get_random_u32() % n;

		if (p[k]) {
			gus_cache_free(c, p[k]);
			p[k] = NULL;
			continue;
		}
		p[k] = gus_cache_alloc(c, GFP_KERNEL | __GFP_NOWARN);
		if (p[k])
			got++;
		else
			failed++;
	}
	WRITE_ONCE(gus_fail_percent, 0);
	kunit_info(test, "%u allocations succeeded, %u failed\n", got, failed);
	KUNIT_EXPECT_GT(test, failed, 0U);
	KUNIT_EXPECT_GT(test, got, failed);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_FAILED), (unsigned long)failed);
	for (i = 0; i < n; i++)
		gus_cache_free(c, p[i]);
	gus_cache_shrink(c);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.slabs, 0UL);
	KUNIT_EXPECT_EQ(test, u.in_cpus + u.queued + u.active, 0UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_SLAB_ALLOC),
			gus_cache_event_sum(c, GUS_SLAB_FREE));
	gus_cache_destroy(c);
}

/* __GFP_NOFAIL on a cache with order-3 slabs: no page-allocator warning. */
static void cache_gfp_nofail_high_order(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-nofail", PAGE_SIZE, 0, 0, NULL);
	void *p;

	KUNIT_EXPECT_GT(test, c->order, 1U);
	p = gus_cache_alloc(c, GFP_KERNEL | __GFP_NOFAIL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	gus_cache_free(c, p);
	gus_cache_destroy(c);
}

/* After a known sequence on one CPU the counters say exactly what happened. */
static void cache_counters_are_exact(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-stats", 64, 0, 0, NULL);
	struct gus_cache_usage u;
	unsigned long slabs, free;
	void *p[10];
	int i;

	KUNIT_EXPECT_TRUE(test, debugfs_exists("kunit-stats", "stats"));
	KUNIT_EXPECT_TRUE(test, debugfs_exists("kunit-stats", "cpu"));
	KUNIT_EXPECT_FALSE(test, debugfs_exists("kunit-stats", "domain"));
	migrate_disable();		/* one CPU's magazines, one story */
	for (i = 0; i < 10; i++)
		p[i] = gus_cache_alloc(c, GFP_KERNEL);
	for (i = 0; i < 10; i++)
		gus_cache_free(c, p[i]);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_SLOW), 1UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_FAST), 9UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_SLAB_ALLOC), 1UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_DEPOT_REFILL), 1UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_FREE_FAST), 10UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_FREE_SLOW), 0UL);
	/* Objects are conserved: all of the slab sits in the magazines. */
	gus_depot_totals(c, &slabs, &free);
	KUNIT_EXPECT_EQ(test, slabs, 1UL);
	KUNIT_EXPECT_EQ(test, free, (unsigned long)(c->objects - min(c->objects, c->mag_size)));
	/* The caches line: no object in use, every one accounted for. */
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.slabs, 1UL);
	KUNIT_EXPECT_EQ(test, u.active_slabs, 1UL);
	KUNIT_EXPECT_EQ(test, u.objects, (unsigned long)c->objects);
	KUNIT_EXPECT_EQ(test, u.in_cpus, (unsigned long)min(c->objects, c->mag_size));
	KUNIT_EXPECT_EQ(test, u.queued, 0UL);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	KUNIT_EXPECT_EQ(test, u.in_slabs + u.in_cpus + u.queued + u.active, u.objects);
	/* Allocated less freed is what the line calls active. */
	for (i = 0; i < 7; i++)
		p[i] = gus_cache_alloc(c, GFP_KERNEL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.active, 7UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_FAST) +
			gus_cache_event_sum(c, GUS_ALLOC_SLOW) -
			gus_cache_event_sum(c, GUS_FREE_FAST) -
			gus_cache_event_sum(c, GUS_FREE_SLOW), 7UL);
	gus_cache_free_bulk(c, 7, p);
	gus_cache_stats_clear(c);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_FAST), 0UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_FREE_FAST), 0UL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	gus_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_SLAB_FREE), 1UL);
	KUNIT_EXPECT_EQ(test, cache_slabs(c), 0UL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.objects, 0UL);
	KUNIT_EXPECT_EQ(test, u.in_cpus + u.queued + u.active, 0UL);
	gus_cache_destroy(c);
	KUNIT_EXPECT_FALSE(test, debugfs_exists("kunit-stats", "stats"));
}

/* With the counters off nothing is counted, and the caches line holds. */
static void cache_counters_can_be_off(struct kunit *test)
{
	struct gus_cache *c = cache_create(test, "kunit-nostats", 64, 0, 0, NULL);
	struct gus_cache_usage u;
	void *p;

	gus_cache_stats_enable(false);
	p = gus_cache_alloc(c, GFP_KERNEL);
	gus_cache_usage(c, &u);
	gus_cache_stats_enable(true);
	KUNIT_EXPECT_EQ(test, u.active, 1UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ALLOC_SLOW), 0UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_SLAB_ALLOC), 0UL);
	gus_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_FREE_FAST), 1UL);
	gus_cache_destroy(c);
}

struct trace_probe_ctx {
	struct gus_cache *c;
	const void *alloc, *free;
	int allocs, frees;
};

static void probe_alloc(void *data, const char *cache, const void *obj)
{
	struct trace_probe_ctx *x = data;

	if (!strcmp(cache, x->c->name)) {
		x->alloc = obj;
		x->allocs++;
	}
}

static void probe_free(void *data, const char *cache, const void *obj)
{
	struct trace_probe_ctx *x = data;

	if (!strcmp(cache, x->c->name)) {
		x->free = obj;
		x->frees++;
	}
}

/*
 * The gus_alloc and gus_free tracepoints fire once per call with the cache
 * and the object.  (The runner checks that the events reach tracefs.)
 */
static void cache_tracepoints_fire(struct kunit *test)
{
	struct trace_probe_ctx x = {
		.c = cache_create(test, "kunit-trace", 64, 0, 0, NULL),
	};
	void *p[3];

	KUNIT_ASSERT_EQ(test, register_trace_gus_alloc(probe_alloc, &x), 0);
	KUNIT_ASSERT_EQ(test, register_trace_gus_free(probe_free, &x), 0);
	p[0] = gus_cache_alloc(x.c, GFP_KERNEL);
	gus_cache_free(x.c, p[0]);
	KUNIT_EXPECT_EQ(test, gus_cache_alloc_bulk(x.c, GFP_KERNEL, 2, p + 1), 2);
	gus_cache_free_bulk(x.c, 2, p + 1);
	unregister_trace_gus_free(probe_free, &x);
	unregister_trace_gus_alloc(probe_alloc, &x);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, x.allocs, 3);
	KUNIT_EXPECT_EQ(test, x.frees, 3);
	KUNIT_EXPECT_PTR_EQ(test, x.alloc, (const void *)p[2]);
	KUNIT_EXPECT_PTR_EQ(test, x.free, (const void *)p[2]);
	gus_cache_destroy(x.c);
}

struct irq_ctx {
	struct gus_cache *c;
	struct hrtimer timer;
	atomic_t ok, fail, fired;
};

static enum hrtimer_restart irq_alloc_free(struct hrtimer *t)
{
	struct irq_ctx *x = container_of(t, struct irq_ctx, timer);
	void *p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = gus_cache_alloc(x->c, GFP_ATOMIC | __GFP_ZERO);
	for (i = 0; i < 8; i++) {
		if (p[i])
			atomic_inc(&x->ok);
		else
			atomic_inc(&x->fail);
		gus_cache_free(x->c, p[i]);
	}
	if (atomic_inc_return(&x->fired) < 50) {
		hrtimer_forward_now(t, ns_to_ktime(20 * NSEC_PER_USEC));
		return HRTIMER_RESTART;
	}
	return HRTIMER_NORESTART;
}

/* GFP_ATOMIC works in hrtimer (hardirq) context, interleaved with a task. */
static void cache_hardirq_context(struct kunit *test)
{
	struct irq_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	unsigned long end = jiffies + 10 * HZ;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->c = cache_create(test, "kunit-irq", 48, 0, 0, NULL);
	gus_hrtimer_setup(&x->timer, irq_alloc_free, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hrtimer_start(&x->timer, ns_to_ktime(20 * NSEC_PER_USEC), HRTIMER_MODE_REL);
	while (atomic_read(&x->fired) < 50 && time_before(jiffies, end)) {
		p = gus_cache_alloc(x->c, GFP_KERNEL);
		gus_cache_free(x->c, p);
		cond_resched();
	}
	hrtimer_cancel(&x->timer);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->fired), 50);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->fail), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->ok), 50 * 8);
	gus_cache_shrink(x->c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(x->c), 0UL);
	gus_cache_destroy(x->c);
}

static struct kunit_case cache_cases[] = {
	KUNIT_CASE(cache_rejects_bad_arguments),
	KUNIT_CASE_PARAM(cache_sizes_and_alignment, cache_geo_gen_params),
	KUNIT_CASE(cache_ctor_runs_once),
	KUNIT_CASE(cache_gfp_zero),
	KUNIT_CASE(cache_bulk),
	KUNIT_CASE(cache_shrink_returns_pages),
	KUNIT_CASE(cache_shrinker_frees_slabs),
	KUNIT_CASE(cache_smr_shrink_waits_for_readers),
	KUNIT_CASE(cache_smr_backlog_drains),
	KUNIT_CASE(cache_destroy_with_live_objects),
	KUNIT_CASE(cache_bad_frees_reported),
	KUNIT_CASE(cache_double_free_caught_at_once),
	KUNIT_CASE(cache_foreign_free_never_handed_out),
	KUNIT_CASE(cache_page_allocation_failure),
	KUNIT_CASE(cache_gfp_nofail_high_order),
	KUNIT_CASE(cache_fault_injection_leaks_nothing),
	KUNIT_CASE(cache_counters_are_exact),
	KUNIT_CASE(cache_counters_can_be_off),
	KUNIT_CASE(cache_tracepoints_fire),
	KUNIT_CASE(cache_hardirq_context),
	{}
};

static struct kunit_suite cache_suite = {
	.name = "gus_cache",
	.test_cases = cache_cases,
};

/* ---- gus_cache_smp -------------------------------------------------- */

#define CHURN_MIN_OPS	1000000L	/* remote-free churn: a million objects */
#define SMR_MIN_OPS	200000L		/* SMR replacements */
#define CHURN_MAX_MS	90000		/* far above what a debug kernel needs */
#define LIVE		0x4c495645U
#define FREED		0x46524545U

struct churn_obj {
	u32 state;
	u32 owner;
	unsigned long seq;
	unsigned long check;		/* ~seq while live */
};

/* Fresh slab memory holds old data: the constructor gives it a state. */
static void churn_ctor(void *obj)
{
	((struct churn_obj *)obj)->state = FREED;
}

struct churn {
	struct gus_cache *c;
	struct gus_ring *handoff;	/* allocated on one CPU, freed on another */
	struct task_struct **t;		/* [nr_cpu_ids], churn_fn per CPU */
	atomic_long_t allocs, frees, bad;
	bool stop;
};

static void churn_free(struct churn *ch, struct churn_obj *o)
{
	o->state = FREED;
	gus_cache_free(ch->c, o);
	atomic_long_inc(&ch->frees);
}

/* Even CPUs allocate and hand objects over; odd CPUs check and free them. */
static int churn_fn(void *arg)
{
	struct churn *ch = arg;
	u32 me = raw_smp_processor_id();
	unsigned long seq = 0, bad = 0;
	struct churn_obj *o;
	void *it;

	while (!READ_ONCE(ch->stop)) {
		if (me % 2 == 0) {
			o = gus_cache_alloc(ch->c, GFP_KERNEL);
			if (!o)
				continue;
			/* Never handed out while someone else holds it. */
			if (o->state == LIVE)
				bad++;
			o->state = LIVE;
			o->owner = me;
			o->seq = ++seq;
			o->check = ~seq;
			atomic_long_inc(&ch->allocs);
			while (gus_ring_push(ch->handoff, o)) {
				if (READ_ONCE(ch->stop)) {	/* no taker left */
					churn_free(ch, o);
					break;
				}
				cond_resched();
			}
		} else if (!gus_ring_pop(ch->handoff, &it)) {
			o = it;
			if (o->state != LIVE || o->check != ~o->seq)
				bad++;
			churn_free(ch, o);
		}
		cond_resched();
	}
	atomic_long_add(bad, &ch->bad);
	return gus_test_park();
}

/* A churn over a new cache @name: churn_fn on every online CPU but @skip. */
static struct churn *churn_start(struct kunit *test, const char *name, int skip)
{
	struct churn *ch = kunit_kzalloc(test, sizeof(*ch), GFP_KERNEL);
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	ch->t = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ch->t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ch->t);
	ch->c = cache_create(test, name, sizeof(struct churn_obj), 0, 0, churn_ctor);
	ch->handoff = gus_ring_create(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ch->handoff);
	for_each_online_cpu(cpu) {
		if (cpu == skip)
			continue;
		ch->t[cpu] = kthread_create(churn_fn, ch, "gus-churn/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(ch->t[cpu]));
		kthread_bind(ch->t[cpu], cpu);
		wake_up_process(ch->t[cpu]);
	}
	return ch;
}

/* Stop the threads and free the objects still in flight. */
static void churn_stop(struct churn *ch)
{
	void *it;
	int cpu;

	WRITE_ONCE(ch->stop, true);
	for_each_possible_cpu(cpu)
		if (ch->t[cpu])
			kthread_stop(ch->t[cpu]);
	/* An object pushed while stopping may be in the ring still. */
	while (!gus_ring_pop(ch->handoff, &it))
		churn_free(ch, it);
}

/* Every object came back once, undamaged, and no slab still holds one. */
static void churn_check_and_destroy(struct kunit *test, struct churn *ch)
{
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ch->bad), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ch->allocs), atomic_long_read(&ch->frees));
	gus_cache_shrink(ch->c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(ch->c), 0UL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(ch->c, GUS_BAD_FREE), 0UL);
	gus_ring_destroy(ch->handoff);
	gus_cache_destroy(ch->c);
}

/* Every vCPU allocates, hands objects to others to free, checks patterns. */
static void cache_smp_remote_free_churn(struct kunit *test)
{
	struct churn *ch;
	int i;

	if (num_online_cpus() < 2 || !cpu_online(1))
		kunit_skip(test, "needs CPUs 0 and 1");
	ch = churn_start(test, "kunit-churn", -1);
	for (i = 0; i < CHURN_MAX_MS / 20; i++) {
		msleep(20);
		if (atomic_long_read(&ch->allocs) >= CHURN_MIN_OPS)
			break;
	}
	churn_stop(ch);
	kunit_info(test, "allocs %ld frees %ld ring pops %lu bad %ld\n",
		   atomic_long_read(&ch->allocs), atomic_long_read(&ch->frees),
		   gus_cache_event_sum(ch->c, GUS_RING_POP), atomic_long_read(&ch->bad));
	KUNIT_EXPECT_GE(test, atomic_long_read(&ch->allocs), CHURN_MIN_OPS);
	/*
	 * On one node, remote frees reached the allocating CPUs through the
	 * ring.  On several, magazines stay on the node whose CPU freed them
	 * and a ring serves only that node's CPUs, so whether any CPU had to
	 * pop one is up to the schedule (none did in a numa=fake=2 run).
	 */
	if (num_online_nodes() == 1)
		KUNIT_EXPECT_GT(test, gus_cache_event_sum(ch->c, GUS_RING_POP), 0UL);
	churn_check_and_destroy(test, ch);
}

struct hp_ctx {
	struct gus_cache *c;
	struct completion done;
};

static int hp_fill_fn(void *arg)
{
	struct hp_ctx *x = arg;
	void *p[40];
	int i;

	for (i = 0; i < 40; i++)
		p[i] = gus_cache_alloc(x->c, GFP_KERNEL);
	for (i = 0; i < 40; i++)
		gus_cache_free(x->c, p[i]);
	complete(&x->done);
	return gus_test_park();
}

/*
 * While the other CPUs churn, the last CPU fills its magazines and goes
 * offline, five times: each time its magazines must be drained, and at
 * the end every object must be accounted for.
 */
static void cache_cpu_hotplug_during_churn(struct kunit *test)
{
	unsigned int last = cpumask_last(cpu_online_mask);
	struct hp_ctx x = {};
	struct task_struct *f;
	struct gus_cpu *pc;
	struct churn *ch;
	int round, err = 0;

	if (num_online_cpus() < 3 || !cpu_online(1))
		kunit_skip(test, "needs three CPUs");
	ch = churn_start(test, "kunit-hotplug", last);
	x.c = ch->c;
	pc = per_cpu_ptr(ch->c->cpu, last);
	for (round = 0; round < 5 && !err; round++) {
		init_completion(&x.done);
		f = kthread_create(hp_fill_fn, &x, "gus-hp");
		KUNIT_ASSERT_FALSE(test, IS_ERR(f));
		kthread_bind(f, last);
		wake_up_process(f);
		wait_for_completion(&x.done);
		kthread_stop(f);
		KUNIT_EXPECT_GT(test, pc->alloc->count + pc->free->count, 0U);
		err = remove_cpu(last);
		if (err)
			break;
		KUNIT_EXPECT_EQ(test, pc->alloc->count + pc->free->count, 0U);
		KUNIT_EXPECT_EQ(test, add_cpu(last), 0);
	}
	churn_stop(ch);
	churn_check_and_destroy(test, ch);
	if (err)
		kunit_skip(test, "cannot offline CPU %u: %d", last, err);
}

#define SMR_SLOTS	32

struct smr_obj {
	u32 state;
	unsigned long gen;
};

struct smr_ctx {
	struct gus_cache *c;
	struct smr_obj __gus *slot[SMR_SLOTS];
	atomic_long_t reads, bad, replaced, gen;
	bool stop;
};

static int smr_reader_fn(void *arg)
{
	struct smr_ctx *x = arg;
	struct gus_domain *d = gus_cache_domain(x->c);
	u32 rnd = get_random_u32() | 1;
	unsigned long g, bad = 0;
	struct smr_obj *o;
	unsigned int spin;

	while (!READ_ONCE(x->stop)) {
		gus_enter(d);
		/* Pairs with the xchg_release() in smr_writer_fn(). */
		o = gus_dereference(x->slot[gus_test_rand(&rnd) % SMR_SLOTS], d);
		g = READ_ONCE(o->gen);
		for (spin = gus_test_rand(&rnd) % 64; spin; spin--)
			cpu_relax();
		if (READ_ONCE(o->gen) != g)
			bad++;
		gus_exit(d);
		atomic_long_inc(&x->reads);
		cond_resched();
	}
	atomic_long_add(bad, &x->bad);
	return gus_test_park();
}

static int smr_writer_fn(void *arg)
{
	struct smr_ctx *x = arg;
	u32 rnd = get_random_u32() | 1;
	struct smr_obj *o, *old;
	unsigned int i;

	while (!READ_ONCE(x->stop)) {
		o = gus_cache_alloc(x->c, GFP_KERNEL);
		if (!o)
			continue;
		WRITE_ONCE(o->gen, atomic_long_inc_return(&x->gen));
		i = gus_test_rand(&rnd) % SMR_SLOTS;
		/* Pairs with gus_dereference() in smr_reader_fn(). */
		old = (struct smr_obj __force *)xchg_release(&x->slot[i],
							     (struct smr_obj __force __gus *)o);
		gus_cache_free(x->c, old);	/* no waiting: the cache's job */
		atomic_long_inc(&x->replaced);
		cond_resched();
	}
	return gus_test_park();
}

struct burst_ctx {
	struct gus_cache *c;
	void **objs;
	unsigned int n;
};

static long burst_alloc_fn(void *arg)
{
	struct burst_ctx *b = arg;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		b->objs[i] = gus_cache_alloc(b->c, GFP_KERNEL);
		if (!b->objs[i])
			return -ENOMEM;
	}
	return 0;
}

static long burst_free_fn(void *arg)
{
	struct burst_ctx *b = arg;
	unsigned int i;

	for (i = 0; i < b->n; i++)
		gus_cache_free(b->c, b->objs[i]);
	return 0;
}

/* Magazines' worth of objects CPU @cpu holds in its own magazines. */
static unsigned int burst_held(struct gus_cache *c, int cpu)
{
	struct gus_cpu *pc = per_cpu_ptr(c->cpu, cpu);

	return (READ_ONCE(pc->alloc->count) + READ_ONCE(pc->free->count)) / c->mag_size;
}

/*
 * A burst of remote frees larger than the ring (network receive): one CPU
 * allocates, another of its node frees them all.  The full magazines the
 * ring has no room for wait on the overflow list, so none is drained into
 * the slabs and the allocating CPU gets the burst back without depot
 * refills (but for what the freeing CPU keeps in its own magazines); past
 * overflow_max, the rest are drained.
 */
static void cache_smp_burst_served_whole(struct kunit *test)
{
	struct burst_ctx *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int cap, mags, held, extra = 4;
	unsigned long drains, refills;
	int a = 0, f = -1, cpu;
	struct gus_node *gn;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for_each_online_cpu(cpu)
		if (cpu != a && cpu_to_node(cpu) == cpu_to_node(a) && f < 0)
			f = cpu;
	if (!cpu_online(a) || f < 0)
		kunit_skip(test, "needs two CPUs of one node");
	b->c = cache_create(test, "kunit-burst", 64, 0, 0, NULL);
	gn = b->c->nodes[cpu_to_mem(a)];
	cap = gus_ring_capacity(gn->ring);
	mags = cap + b->c->overflow_max + extra;
	b->objs = kvcalloc(max(mags, 2 * cap) * b->c->mag_size, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->objs);

	/* Twice the ring: all of it queued, nothing drained. */
	b->n = 2 * cap * b->c->mag_size;
	KUNIT_ASSERT_EQ(test, work_on_cpu(a, burst_alloc_fn, b), 0L);
	drains = gus_cache_event_sum(b->c, GUS_DEPOT_DRAIN);
	work_on_cpu(f, burst_free_fn, b);
	held = burst_held(b->c, f);
	kunit_info(test, "%u objects freed on cpu %d: ring %u of %u, overflow %u (max %u), %u kept, %lu drained\n",
		   b->n, f, gus_ring_count(gn->ring), cap, READ_ONCE(gn->nr_overflow),
		   b->c->overflow_max, held,
		   gus_cache_event_sum(b->c, GUS_DEPOT_DRAIN) - drains);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(b->c, GUS_DEPOT_DRAIN), drains);
	KUNIT_EXPECT_EQ(test, gus_ring_count(gn->ring), cap);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gn->nr_overflow), cap - held);
	refills = gus_cache_event_sum(b->c, GUS_DEPOT_REFILL);
	KUNIT_ASSERT_EQ(test, work_on_cpu(a, burst_alloc_fn, b), 0L);
	refills = gus_cache_event_sum(b->c, GUS_DEPOT_REFILL) - refills;
	kunit_info(test, "allocated again on cpu %d: %lu depot refills\n", a, refills);
	KUNIT_EXPECT_LE(test, refills, (unsigned long)held + 1);	/* +1: a new slab's */
	KUNIT_EXPECT_EQ(test, gus_ring_count(gn->ring), 0U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gn->nr_overflow), 0U);
	work_on_cpu(f, burst_free_fn, b);
	gus_cache_shrink(b->c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(b->c), 0UL);

	/* Past the bound: the ring, overflow_max on the list, the rest drained. */
	b->n = mags * b->c->mag_size;
	KUNIT_ASSERT_EQ(test, work_on_cpu(a, burst_alloc_fn, b), 0L);
	drains = gus_cache_event_sum(b->c, GUS_DEPOT_DRAIN);
	work_on_cpu(f, burst_free_fn, b);
	held = burst_held(b->c, f);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gn->nr_overflow), b->c->overflow_max);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(b->c, GUS_DEPOT_DRAIN) - drains,
			(unsigned long)(extra - held));
	/* Shrinking gives every queued magazine back. */
	gus_cache_shrink(b->c);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gn->nr_overflow), 0U);
	KUNIT_EXPECT_EQ(test, gus_depot_live(b->c), 0UL);
	kvfree(b->objs);
	gus_cache_destroy(b->c);
}

/* Readers never see an object reused inside their section. */
static void cache_smp_smr_no_reuse_in_section(struct kunit *test)
{
	struct smr_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	unsigned int nw = 0, nr = 0, i, n = num_online_cpus();
	struct task_struct **t;
	struct smr_obj *o;
	int cpu;

	if (n < 2)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_NOT_NULL(test, x);
	t = kunit_kcalloc(test, 2 * nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	x->c = cache_create(test, "kunit-smr", sizeof(struct smr_obj), 0, GUS_CACHE_SMR, NULL);
	for (i = 0; i < SMR_SLOTS; i++) {
		o = gus_cache_alloc(x->c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		o->gen = atomic_long_inc_return(&x->gen);
		gus_assign_pointer(x->slot[i], o);
	}
	/* Writers on half the CPUs, readers on all. */
	for_each_online_cpu(cpu) {
		t[nr] = kthread_create(smr_reader_fn, x, "gus-smr-rd/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[nr]));
		kthread_bind(t[nr], cpu);
		wake_up_process(t[nr++]);
		if (nw < max(n / 2, 1U)) {
			t[nr] = kthread_create(smr_writer_fn, x, "gus-smr-wr/%d", cpu);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t[nr]));
			kthread_bind(t[nr], cpu);
			wake_up_process(t[nr++]);
			nw++;
		}
	}
	for (i = 0; i < CHURN_MAX_MS / 20; i++) {
		msleep(20);
		if (atomic_long_read(&x->replaced) >= SMR_MIN_OPS &&
		    atomic_long_read(&x->reads) >= SMR_MIN_OPS)
			break;
	}
	WRITE_ONCE(x->stop, true);
	for (i = 0; i < nr; i++)
		kthread_stop(t[i]);
	kunit_info(test, "reads %ld replaced %ld bad %ld ring pops %lu not ready %lu\n",
		   atomic_long_read(&x->reads), atomic_long_read(&x->replaced),
		   atomic_long_read(&x->bad), gus_cache_event_sum(x->c, GUS_RING_POP),
		   gus_cache_event_sum(x->c, GUS_SMR_NOT_READY));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&x->bad), 0L);
	KUNIT_EXPECT_GE(test, atomic_long_read(&x->replaced), SMR_MIN_OPS);
	/* Reuse through the ring really happened. */
	KUNIT_EXPECT_GT(test, gus_cache_event_sum(x->c, GUS_RING_POP), 0UL);
	for (i = 0; i < SMR_SLOTS; i++)
		gus_cache_free(x->c, gus_dereference_protected(x->slot[i], true));
	gus_cache_destroy(x->c);
}

/*
 * The fast paths' counts are the magazines' counts less marks that slow
 * sections move (slab/cache.h, struct gus_cpu): a reader on another CPU
 * must never see them go back, nor run ahead of what was done, however
 * it falls against a slow section.  One CPU allocates and frees in runs
 * longer than a magazine (refills, swaps, ring pushes: a slow section
 * every few dozen operations); another reads the sums without pause.
 */
#define STATS_RUN	200
#define STATS_OPS	400000L

struct stats_race {
	struct gus_cache *c;
	long allocs, frees;		/* started, published before each op */
	bool stop;
};

static int stats_race_writer(void *arg)
{
	struct stats_race *x = arg;
	void *p[STATS_RUN];
	int i, n;

	while (!READ_ONCE(x->stop) && READ_ONCE(x->allocs) < STATS_OPS) {
		for (n = 0; n < STATS_RUN; n++) {
			WRITE_ONCE(x->allocs, x->allocs + 1);
			smp_wmb();	/* the count before the op: the reader's smp_rmb() */
			p[n] = gus_cache_alloc(x->c, GFP_KERNEL);
			if (!p[n])
				break;
		}
		for (i = 0; i < n; i++) {
			WRITE_ONCE(x->frees, x->frees + 1);
			smp_wmb();	/* the count before the op: the reader's smp_rmb() */
			gus_cache_free(x->c, p[i]);
		}
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void cache_smp_counters_never_go_back(struct kunit *test)
{
	struct stats_race *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	unsigned long a, f, last_a = 0, last_f = 0, reads = 0, back = 0, ahead = 0;
	unsigned long deadline = jiffies + msecs_to_jiffies(CHURN_MAX_MS);
	struct task_struct *t;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	x->c = cache_create(test, "kunit-statsrace", 64, 0, 0, NULL);
	cpu = cpumask_next(raw_smp_processor_id(), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	t = kthread_create(stats_race_writer, x, "gus-stats/%d", cpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	while (READ_ONCE(x->allocs) < STATS_OPS && time_before(jiffies, deadline)) {
		a = gus_cache_event_sum(x->c, GUS_ALLOC_FAST);
		f = gus_cache_event_sum(x->c, GUS_FREE_FAST);
		smp_rmb();	/* the sums before the counts: the writer's smp_wmb() */
		if (a < last_a || f < last_f)
			back++;
		if (a > READ_ONCE(x->allocs) || f > READ_ONCE(x->frees))
			ahead++;
		last_a = a;
		last_f = f;
		reads++;
		cond_resched();
	}
	WRITE_ONCE(x->stop, true);
	kthread_stop(t);
	kunit_info(test, "%lu reads, %ld allocs, %ld frees, %lu ring pushes, %lu swaps\n",
		   reads, x->allocs, x->frees, gus_cache_event_sum(x->c, GUS_RING_PUSH),
		   gus_cache_event_sum(x->c, GUS_MAG_SWAP));
	KUNIT_EXPECT_EQ(test, back, 0UL);
	KUNIT_EXPECT_EQ(test, ahead, 0UL);
	KUNIT_EXPECT_GE(test, x->allocs, STATS_OPS);
	/* Quiet now: every operation is counted, fast or slow. */
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(x->c, GUS_ALLOC_FAST) +
			gus_cache_event_sum(x->c, GUS_ALLOC_SLOW), (unsigned long)x->allocs);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(x->c, GUS_FREE_FAST) +
			gus_cache_event_sum(x->c, GUS_FREE_SLOW), (unsigned long)x->frees);
	gus_cache_destroy(x->c);
}

static struct kunit_case cache_smp_cases[] = {
	KUNIT_CASE(cache_smp_remote_free_churn),
	KUNIT_CASE(cache_cpu_hotplug_during_churn),
	KUNIT_CASE(cache_smp_burst_served_whole),
	KUNIT_CASE(cache_smp_smr_no_reuse_in_section),
	KUNIT_CASE(cache_smp_counters_never_go_back),
	{}
};

static struct kunit_suite cache_smp_suite = {
	.name = "gus_cache_smp",
	.test_cases = cache_smp_cases,
};

kunit_test_suites(&cache_suite, &cache_smp_suite);
