// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for debug caches (slab/debug.c), in the manner of
 * lib/slub_kunit.c: each case commits one misuse on purpose, counts the
 * reports it causes (exactly), and checks that the cache still works and
 * never hands out the damaged or foreign object.  Reports are printed
 * without a WARN (gus_quiet_misuse), so the runner's console scan still
 * catches any report nobody provoked.  On a KASAN kernel the deliberate
 * bad accesses run with KASAN's reports off, and the cases check KASAN's
 * shadow of the bytes instead.
 */
#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/poison.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "../slab/cache.h"
#include "kunit_util.h"

GUS_IMPORT_INTERNAL();

static struct gus_cache *dbg_create(struct kunit *test, const char *name,
				    unsigned int size, unsigned int flags)
{
	struct gus_cache *c = gus_cache_create(name, size, 0, flags, NULL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/* Around a deliberate misuse: gusslab reports quietly, KASAN not at all. */
static void misuse_begin(void)
{
	WRITE_ONCE(gus_quiet_misuse, true);
	kasan_disable_current();
}

static void misuse_end(void)
{
	kasan_enable_current();
	WRITE_ONCE(gus_quiet_misuse, false);
}

/* KASAN's shadow byte for @p, -1 without generic KASAN. */
static int shadow(const void *p)
{
	int v = -1;

#ifdef CONFIG_KASAN_GENERIC
	kasan_disable_current();
	v = *(u8 *)kasan_mem_to_shadow(p);
	kasan_enable_current();
#endif
	return v;
}

static void expect_shadow(struct kunit *test, const void *p, int expected)
{
	if (IS_ENABLED(CONFIG_KASAN_GENERIC))
		KUNIT_EXPECT_EQ(test, shadow(p), expected);
}

static long reports(struct gus_cache *c)
{
	return atomic_long_read(&c->reports);
}

/*
 * Allocate up to @n objects on this CPU (the caller keeps it from
 * migrating) into @objs, stopping early once @c has @stop reports.
 * Return: how many were allocated; none of them is @bad.
 */
static unsigned int dbg_alloc_until(struct kunit *test, struct gus_cache *c,
				    void **objs, unsigned int n, long stop,
				    const void *bad)
{
	unsigned int i;

	for (i = 0; i < n && reports(c) < stop; i++) {
		objs[i] = gus_cache_alloc(c, GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_PTR_NE(test, objs[i], bad);
	}
	return i;
}

/*
 * An object in the same slab as @obj, held so that shrinking cannot give
 * that slab back while the test still looks at @obj.
 */
static void *dbg_pin(struct kunit *test, struct gus_cache *c, void *obj)
{
	void *pin, *tried[64];
	unsigned int n = 0;

	for (;;) {
		pin = gus_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pin);
		if (gus_obj_to_slab(c, pin) == gus_obj_to_slab(c, obj))
			break;
		KUNIT_ASSERT_LT(test, n, (unsigned int)ARRAY_SIZE(tried));
		tried[n++] = pin;
	}
	gus_cache_free_bulk(c, n, tried);
	return pin;
}

/* The cache still hands out and takes back objects, and reports nothing. */
static void dbg_still_works(struct kunit *test, struct gus_cache *c)
{
	long before = reports(c);
	void *objs[100];

	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(objs), objs),
			(int)ARRAY_SIZE(objs));
	gus_cache_free_bulk(c, ARRAY_SIZE(objs), objs);
	KUNIT_EXPECT_EQ(test, reports(c), before);
}

static void debug_param_parsing(struct kunit *test)
{
	unsigned int f;

	KUNIT_EXPECT_EQ(test, gus_debug_parse("", "a", &f), 0);
	KUNIT_EXPECT_EQ(test, f, 0U);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("FZPUT", "a", &f), 0);
	KUNIT_EXPECT_EQ(test, f, GUS_CACHE_DEBUG);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("PZ,foo,a", "a", &f), 0);
	KUNIT_EXPECT_EQ(test, f, GUS_CACHE_POISON | GUS_CACHE_RED_ZONE);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("PZ,foo,a", "fo", &f), 0);
	KUNIT_EXPECT_EQ(test, f, 0U);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("U,foo", "foo", &f), 0);
	KUNIT_EXPECT_EQ(test, f, GUS_CACHE_STORE_USER);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("F,", "foo", &f), 0);
	KUNIT_EXPECT_EQ(test, f, 0U);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("FX", "a", &f), -EINVAL);
	KUNIT_EXPECT_EQ(test, gus_debug_parse("f", "a", &f), -EINVAL);
}

static void ctor_noop(void *obj)
{
}

/* Implied flags, and a layout that keeps metadata out of the object. */
static void debug_flags_and_layout(struct kunit *test)
{
	struct gus_cache *c;

	c = gus_cache_create("kunit-dbg-ctor", 64, 0, GUS_CACHE_POISON | GUS_CACHE_STORE_STACK,
			     ctor_noop);
	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Constructed objects are not poisoned; T implies U; all imply F. */
	KUNIT_EXPECT_EQ(test, c->flags & GUS_CACHE_DEBUG,
			GUS_CACHE_CHECK | GUS_CACHE_STORE_USER | GUS_CACHE_STORE_STACK);
	KUNIT_EXPECT_GE(test, c->meta, c->object_size);
	gus_cache_destroy(c);

	c = dbg_create(test, "kunit-dbg-rz", 60, GUS_CACHE_RED_ZONE);
	KUNIT_EXPECT_EQ(test, c->flags & GUS_CACHE_DEBUG, GUS_CACHE_RED_ZONE | GUS_CACHE_CHECK);
	KUNIT_EXPECT_GE(test, c->meta, 64U + (unsigned int)sizeof(long));
	KUNIT_EXPECT_EQ(test, c->red_left, (unsigned int)sizeof(long));
	KUNIT_EXPECT_GE(test, c->offset, (unsigned int)sizeof(struct gus_slab) + c->red_left);
	KUNIT_EXPECT_GE(test, c->size, c->meta + c->red_left);
	KUNIT_EXPECT_EQ(test, c->size % c->align, 0U);
	dbg_still_works(test, c);
	gus_cache_destroy(c);
}

/* A write after free is found when the object would next be handed out. */
static void debug_write_after_free(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-uaf", 64,
					 GUS_CACHE_POISON | GUS_CACHE_STORE_USER);
	struct gus_cache_usage u;
	unsigned int i, n = 3 * c->mag_size, got;
	void **objs;
	u8 *obj;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();		/* the object comes back on this CPU */
	obj = gus_cache_alloc(c, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, obj[0], (u8)POISON_FREE);	/* fresh objects too */
	expect_shadow(test, obj, 0);
	memset(obj, 0x11, 64);
	gus_cache_free(c, obj);
	expect_shadow(test, obj, 0xFB);		/* KASAN: use-after-free */
	expect_shadow(test, obj + 56, 0xFB);
	misuse_begin();
	KUNIT_EXPECT_EQ(test, obj[0], (u8)POISON_FREE);
	KUNIT_EXPECT_EQ(test, obj[63], (u8)POISON_END);
	obj[20] = 0x42;			/* the bug */
	got = dbg_alloc_until(test, c, objs, n, 1, obj);
	misuse_end();
	migrate_enable();
	expect_shadow(test, obj, 0xFB);		/* quarantined: still poisoned */
	KUNIT_EXPECT_EQ(test, reports(c), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->quarantined), 1L);
	KUNIT_EXPECT_LT(test, got, n);		/* found before the loop ran out */
	for (i = 0; i < got; i++) {
		KUNIT_EXPECT_EQ(test, *(u8 *)objs[i], (u8)POISON_FREE);
		expect_shadow(test, objs[i], 0);
	}
	gus_cache_free_bulk(c, got, objs);
	dbg_still_works(test, c);
	gus_cache_shrink(c);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.quarantined, 1UL);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 1UL);	/* only the quarantined one */
	gus_cache_destroy(c);		/* no leak report: its slab is abandoned */
}

/* Red zones: an overflow or underflow by one byte is found at free. */
static void debug_red_zones(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-redzone", 60, GUS_CACHE_RED_ZONE);
	unsigned int n = 3 * c->mag_size;
	u8 *over, *under;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	over = gus_cache_alloc(c, GFP_KERNEL);
	under = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, over);
	KUNIT_ASSERT_NOT_NULL(test, under);
	expect_shadow(test, over + 56, 4);	/* KASAN: 4 of the last 8 valid */
	expect_shadow(test, over + 64, 0xFC);	/* and the red zones */
	expect_shadow(test, under - 1, 0xFC);
	misuse_begin();
	over[60] = 0;			/* one past the object */
	gus_cache_free(c, over);
	KUNIT_EXPECT_EQ(test, reports(c), 1L);
	under[-1] = 0;			/* one before it */
	gus_cache_free(c, under);
	KUNIT_EXPECT_EQ(test, reports(c), 2L);
	gus_cache_free(c, over);	/* its free was refused: try again */
	KUNIT_EXPECT_EQ(test, reports(c), 3L);
	misuse_end();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->quarantined), 2L);
	/* Neither comes back, from any CPU's magazines or the slabs. */
	gus_cache_shrink(c);
	migrate_disable();
	dbg_alloc_until(test, c, objs, n, LONG_MAX, over);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, reports(c), 3L);
	while (n--)
		KUNIT_EXPECT_PTR_NE(test, objs[n], (void *)under);
	gus_cache_free_bulk(c, 3 * c->mag_size, objs);
	dbg_still_works(test, c);
	gus_cache_destroy(c);
}

/* A free object's state word overwritten: found when it is handed out. */
static void debug_state_damaged(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-state", 64, GUS_CACHE_CHECK);
	unsigned int n = 3 * c->mag_size, got;
	unsigned long *state;
	void **objs;
	u8 *obj;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	migrate_disable();
	obj = gus_cache_alloc(c, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	gus_cache_free(c, obj);
	state = (unsigned long *)(obj + c->meta + 2 * c->track_size);
	misuse_begin();
	*state = 0x5741;		/* a stray write into the slot's metadata */
	got = dbg_alloc_until(test, c, objs, n, 1, obj);
	misuse_end();
	migrate_enable();
	KUNIT_EXPECT_EQ(test, reports(c), 1L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->quarantined), 1L);
	gus_cache_free_bulk(c, got, objs);
	dbg_still_works(test, c);
	gus_cache_destroy(c);
}

/* With F a double free is refused however far apart the two frees are. */
static void debug_double_free(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-dfree", 64, GUS_CACHE_CHECK);
	unsigned int i, n = 3 * c->mag_size;
	struct gus_cache_usage u;
	void *a, *b, *pins[2], **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	a = gus_cache_alloc(c, GFP_KERNEL);
	b = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	pins[0] = dbg_pin(test, c, a);
	pins[1] = dbg_pin(test, c, b);
	gus_cache_free(c, a);
	gus_cache_free(c, b);
	gus_cache_shrink(c);		/* a is back in its slab by now */
	misuse_begin();
	gus_cache_free(c, a);
	gus_cache_free_bulk(c, 1, &b);
	misuse_end();
	gus_cache_free_bulk(c, 2, pins);
	KUNIT_EXPECT_EQ(test, reports(c), 2L);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(c, GUS_BAD_FREE), 2UL);
	gus_cache_usage(c, &u);
	KUNIT_EXPECT_EQ(test, u.active, 0UL);
	/* Every object is handed out once. */
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	sort(objs, n, sizeof(*objs), gus_test_cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_PTR_NE(test, objs[i], objs[i - 1]);
	gus_cache_free_bulk(c, n, objs);
	KUNIT_EXPECT_EQ(test, reports(c), 2L);
	gus_cache_destroy(c);
}

#define RACE_ROUNDS	3000

struct dfree_race {
	struct gus_cache *c;
	void *obj;
	atomic_t round;			/* the round both freers may run */
	atomic_t done;			/* freers finished with this round */
	unsigned int rounds, both;	/* rounds run; with both frees taken */
};

static int dfree_racer_fn(void *arg)
{
	struct dfree_race *r = arg;
	int round;

	for (round = 1; round <= RACE_ROUNDS; round++) {
		while (atomic_read_acquire(&r->round) < round) {
			if (kthread_should_stop())
				return 0;
			cpu_relax();
		}
		gus_cache_free(r->c, READ_ONCE(r->obj));
		atomic_inc(&r->done);
	}
	return gus_test_park();
}

/* On a third CPU: hand the racers one object per round, count the rounds. */
static long dfree_drive_fn(void *arg)
{
	struct dfree_race *r = arg;
	unsigned int round;
	long before;

	for (round = 1; round <= RACE_ROUNDS; round++) {
		WRITE_ONCE(r->obj, gus_cache_alloc(r->c, GFP_KERNEL));
		if (!r->obj)
			break;
		before = reports(r->c);
		atomic_set(&r->done, 0);
		atomic_set_release(&r->round, round);
		while (atomic_read(&r->done) < 2)
			cpu_relax();
		r->both += reports(r->c) == before;	/* both frees taken */
		r->rounds = round;
	}
	return 0;
}

/* Two CPUs free one object at the same moment: exactly one free is taken. */
static void debug_double_free_race(struct kunit *test)
{
	struct dfree_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	int cpu[3], i = 0, c;
	struct task_struct *t[2];

	if (num_online_cpus() < 3)
		kunit_skip(test, "needs three CPUs");
	KUNIT_ASSERT_NOT_NULL(test, r);
	for_each_online_cpu(c)
		if (i < 3)
			cpu[i++] = c;
	r->c = dbg_create(test, "kunit-dbg-race", 64, GUS_CACHE_CHECK);
	t[0] = kthread_run_on_cpu(dfree_racer_fn, r, cpu[0], "gus-dfree/%u");
	t[1] = kthread_run_on_cpu(dfree_racer_fn, r, cpu[1], "gus-dfree/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t[0]) || IS_ERR(t[1]));
	misuse_begin();
	work_on_cpu(cpu[2], dfree_drive_fn, r);
	misuse_end();
	kthread_stop(t[0]);
	kthread_stop(t[1]);
	kunit_info(test, "%u rounds, %u with both frees taken\n", r->rounds, r->both);
	KUNIT_EXPECT_EQ(test, r->rounds, RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, r->both, 0U);
	KUNIT_EXPECT_EQ(test, reports(r->c), (long)RACE_ROUNDS);
	gus_cache_shrink(r->c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(r->c), 0UL);
	gus_cache_destroy(r->c);
}

/* Foreign pointers are refused at the free, naming what they are. */
static void debug_foreign_frees(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-foreign", 64, GUS_CACHE_CHECK);

	cache_check_foreign_frees(test, c);
	KUNIT_EXPECT_EQ(test, reports(c), 3L);
	dbg_still_works(test, c);
	gus_cache_destroy(c);
}

/* Call sites to find in the tracks; barrier() keeps them from tail calls. */
static noinline void *dbg_alloc_site(struct gus_cache *c)
{
	void *obj = gus_cache_alloc(c, GFP_KERNEL);

	barrier();
	return obj;
}

static noinline void dbg_free_site(struct gus_cache *c, void *obj)
{
	gus_cache_free(c, obj);
	barrier();
}

static noinline int dbg_bulk_alloc_site(struct gus_cache *c, void **objs, int n)
{
	int got = gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs);

	barrier();
	return got;
}

static noinline void dbg_bulk_free_site(struct gus_cache *c, void **objs, int n)
{
	gus_cache_free_bulk(c, n, objs);
	barrier();
}

static void expect_caller(struct kunit *test, struct gus_cache *c, void *obj,
			  bool freed, const char *fn, bool stack)
{
	unsigned int nr = 0;
	unsigned long addr = gus_debug_caller(c, obj, freed, &nr);
	char sym[KSYM_SYMBOL_LEN];

	/* "name [module]", or "name.constprop.0 [module]" */
	snprintf(sym, sizeof(sym), "%ps", (void *)addr);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(sym, fn) && strchr(" .", sym[strlen(fn)]),
			      "recorded caller %s, expected %s", sym, fn);
	if (stack)
		KUNIT_EXPECT_GT(test, nr, 0U);
	else
		KUNIT_EXPECT_EQ(test, nr, 0U);
}

/* U and T record who allocated and freed each object, bulk calls too. */
static void debug_callers_recorded(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-user", 64,
					 GUS_CACHE_STORE_STACK | GUS_CACHE_POISON);
	void *obj, *objs[3];

	obj = dbg_alloc_site(c);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	expect_caller(test, c, obj, false, "dbg_alloc_site", true);
	dbg_free_site(c, obj);
	expect_caller(test, c, obj, true, "dbg_free_site", true);
	KUNIT_ASSERT_EQ(test, dbg_bulk_alloc_site(c, objs, 3), 3);
	expect_caller(test, c, objs[2], false, "dbg_bulk_alloc_site", true);
	dbg_bulk_free_site(c, objs, 3);
	expect_caller(test, c, objs[2], true, "dbg_bulk_free_site", true);
	KUNIT_EXPECT_EQ(test, reports(c), 0L);
	gus_cache_destroy(c);
}

/* Destroy with live objects: one report, callers named, the cache kept. */
static void debug_leak_at_destroy(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-leak", 64, GUS_CACHE_STORE_USER);
	void *a = dbg_alloc_site(c), *b = dbg_alloc_site(c);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	kmemleak_not_leak(a);		/* leaked on purpose */
	dbg_free_site(c, b);
	misuse_begin();
	gus_cache_destroy(c);
	misuse_end();
	KUNIT_EXPECT_EQ(test, reports(c), 1L);
	KUNIT_EXPECT_EQ(test, gus_depot_live(c), 1UL);
	expect_caller(test, c, a, false, "dbg_alloc_site", false);
	/* The name is free again. */
	gus_cache_destroy(dbg_create(test, "kunit-dbg-leak", 64, GUS_CACHE_STORE_USER));
}

/*
 * SMR and poison: a freed object keeps its contents for the readers that
 * may still see it, and is poisoned once its magazine's stamp is reached.
 */
static void debug_smr_poison_after_readers(struct kunit *test)
{
	struct gus_cache *c = dbg_create(test, "kunit-dbg-smr", 64,
					 GUS_CACHE_SMR | GUS_CACHE_POISON);
	struct gus_domain *d = gus_cache_domain(c);
	unsigned int i, n = c->mag_size;
	void **objs, **more;
	u8 *obj;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	more = kunit_kcalloc(test, 2 * n, sizeof(*more), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, more);
	obj = gus_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, gus_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	memset(obj, 0x5a, 64);
	gus_enter(d);			/* a reader that could see obj */
	gus_cache_free(c, obj);
	gus_cache_free_bulk(c, n, objs);	/* obj's magazine fills and queues */
	for (i = 0; i < 2 * n; i++) {
		more[i] = gus_cache_alloc(c, GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, more[i]);
		KUNIT_EXPECT_PTR_NE(test, more[i], (void *)obj);
	}
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, 0x5a, 64));
	gus_exit(d);
	expect_shadow(test, obj, 0);		/* readers may still look */
	gus_cache_reclaim(c, true);	/* every stamp reached; slabs kept */
	expect_shadow(test, obj, 0xFB);
	kasan_disable_current();
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, POISON_FREE, 63));
	KUNIT_EXPECT_EQ(test, obj[63], (u8)POISON_END);
	kasan_enable_current();
	gus_cache_free_bulk(c, 2 * n, more);
	KUNIT_EXPECT_EQ(test, reports(c), 0L);
	gus_cache_destroy(c);
}

/*
 * A debug cache sends only its own objects off the fast paths: while one
 * exists, an ordinary cache's allocations and frees may still take them
 * (slab/slowkeys.c), the debug cache's may not.
 */
static void debug_cache_leaves_others_fast(struct kunit *test)
{
	struct gus_cache *d, *c;

	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "kmemleak is built in: every cache takes the slow paths");
	if (atomic_read(&gus_alloc_slow_all) || atomic_read(&gus_free_slow_all))
		kunit_skip(test, "a reason for every cache holds the slow keys");
	c = gus_cache_create("kunit-dbg-other", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_TRUE(test, gus_alloc_plain(c, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, gus_free_plain(c));
	d = dbg_create(test, "kunit-dbg-only", 64, GUS_CACHE_CHECK);
	KUNIT_EXPECT_TRUE(test, static_key_enabled(&gus_alloc_slow_key.key));
	KUNIT_EXPECT_TRUE(test, static_key_enabled(&gus_free_slow_key.key));
	KUNIT_EXPECT_FALSE(test, gus_alloc_plain(d, GFP_KERNEL));
	KUNIT_EXPECT_FALSE(test, gus_free_plain(d));
	KUNIT_EXPECT_TRUE(test, gus_alloc_plain(c, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, gus_free_plain(c));
	/* A reason for every cache does send it aside, debug cache or not. */
	gus_check_frees_switch(true);
	KUNIT_EXPECT_FALSE(test, gus_free_plain(c));
	KUNIT_EXPECT_TRUE(test, gus_alloc_plain(c, GFP_KERNEL));
	gus_check_frees_switch(false);
	KUNIT_EXPECT_TRUE(test, gus_free_plain(c));
	KUNIT_EXPECT_FALSE(test, gus_alloc_plain(c, GFP_KERNEL | __GFP_ZERO));
	gus_cache_destroy(d);
	gus_cache_destroy(c);
}

static struct kunit_case debug_cases[] = {
	KUNIT_CASE(debug_cache_leaves_others_fast),
	KUNIT_CASE(debug_param_parsing),
	KUNIT_CASE(debug_flags_and_layout),
	KUNIT_CASE(debug_write_after_free),
	KUNIT_CASE(debug_red_zones),
	KUNIT_CASE(debug_state_damaged),
	KUNIT_CASE(debug_double_free),
	KUNIT_CASE(debug_double_free_race),
	KUNIT_CASE(debug_foreign_frees),
	KUNIT_CASE(debug_callers_recorded),
	KUNIT_CASE(debug_leak_at_destroy),
	KUNIT_CASE(debug_smr_poison_after_readers),
	{}
};

static struct kunit_suite debug_suite = {
	.name = "gus_cache_debug",
	.test_cases = debug_cases,
};

kunit_test_suites(&debug_suite);
