// SPDX-License-Identifier: GPL-2.0
/*
 * The fast paths' one test: gus_alloc_slow_key and gus_free_slow_key.
 *
 * gus_cache_alloc() and gus_cache_free() pop or push a magazine and
 * nothing more.  Anything that needs more of them sends them to their
 * slow paths, which test each such reason on its own.  So that the fast
 * paths test one patched branch instead of one per reason, each reason
 * holds a reference on the key of each path it concerns for as long as
 * it is in force:
 *
 *   reason                    alloc  free   taken / dropped
 *   a debug cache exists        x     x     gus_cache_create() / its free
 *   init_on_alloc               x           gus_slow_keys_init() / _exit()
 *   init_on_free                      x     gus_slow_keys_init() / _exit()
 *   possible nodes > 1                x     gus_slow_keys_init() / _exit()
 *   check_frees                       x     its parameter, on / off
 *   the gus_alloc tracepoint    x           its first probe / its last
 *   the gus_free tracepoint           x     its first probe / its last
 *
 * Every reason but a debug cache concerns every cache, and also counts
 * itself in gus_alloc_slow_all or gus_free_slow_all.  A key that only
 * debug caches hold sends a fast path no further than a test of that
 * count and of its own cache's flags: one debug cache does not slow the
 * others.  (A kernel with kmemleak built in takes the slow paths always:
 * a test of a constant, not a key.)
 *
 * Invariant: a key is on while any of its reasons is, and its count is
 * non-zero while any reason for every cache is.  A reason takes its
 * references before it comes into force (a debug cache before it is
 * published, check_frees before its own key), the count before the key,
 * and drops them after it ends, the key before the count.
 * static_branch_inc() returns once every CPU runs the patched code, so a
 * fast path that starts after a reason came into force sees the key on
 * and the count; one already past the test finishes as it would have a
 * moment earlier, as with any static key.
 */
#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/mm.h>

#include "cache.h"
#include "gus_trace.h"

DEFINE_STATIC_KEY_FALSE(gus_alloc_slow_key);
DEFINE_STATIC_KEY_FALSE(gus_free_slow_key);
/* The references on each key held for every cache (all but debug caches'). */
atomic_t gus_alloc_slow_all = ATOMIC_INIT(0);
atomic_t gus_free_slow_all = ATOMIC_INIT(0);
/* For the KUnit suites, which call the fast paths' tests. */
GUS_EXPORT_INTERNAL(gus_alloc_slow_key);
GUS_EXPORT_INTERNAL(gus_free_slow_key);
GUS_EXPORT_INTERNAL(gus_alloc_slow_all);
GUS_EXPORT_INTERNAL(gus_free_slow_all);

/* A reason for every cache: the count before the key, as above. */
static void gus_slow_all_get(struct static_key_false *key, atomic_t *all)
{
	atomic_inc(all);
	static_branch_inc(key);
}

static void gus_slow_all_put(struct static_key_false *key, atomic_t *all)
{
	static_branch_dec(key);
	atomic_dec(all);
}

/* Ownership checks on every free; off by default, "check_frees". */
DEFINE_STATIC_KEY_FALSE(gus_check_frees_key);
GUS_EXPORT_INTERNAL(gus_check_frees_key);

/*
 * The boot-time reasons, init_on_alloc, init_on_free and several possible
 * nodes, each taken or dropped by @fn: none of them changes after boot,
 * so exit finds the same ones init did.
 */
static void gus_slow_boot_reasons(void (*fn)(struct static_key_false *key, atomic_t *all))
{
	if (want_init_on_alloc(0))
		fn(&gus_alloc_slow_key, &gus_alloc_slow_all);
	if (want_init_on_free())
		fn(&gus_free_slow_key, &gus_free_slow_all);
	if (num_possible_nodes() > 1)
		fn(&gus_free_slow_key, &gus_free_slow_all);
}

void gus_slow_keys_init(void)
{
	gus_slow_boot_reasons(gus_slow_all_get);
}

void gus_slow_keys_exit(void)
{
	gus_slow_boot_reasons(gus_slow_all_put);
}

/*
 * A debug cache: both keys, not the counts, from before it is published
 * to its free.
 */
void gus_slow_keys_debug_get(void)
{
	static_branch_inc(&gus_debug_key);
	static_branch_inc(&gus_alloc_slow_key);
	static_branch_inc(&gus_free_slow_key);
}

void gus_slow_keys_debug_put(void)
{
	static_branch_dec(&gus_free_slow_key);
	static_branch_dec(&gus_alloc_slow_key);
	static_branch_dec(&gus_debug_key);
}

/*
 * The tracepoints' reg and unreg functions (slab/gus_trace.h): called
 * under the tracepoint mutex when the first probe attaches and after the
 * last detaches, before and after the tracepoint's own key.
 */
int gus_trace_alloc_reg(void)
{
	gus_slow_all_get(&gus_alloc_slow_key, &gus_alloc_slow_all);
	return 0;
}

void gus_trace_alloc_unreg(void)
{
	gus_slow_all_put(&gus_alloc_slow_key, &gus_alloc_slow_all);
}

int gus_trace_free_reg(void)
{
	gus_slow_all_get(&gus_free_slow_key, &gus_free_slow_all);
	return 0;
}

void gus_trace_free_unreg(void)
{
	gus_slow_all_put(&gus_free_slow_key, &gus_free_slow_all);
}

/**
 * gus_check_frees_switch() - turn check_frees on or off.
 * @on: whether frees check that the pointer is an object of the cache.
 *
 * The parameter's writes come here, and so do the KUnit suites'.
 *
 * Context: process context; may sleep.
 */
void gus_check_frees_switch(bool on)
{
	static DEFINE_MUTEX(lock);	/* one switch at a time: the count stays 0 or 1 */

	mutex_lock(&lock);
	if (on && !static_key_enabled(&gus_check_frees_key.key)) {
		gus_slow_all_get(&gus_free_slow_key, &gus_free_slow_all);
		static_branch_enable(&gus_check_frees_key);
	} else if (!on && static_key_enabled(&gus_check_frees_key.key)) {
		static_branch_disable(&gus_check_frees_key);
		gus_slow_all_put(&gus_free_slow_key, &gus_free_slow_all);
	}
	mutex_unlock(&lock);
}

GUS_EXPORT_INTERNAL(gus_check_frees_switch);

static int gus_check_frees_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (!err)
		gus_check_frees_switch(on);
	return err;
}

static const struct kernel_param_ops gus_check_frees_ops = {
	.set = gus_check_frees_set,
	.get = gus_key_param_get,
};

module_param_cb(check_frees, &gus_check_frees_ops, &gus_check_frees_key.key, 0644);
MODULE_PARM_DESC(check_frees,
		 "refuse at once a free of a pointer that is not an object of the cache (default N)");
