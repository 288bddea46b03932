// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_hardening: what a kernel allocator owes the page
 * allocator and the administrator's hardening choices.
 *
 *   - the flags the page allocator gets: the caller's reclaim and
 *     constraint bits only, as SLUB masks them; __GFP_NOFAIL keeps the OOM
 *     killer (no __GFP_RETRY_MAYFAIL or __GFP_NORETRY);
 *   - init_on_alloc / init_on_free, when the kernel was booted with them:
 *     objects of caches without a constructor are zero when handed out,
 *     and wiped when freed (SMR caches: once no reader can see them);
 *   - slabs are compound pages, so hardened usercopy bounds a copy by the
 *     slab;
 *   - with CONFIG_SLAB_FREELIST_RANDOM a new slab is carved in a random
 *     order.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/thread_info.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

static struct gus_cache *hard_create(struct kunit *test, const char *name,
				     unsigned int size, unsigned int flags)
{
	struct gus_cache *c = gus_cache_create(name, size, 0, flags, NULL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/* One allocation that has to grow the depot; the page flags it used. */
static gfp_t page_gfp_of(struct kunit *test, struct gus_cache *c, gfp_t gfp)
{
	void *obj;
	gfp_t got;

	WRITE_ONCE(gus_fault_last_gfp, 0);
	obj = gus_cache_alloc(c, gfp);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	got = READ_ONCE(gus_fault_last_gfp);
	gus_cache_free(c, obj);
	gus_cache_shrink(c);
	return got;
}

/* Only reclaim and constraint bits reach the page allocator. */
static void hard_page_gfp_masked(struct kunit *test)
{
	struct gus_cache *c = hard_create(test, "kunit-gfp", 256, 0);
	gfp_t odd = __GFP_MOVABLE | __GFP_ACCOUNT | __GFP_ZERO | __GFP_RECLAIMABLE;
	gfp_t got;

	got = page_gfp_of(test, c, GFP_KERNEL | odd);
	KUNIT_EXPECT_FALSE(test, got & (odd | __GFP_HIGHMEM | __GFP_DMA32));
	KUNIT_EXPECT_TRUE(test, (got & GFP_KERNEL) == GFP_KERNEL);
	/* __GFP_HIGHMEM is a caller bug: fixed up, reported quietly here. */
	WRITE_ONCE(gus_quiet_misuse, true);
	got = page_gfp_of(test, c, GFP_KERNEL | __GFP_HIGHMEM);
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_FALSE(test, got & __GFP_HIGHMEM);
	KUNIT_EXPECT_TRUE(test, (got & GFP_KERNEL) == GFP_KERNEL);
	got = page_gfp_of(test, c, GFP_ATOMIC | __GFP_NOWARN);
	KUNIT_EXPECT_FALSE(test, got & __GFP_DIRECT_RECLAIM);
	KUNIT_EXPECT_TRUE(test, got & __GFP_NOWARN);
	gus_cache_destroy(c);
}

/*
 * __GFP_NOFAIL where even the fallback order is above 1: the page
 * allocator must not see __GFP_NOFAIL (it warns above order 1), nor
 * __GFP_RETRY_MAYFAIL or __GFP_NORETRY (they keep it from calling the OOM
 * killer).  The first try at c->order may fail (it has __GFP_NORETRY, as
 * SLUB's does): it is made to, so the request that must not fail is seen.
 */
static void hard_nofail_keeps_oom_killer(struct kunit *test)
{
	struct gus_cache *c = hard_create(test, "kunit-nofail-oom", 4 * PAGE_SIZE, 0);
	gfp_t got;

	KUNIT_ASSERT_GT(test, c->min_order, 1U);
	KUNIT_ASSERT_GT(test, c->order, c->min_order);
	WRITE_ONCE(gus_fail_min_order, c->order);
	got = page_gfp_of(test, c, GFP_KERNEL | __GFP_NOFAIL);
	WRITE_ONCE(gus_fail_min_order, 0);
	KUNIT_EXPECT_FALSE(test, got & (__GFP_NOFAIL | __GFP_RETRY_MAYFAIL | __GFP_NORETRY));
	KUNIT_EXPECT_TRUE(test, (got & GFP_KERNEL) == GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ORDER_FALLBACK), 1UL);
	gus_cache_destroy(c);
}

static bool all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* init_on_alloc: every object of a cache without a constructor is zero. */
static void hard_init_on_alloc(struct kunit *test)
{
	struct gus_cache *c;
	unsigned int i, n = 256, dirty = 0;
	void **p;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "the kernel was booted without init_on_alloc=1");
	c = hard_create(test, "kunit-ioa", 200, 0);
	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {	/* fresh objects, then dirty them */
		p[i] = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		dirty += !all_zero(p[i], 200);
		memset(p[i], 0xa5, 200);
	}
	gus_cache_free_bulk(c, n, p);
	KUNIT_EXPECT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, p), (int)n);
	for (i = 0; i < n; i++)		/* reused objects */
		dirty += !all_zero(p[i], 200);
	KUNIT_EXPECT_EQ(test, dirty, 0U);
	gus_cache_free_bulk(c, n, p);
	gus_cache_destroy(c);
}

/* init_on_free: a freed object is wiped; an SMR one only after readers. */
static void hard_init_on_free(struct kunit *test)
{
	struct gus_cache *c, *s;
	struct gus_domain *d;
	char *obj, *pin;

	if (!want_init_on_free())
		kunit_skip(test, "the kernel was booted without init_on_free=1");
	c = hard_create(test, "kunit-iof", 128, 0);
	obj = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(obj, 0x5a, 128);
	gus_cache_free(c, obj);
	KUNIT_EXPECT_TRUE(test, all_zero(obj, 128));	/* still ours: peek */
	gus_cache_destroy(c);

	s = hard_create(test, "kunit-iof-smr", 128, GUS_CACHE_SMR);
	d = gus_cache_domain(s);
	pin = gus_cache_alloc(s, GFP_KERNEL);	/* keeps the slab from the shrink */
	obj = gus_cache_alloc(s, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pin);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_PTR_EQ(test, gus_obj_to_slab(s, obj), gus_obj_to_slab(s, pin));
	memset(obj, 0x5a, 128);
	gus_enter(d);
	gus_cache_free(s, obj);
	/* A reader may still see it: contents intact. */
	KUNIT_EXPECT_EQ(test, obj[0], 0x5a);
	KUNIT_EXPECT_EQ(test, obj[127], 0x5a);
	gus_exit(d);
	gus_cache_shrink(s);		/* its magazine queued, stamped */
	gus_cache_reclaim(s, true);	/* stamp reached: into the slab */
	KUNIT_EXPECT_TRUE(test, all_zero(obj, 128));
	gus_cache_free(s, pin);
	gus_cache_destroy(s);
}

/* Slabs are compound pages: hardened usercopy bounds a copy by the slab. */
static void hard_slabs_are_compound(struct kunit *test)
{
	struct gus_cache *c = hard_create(test, "kunit-comp", 2048, 0);
	struct page *page;
	void *obj;

	KUNIT_ASSERT_GT(test, c->order, 0U);
	obj = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	page = virt_to_head_page(obj);
	KUNIT_EXPECT_TRUE(test, PageCompound(page));
	KUNIT_EXPECT_EQ(test, compound_order(page), c->order);
	/* Within the object: passes the check (which would BUG otherwise). */
	check_object_size(obj, c->object_size, true);
	gus_cache_free(c, obj);
	gus_cache_destroy(c);
}

/* A fresh slab's objects come out neither in ascending nor descending order. */
static void hard_freelist_random(struct kunit *test)
{
	struct gus_cache *c;
	unsigned int i, n, up = 0, down = 0;
	void **p;

	if (!IS_ENABLED(CONFIG_SLAB_FREELIST_RANDOM))
		kunit_skip(test, "CONFIG_SLAB_FREELIST_RANDOM is off");
	c = hard_create(test, "kunit-random", 64, 0);
	n = c->objects;
	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, p), (int)n);
	for (i = 1; i < n; i++) {
		up += p[i] > p[i - 1];
		down += p[i] < p[i - 1];
	}
	kunit_info(test, "%u objects: %u steps up, %u down\n", n, up, down);
	KUNIT_EXPECT_GT(test, up, 0U);
	KUNIT_EXPECT_GT(test, down, 0U);
	gus_cache_free_bulk(c, n, p);
	gus_cache_destroy(c);
}

static struct kunit_case hard_cases[] = {
	KUNIT_CASE(hard_page_gfp_masked),
	KUNIT_CASE(hard_nofail_keeps_oom_killer),
	KUNIT_CASE(hard_init_on_alloc),
	KUNIT_CASE(hard_init_on_free),
	KUNIT_CASE(hard_slabs_are_compound),
	KUNIT_CASE(hard_freelist_random),
	{}
};

static struct kunit_suite hard_suite = {
	.name = "gus_hardening",
	.test_cases = hard_cases,
};

kunit_test_suites(&hard_suite);
