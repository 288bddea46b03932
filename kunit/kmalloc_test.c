// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_kmalloc: the size classes (slab/kmalloc.c).
 *
 *   - every class in both families at its boundaries: the smallest and
 *     largest size it serves land in it (by cache name and by the slab the
 *     object lies in), the next size in the next class; gus_ksize() is the
 *     class size, power-of-two classes are naturally aligned; gus_kfree()
 *     and gus_free() both take the objects back;
 *   - size 0 gives ZERO_SIZE_PTR; gus_kfree() of it and of NULL does
 *     nothing; a size above GUS_KMALLOC_MAX_SIZE gives NULL and a report,
 *     and the classes keep working;
 *   - __GFP_ZERO zeroes the whole class-sized object;
 *   - gus_kfree() returns each family's object to its own cache;
 *   - an SMR-class object freed with gus_kfree() is not handed out again
 *     while a section of gus_kmalloc_smr_domain() is open, and is after it.
 */
#include <kunit/test.h>
#include <linux/bsearch.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"
#include "../slab/cache.h"
#include "../slab/kmalloc.h"

GUS_IMPORT_INTERNAL();

/* What the classes must be, written out independently of slab/kmalloc.c. */
static const struct {
	unsigned int size;
	const char *suffix;
} kmalloc_classes[] = {
	{ 8, "8" }, { 16, "16" }, { 32, "32" }, { 64, "64" }, { 96, "96" },
	{ 128, "128" }, { 192, "192" }, { 256, "256" }, { 512, "512" },
	{ 1024, "1k" }, { 2048, "2k" }, { 4096, "4k" }, { 8192, "8k" },
	{ 16384, "16k" }, { 32768, "32k" },
};

static void *kmalloc_family(size_t size, gfp_t gfp, bool smr)
{
	return smr ? gus_kmalloc_smr(size, gfp) : gus_kmalloc(size, gfp);
}

/* @size was served from class @k of its family: cache, slab, size, alignment. */
static void kmalloc_check_class(struct kunit *test, size_t size, unsigned int k,
				bool smr)
{
	unsigned int class = kmalloc_classes[k].size;
	struct gus_cache *c = gus_kmalloc_cache(size, smr);
	char name[32];
	void *obj;

	snprintf(name, sizeof(name), "%s-%s", smr ? "gus-kmalloc-smr" : "gus-kmalloc",
		 kmalloc_classes[k].suffix);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_STREQ_MSG(test, c->name, name, "size %zu", size);
	KUNIT_EXPECT_EQ(test, c->object_size, class);
	KUNIT_EXPECT_PTR_EQ(test, gus_cache_domain(c),
			    smr ? gus_kmalloc_smr_domain() : NULL);
	obj = kmalloc_family(size, GFP_KERNEL, smr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	/* The object lies in a slab of that very cache. */
	KUNIT_EXPECT_NOT_NULL_MSG(test, gus_obj_to_slab(c, obj), "size %zu in %s", size, name);
	KUNIT_EXPECT_EQ_MSG(test, gus_ksize(obj), (size_t)class, "size %zu", size);
	if (is_power_of_2(class))
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)obj,
						       min_t(unsigned long, class, PAGE_SIZE)),
				      "%s object %p", name, obj);
	else
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)obj, sizeof(void *)));
	memset(obj, 0x5a, class);	/* all of it is the caller's */
	if (size & 1)
		gus_free(obj);
	else
		gus_kfree(obj);
}

/* Each class, both families: smallest and largest size, and one past. */
static void kmalloc_class_boundaries(struct kunit *test)
{
	unsigned int k, smr, low;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(kmalloc_classes), (size_t)GUS_KMALLOC_CLASSES);
	KUNIT_ASSERT_EQ(test, kmalloc_classes[GUS_KMALLOC_CLASSES - 1].size,
			GUS_KMALLOC_MAX_SIZE);
	for (smr = 0; smr < 2; smr++)
		for (k = 0; k < GUS_KMALLOC_CLASSES; k++) {
			low = k ? kmalloc_classes[k - 1].size + 1 : 1;
			kmalloc_check_class(test, low, k, smr);
			kmalloc_check_class(test, kmalloc_classes[k].size, k, smr);
			if (k + 1 < GUS_KMALLOC_CLASSES)
				kmalloc_check_class(test, kmalloc_classes[k].size + 1, k + 1, smr);
		}
	/* Every size up to 256 in the smallest class that holds it. */
	for (low = 1, k = 0; low <= 256; low++) {
		while (kmalloc_classes[k].size < low)
			k++;
		KUNIT_EXPECT_EQ_MSG(test, gus_kmalloc_cache(low, false)->object_size,
				    kmalloc_classes[k].size, "size %u", low);
	}
}

/* Size 0, and frees of NULL and ZERO_SIZE_PTR: nothing happens. */
static void kmalloc_zero_size(struct kunit *test)
{
	struct gus_cache *c = gus_kmalloc_cache(8, false);
	long reports = atomic_long_read(&c->reports);
	long foreign = atomic_long_read(&gus_foreign_reports);

	KUNIT_EXPECT_PTR_EQ(test, gus_kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, gus_kmalloc_smr(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, gus_kmalloc(0, GFP_KERNEL | __GFP_ZERO), ZERO_SIZE_PTR);
	gus_kfree(ZERO_SIZE_PTR);
	gus_kfree(NULL);
	gus_free(ZERO_SIZE_PTR);
	gus_free(NULL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->reports), reports);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&gus_foreign_reports), foreign);
	KUNIT_EXPECT_EQ(test, gus_ksize(ZERO_SIZE_PTR), (size_t)0);
}

/* Above the largest class: NULL, reported, and the classes still work. */
static void kmalloc_too_large(struct kunit *test)
{
	long refused = atomic_long_read(&gus_kmalloc_refused);
	void *p, *q;

	WRITE_ONCE(gus_quiet_misuse, true);
	p = gus_kmalloc(GUS_KMALLOC_MAX_SIZE + 1, GFP_KERNEL);
	q = gus_kmalloc_smr(GUS_KMALLOC_MAX_SIZE + 1, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, gus_kmalloc(SIZE_MAX, GFP_KERNEL));
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&gus_kmalloc_refused), refused + 3);

	p = gus_kmalloc(GUS_KMALLOC_MAX_SIZE, GFP_KERNEL);
	q = gus_kmalloc_smr(64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, q);
	gus_kfree(p);
	gus_kfree(q);
}

/* __GFP_ZERO: the whole class, even where a previous owner wrote. */
static void kmalloc_gfp_zero(struct kunit *test)
{
	unsigned int k, smr, class;
	void *p;

	for (smr = 0; smr < 2; smr++)
		for (k = 0; k < GUS_KMALLOC_CLASSES; k++) {
			class = kmalloc_classes[k].size;
			p = kmalloc_family(class, GFP_KERNEL, smr);
			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, 0xa5, class);
			gus_kfree(p);
			p = kmalloc_family(class - 1, GFP_KERNEL | __GFP_ZERO, smr);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, class),
					      "class %u smr %u", class, smr);
			gus_kfree(p);
		}
}

/* gus_kfree() gives each family's object back to its own cache. */
static void kmalloc_kfree_both_families(struct kunit *test)
{
	struct gus_cache_usage u;
	struct gus_cache *c;
	unsigned int smr;
	unsigned long active;
	void *p;

	for (smr = 0; smr < 2; smr++) {
		c = gus_kmalloc_cache(512, smr);
		gus_cache_usage(c, &u);
		active = u.active;
		p = kmalloc_family(500, GFP_KERNEL, smr);
		KUNIT_ASSERT_NOT_NULL(test, p);
		gus_cache_usage(c, &u);
		KUNIT_EXPECT_EQ(test, u.active, active + 1);
		gus_kfree(p);
		gus_cache_usage(c, &u);
		KUNIT_EXPECT_EQ_MSG(test, u.active, active, "smr %u", smr);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&c->reports), 0L);
	}
}

/* How many of @objs[0..n) are in the sorted array @freed[0..nf). */
static unsigned int kmalloc_hits(void **freed, unsigned int nf, void **objs,
				 unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++)
		hits += !!bsearch(&objs[i], freed, nf, sizeof(*freed), gus_test_cmp_ptr);
	return hits;
}

/* Allocate @n objects of @size, count those in @freed, free them again. */
static unsigned int kmalloc_churn(size_t size, gfp_t gfp, void **freed,
				  unsigned int nf, void **objs, unsigned int n)
{
	unsigned int i, got, hits;

	for (got = 0; got < n; got++) {
		objs[got] = gus_kmalloc_smr(size, gfp);
		if (!objs[got])
			break;
	}
	hits = kmalloc_hits(freed, nf, objs, got);
	for (i = 0; i < got; i++)
		gus_kfree(objs[i]);
	return hits;
}

/*
 * An SMR-class object freed with gus_kfree() inside a section of
 * gus_kmalloc_smr_domain() is not handed out again until the section
 * ends; afterwards it is (so the check can see reuse).  Were the class a
 * plain cache, the frees would be reused at once.
 */
static void kmalloc_smr_reader_holds_reuse(struct kunit *test)
{
	static const size_t sizes[] = { 64, 192, 4096 };
	struct gus_domain *d = gus_kmalloc_smr_domain();
	unsigned int i, s, n, held, reused;
	struct gus_cache *c;
	void **freed, **objs;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		c = gus_kmalloc_cache(sizes[s], true);
		n = 4 * c->objects;
		freed = kunit_kcalloc(test, n, sizeof(*freed), GFP_KERNEL);
		objs = kunit_kcalloc(test, 4 * n, sizeof(*objs), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, freed);
		KUNIT_ASSERT_NOT_NULL(test, objs);
		for (i = 0; i < n; i++) {
			freed[i] = gus_kmalloc_smr(sizes[s], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, freed[i]);
		}

		/*
		 * One CPU from the frees to the reuse: the stamped magazines
		 * wait on the ring of the freeing CPU's node, and on a
		 * machine of several nodes a CPU of another node never takes
		 * them (in check-all's numa=fake=2 guest the test thread
		 * once moved, and reused none of 248).
		 */
		migrate_disable();
		held = 0;
		gus_enter(d);
		for (i = 0; i < n; i++)
			gus_kfree(freed[i]);
		sort(freed, n, sizeof(*freed), gus_test_cmp_ptr, NULL);
		for (i = 0; i < 4; i++) {
			gus_cache_reclaim(c, false);
			held += kmalloc_churn(sizes[s], GFP_ATOMIC, freed, n, objs, 4 * n);
		}
		gus_exit(d);
		KUNIT_EXPECT_EQ_MSG(test, held, 0U, "%s: reused inside the section", c->name);

		gus_synchronize(d);
		reused = 0;
		for (i = 0; i < 4; i++)
			reused += kmalloc_churn(sizes[s], GFP_KERNEL, freed, n, objs, 4 * n);
		migrate_enable();
		kunit_info(test, "%s: %u freed; allocations that got one back: %u in the section, %u after it\n",
			   c->name, n, held, reused);
		KUNIT_EXPECT_GT(test, reused, 0U);
		kunit_kfree(test, objs);
		kunit_kfree(test, freed);
	}
}

static struct kunit_case kmalloc_cases[] = {
	KUNIT_CASE(kmalloc_class_boundaries),
	KUNIT_CASE(kmalloc_zero_size),
	KUNIT_CASE(kmalloc_too_large),
	KUNIT_CASE(kmalloc_gfp_zero),
	KUNIT_CASE(kmalloc_kfree_both_families),
	KUNIT_CASE(kmalloc_smr_reader_holds_reuse),
	{}
};

static struct kunit_suite kmalloc_suite = {
	.name = "gus_kmalloc",
	.test_cases = kmalloc_cases,
};

kunit_test_suites(&kmalloc_suite);
