// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_large: objects of any size up to GUS_MAX_SIZE, slabs of
 * mixed orders, and frees and sizes found from the pointer alone.
 *
 *   - each size gets the layout slab/cache.c documents: the header off
 *     the slab above GUS_OFF_SLAB_SIZE, an order that holds the object,
 *     a fallback order that holds one;
 *   - an object's slab is found from every page of a multi-page slab, and
 *     a pointer inside an object is not taken for one;
 *   - when the page allocator has no block of c->order (fault injection),
 *     slabs of c->min_order serve, are counted, hold the right number of
 *     objects and go back to the page allocator at their own order;
 *   - gus_free() and gus_ksize() on objects of several caches, and on
 *     pointers that are no object of ours: refused, reported, not freed.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

static const unsigned int large_sizes[] = {
	64, 1000, 2048, 3000, PAGE_SIZE, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 8 * PAGE_SIZE,
};

static void large_size_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", *size);
}

KUNIT_ARRAY_PARAM(large_size, large_sizes, large_size_desc);

static struct gus_cache *large_create(struct kunit *test, unsigned int size,
				      unsigned int flags)
{
	char name[32];
	struct gus_cache *c;

	snprintf(name, sizeof(name), "kunit-large-%u%s", size,
		 flags & GUS_CACHE_SMR ? "-smr" : "");
	c = gus_cache_create(name, size, 0, flags, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/* Every object of every slab: found from each page, interior refused. */
static void large_check_slab(struct kunit *test, struct gus_cache *c, void *obj)
{
	struct gus_slab *s = gus_obj_to_slab(c, obj);
	unsigned int pg;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_EQ(test, s->base, page_address(virt_to_head_page(obj)));
	for (pg = 0; pg < 1U << s->order; pg++)
		KUNIT_EXPECT_PTR_EQ(test, gus_page_slab(s->base + pg * PAGE_SIZE), s);
	KUNIT_EXPECT_PTR_EQ(test, gus_page_slab(obj + c->object_size - 1), s);
	KUNIT_EXPECT_NULL(test, gus_obj_to_slab(c, obj + sizeof(long)));
	KUNIT_EXPECT_EQ(test, gus_ksize(obj), (size_t)c->object_size);
}

static void large_layout_and_lookup(struct kunit *test)
{
	unsigned int size = *(const unsigned int *)test->param_value;
	struct gus_cache *c = large_create(test, size, 0);
	unsigned int i, n = 3 * c->objects + 1;
	void **p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	unsigned long slabs, free;

	KUNIT_ASSERT_NOT_NULL(test, p);
	kunit_info(test, "%u bytes: order %u (%u objects), fallback order %u (%u), header %s\n",
		   size, c->order, c->objects, c->min_order, c->min_objects,
		   c->off_slab ? "off the slab" : "in the slab");
	KUNIT_EXPECT_EQ(test, c->off_slab, c->size > GUS_OFF_SLAB_SIZE);
	KUNIT_EXPECT_LE(test, c->order, (unsigned int)GUS_MAX_ORDER);
	KUNIT_EXPECT_GE(test, c->objects, 1U);
	KUNIT_EXPECT_LE(test, c->min_order, c->order);
	KUNIT_EXPECT_GE(test, c->min_objects, 1U);
	KUNIT_EXPECT_LE(test, c->offset + c->objects * c->size, PAGE_SIZE << c->order);
	for (i = 0; i < n; i++) {
		p[i] = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		memset(p[i], 0x5a, size);	/* KASAN: the whole object is ours */
		large_check_slab(test, c, p[i]);
	}
	gus_depot_totals(c, &slabs, &free);
	KUNIT_EXPECT_GE(test, slabs, (unsigned long)DIV_ROUND_UP(n, c->objects));
	KUNIT_EXPECT_EQ(test, gus_depot_objects(c), slabs * c->objects);
	gus_cache_free_bulk(c, n, p);
	gus_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 0UL);
	KUNIT_EXPECT_EQ(test, gus_depot_objects(c), 0UL);
	gus_cache_destroy(c);
}

/* c->order refused: slabs of c->min_order, counted, freed at that order. */
static void large_order_fallback(struct kunit *test)
{
	unsigned int size = *(const unsigned int *)test->param_value;
	struct gus_cache *c = large_create(test, size, GUS_CACHE_SMR);
	unsigned long slabs, free;
	unsigned int i, n, big = 0;
	struct gus_slab *s;
	void **p, **q;

	if (c->min_order == c->order) {
		gus_cache_destroy(c);
		kunit_skip(test, "one object needs order %u: no fallback", c->order);
	}
	n = 2 * c->objects + 1;
	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	q = kunit_kcalloc(test, n, sizeof(*q), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	WRITE_ONCE(gus_fail_min_order, c->order);
	for (i = 0; i < n; i++) {
		p[i] = gus_cache_alloc(c, GFP_KERNEL);
		if (!p[i])
			break;
		large_check_slab(test, c, p[i]);
		s = gus_obj_to_slab(c, p[i]);
		KUNIT_EXPECT_EQ(test, s->order, c->min_order);
		KUNIT_EXPECT_EQ(test, s->objects, c->min_objects);
	}
	WRITE_ONCE(gus_fail_min_order, 0);
	KUNIT_ASSERT_EQ(test, i, n);
	gus_depot_totals(c, &slabs, &free);
	kunit_info(test, "%u objects in %lu slabs of order %u\n", n, slabs, c->min_order);
	KUNIT_EXPECT_GE(test, slabs, (unsigned long)DIV_ROUND_UP(n, c->min_objects));
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_ORDER_FALLBACK), slabs);
	KUNIT_EXPECT_EQ(test, gus_depot_objects(c), slabs * c->min_objects);
	/* Without the fault, new slabs are of c->order again. */
	for (i = 0; i < n; i++) {
		q[i] = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, q[i]);
		big += gus_obj_to_slab(c, q[i])->order == c->order;
	}
	KUNIT_EXPECT_GT(test, big, 0U);
	gus_cache_free_bulk(c, n, p);
	gus_cache_free_bulk(c, n, q);
	gus_cache_destroy(c);	/* waits, frees each slab at its order */
}

/* gus_free() finds the cache, for plain and SMR caches of any size. */
static void large_free_without_cache(struct kunit *test)
{
	struct gus_cache *c[4];
	unsigned int i, k;
	void *obj[4][20];

	c[0] = large_create(test, 64, 0);
	c[1] = large_create(test, 64, GUS_CACHE_SMR);
	c[2] = large_create(test, 3 * PAGE_SIZE, 0);
	c[3] = large_create(test, 8 * PAGE_SIZE, GUS_CACHE_SMR);
	for (k = 0; k < 4; k++)
		for (i = 0; i < ARRAY_SIZE(obj[k]); i++) {
			obj[k][i] = gus_cache_alloc(c[k], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, obj[k][i]);
			KUNIT_EXPECT_EQ(test, gus_ksize(obj[k][i]), (size_t)c[k]->object_size);
		}
	for (k = 0; k < 4; k++)
		for (i = 0; i < ARRAY_SIZE(obj[k]); i++)
			gus_free(obj[k][i]);
	gus_free(NULL);
	gus_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, gus_ksize(NULL), (size_t)0);
	for (k = 0; k < 4; k++) {
		KUNIT_EXPECT_EQ(test, atomic_long_read(&c[k]->reports), 0L);
		gus_cache_destroy(c[k]);	/* reports live objects if any were lost */
	}
}

/* Pointers that are no object of ours: refused, reported, left alone. */
static void large_foreign_pointers_refused(struct kunit *test)
{
	struct gus_cache *c = large_create(test, 2 * PAGE_SIZE, 0);
	long before = atomic_long_read(&gus_foreign_reports), own;
	void *kobj = kmalloc(64, GFP_KERNEL), *vobj = vmalloc(PAGE_SIZE);
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	void *obj = gus_cache_alloc(c, GFP_KERNEL);
	struct gus_cache_usage u;
	int on_stack;

	KUNIT_ASSERT_NOT_NULL(test, kobj);
	KUNIT_ASSERT_NOT_NULL(test, vobj);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_free(kobj);
	gus_free(vobj);
	gus_free(&on_stack);
	gus_free(page_address(page) + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, gus_ksize(kobj), (size_t)0);
	KUNIT_EXPECT_EQ(test, gus_ksize(page_address(page)), (size_t)0);
	own = atomic_long_read(&c->reports);
	gus_free(obj + PAGE_SIZE);		/* inside one of ours */
	KUNIT_EXPECT_EQ(test, gus_ksize(obj + 1), (size_t)0);
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&gus_foreign_reports) - before, 6L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->reports) - own, 2L);
	/* Nothing was freed: all still usable, the cache still works. */
	memset(kobj, 1, 64);
	kfree(kobj);
	vfree(vobj);
	__free_pages(page, 2);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.active, 1UL);
	gus_free(obj);
	gus_cache_shrink(c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 0UL);
	gus_cache_destroy(c);
}

/* 16 KiB: bulk of 32, across slabs of two objects. */
static void large_bulk(struct kunit *test)
{
	struct gus_cache *c = large_create(test, 4 * PAGE_SIZE, 0);
	void *p[32];
	unsigned int i, round;

	for (round = 0; round < 4; round++) {
		KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, 32, p), 32);
		for (i = 0; i < 32; i++)
			large_check_slab(test, c, p[i]);
		gus_cache_free_bulk(c, 32, p);
	}
	gus_cache_destroy(c);
}

static struct kunit_case large_cases[] = {
	KUNIT_CASE_PARAM(large_layout_and_lookup, large_size_gen_params),
	KUNIT_CASE_PARAM(large_order_fallback, large_size_gen_params),
	KUNIT_CASE(large_free_without_cache),
	KUNIT_CASE(large_foreign_pointers_refused),
	KUNIT_CASE(large_bulk),
	{}
};

static struct kunit_suite large_suite = {
	.name = "gus_large",
	.test_cases = large_cases,
};

kunit_test_suites(&large_suite);
