/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by gusslab's KUnit suites.
 */
#ifndef _GUS_KUNIT_UTIL_H
#define _GUS_KUNIT_UTIL_H

#include <linux/atomic.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/types.h>

/* xorshift32: cheap randomness for hot test loops; *s must not be 0. */
static inline u32 gus_test_rand(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A test kthread whose work is done sleeps here until kthread_stop(), so
 * the test can stop every thread the same way whether it finished or not.
 */
static inline int gus_test_park(void)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* sort() order for arrays of object pointers, by address. */
static inline int gus_test_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(unsigned long *)a, y = *(unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The three domain modes, for cases run once per mode:
 * GUS_TEST_MODES_PARAM(foo) defines foo_mode_gen_params for
 * KUNIT_CASE_PARAM(); test->param_value is a const struct gus_test_mode *.
 */
struct gus_test_mode {
	const char *name;
	unsigned int flags;
};

#define GUS_TEST_MODES_PARAM(prefix)					\
static const struct gus_test_mode prefix##_modes[] = {			\
	{ "default", 0 }, { "deferred", GUS_DEFERRED }, { "lazy", GUS_LAZY }, \
};									\
static void prefix##_mode_desc(const struct gus_test_mode *m, char *desc) \
{									\
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);			\
}									\
KUNIT_ARRAY_PARAM(prefix##_mode, prefix##_modes, prefix##_mode_desc)

struct kunit;
struct gus_domain;

/*
 * kunit/gus_test.c: a domain of test->param_value's mode (a struct
 * gus_test_mode), named "@prefix-<mode>"; the test fails if there is none.
 */
struct gus_domain *gus_test_mode_domain(struct kunit *test, const char *prefix);

/*
 * kunit/gus_test.c: a kthread that opens 200 us sections of @d back to
 * back until @stop, so that hardly an instant has none open; with @yield
 * it calls cond_resched() between them.  @running counts the churners
 * inside their loop.
 */
struct gus_test_churner {
	struct gus_domain *d;
	bool yield;
	bool stop;
	atomic_t running;
};

int gus_test_churner_fn(void *arg);

/* Exported (GPL) by kernel/rcu/update.c, declared in its private rcu.h. */
void rcu_expedite_gp(void);
void rcu_unexpedite_gp(void);

struct gus_cache;

/* kunit/cache_test.c: frees of three pointers that are not @c's objects. */
void cache_check_foreign_frees(struct kunit *test, struct gus_cache *c);

#endif /* _GUS_KUNIT_UTIL_H */
