/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gusslab's only view of kernel version differences (6.1 .. 7.3).
 * Private to gusslab and its test modules: clients include gusslab.h.
 */
#ifndef _GUSSLAB_COMPAT_H
#define _GUSSLAB_COMPAT_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * Symbols shared with gusslab_test.ko and the tools' modules, not with
 * clients, live in a namespace.  6.13 turned the namespace argument into
 * a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define GUS_EXPORT_INTERNAL(sym) EXPORT_SYMBOL_NS_GPL(sym, "GUSSLAB_INTERNAL")
#define GUS_IMPORT_INTERNAL() MODULE_IMPORT_NS("GUSSLAB_INTERNAL")
#else
#define GUS_EXPORT_INTERNAL(sym) EXPORT_SYMBOL_NS_GPL(sym, GUSSLAB_INTERNAL)
#define GUS_IMPORT_INTERNAL() MODULE_IMPORT_NS(GUSSLAB_INTERNAL)
#endif

/*
 * Shrinkers: 6.7 replaced register_shrinker() on a caller-owned struct with
 * shrinker_alloc()/shrinker_register()/shrinker_free().
 */
#include <linux/shrinker.h>
#include <linux/slab.h>

static inline struct shrinker *
gus_shrinker_create(unsigned long (*count)(struct shrinker *, struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *, struct shrink_control *),
		    const char *name)
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void gus_shrinker_destroy(struct shrinker *s)
{
	if (!s)
		return;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/* hrtimers: 6.13 added hrtimer_setup(); later kernels removed hrtimer_init(). */
#include <linux/hrtimer.h>

static inline void gus_hrtimer_setup(struct hrtimer *t,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, clock, mode);
#else
	hrtimer_init(t, clock, mode);
	t->function = fn;
#endif
}

/*
 * Timers: 6.16 replaced from_timer() with timer_container_of() and removed
 * the old name.  6.2 added timer_shutdown_sync(), which also keeps the
 * timer from being armed again (6.1.y stable has it too, from a late
 * sublevel on, but not 6.1.0); before it del_timer_sync(), whose name
 * later kernels dropped for timer_delete_sync().
 */
#include <linux/timer.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define gus_timer_container_of(var, t, field) timer_container_of(var, t, field)
#else
#define gus_timer_container_of(var, t, field) from_timer(var, t, field)
#endif

static inline void gus_timer_shutdown_sync(struct timer_list *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	timer_shutdown_sync(t);
#else
	del_timer_sync(t);
#endif
}

/*
 * gfp: the masks SLUB applies (mm/internal.h, private).  6.1's reclaim
 * mask still has __GFP_ATOMIC, which 6.3 removed.
 */
#include <linux/gfp.h>

#ifdef __GFP_ATOMIC
#define GUS_GFP_RECLAIM_ATOMIC	__GFP_ATOMIC
#else
#define GUS_GFP_RECLAIM_ATOMIC	0
#endif
#define GUS_GFP_RECLAIM_MASK	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | \
				 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | \
				 __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | \
				 __GFP_NOLOCKDEP | GUS_GFP_RECLAIM_ATOMIC)
#define GUS_GFP_CONSTRAINT_MASK	(__GFP_HARDWALL | __GFP_THISNODE)
#define GUS_GFP_NOT_FOR_SLAB	(__GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK)

/*
 * RCU: 6.2 added call_rcu_hurry(), for callbacks that must not wait on a
 * lazy queue (CONFIG_RCU_LAZY); before it every call_rcu() hurried.
 */
#include <linux/rcupdate.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define gus_call_rcu_hurry(head, func) call_rcu_hurry(head, func)
#else
#define gus_call_rcu_hurry(head, func) call_rcu(head, func)
#endif

/*
 * KASAN: generic KASAN lets a module mark bytes it owns as freed or out of
 * bounds only through kasan_poison(), exported (GPL from 6.12) for KASAN's
 * own tests and declared in the private mm/kasan/kasan.h, with the same
 * signature from 6.1 to 7.3.  The shadow values are KASAN's private
 * constants.  Tag-based KASAN and kernels without KASAN get no-ops.
 * Documentation/debugging.rst says what this catches and what it cannot.
 */
#include <linux/kasan.h>

#ifdef CONFIG_KASAN_GENERIC
void kasan_poison(const void *addr, size_t size, u8 value, bool init);

#define GUS_KASAN_GRANULE	8UL	/* 1 << KASAN_SHADOW_SCALE_SHIFT */
#define GUS_KASAN_FREE		0xFB	/* KASAN_SLAB_FREE: "use-after-free" */
#define GUS_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE: "out-of-bounds" */

/* @p and @n granule-aligned: accesses to [p, p + n) are reported. */
static inline void gus_kasan_mark(const void *p, size_t n, u8 value)
{
	kasan_poison(p, n, value, false);
}

/* @p granule-aligned: [p, p + n) accessible, the rest of its granule not. */
static inline void gus_kasan_unpoison(const void *p, size_t n)
{
	size_t whole = round_down(n, GUS_KASAN_GRANULE);

	kasan_poison(p, whole, 0, false);
	if (n != whole)	/* a partial granule: its shadow is the bytes valid */
		kasan_poison(p + whole, GUS_KASAN_GRANULE, n - whole, false);
}
#else
#define GUS_KASAN_GRANULE	8UL
#define GUS_KASAN_FREE		0
#define GUS_KASAN_REDZONE	0
static inline void gus_kasan_mark(const void *p, size_t n, u8 value) { }
static inline void gus_kasan_unpoison(const void *p, size_t n) { }
#endif

/*
 * lock_map_sync() (6.4, in 6.1 since a stable backport) expands to
 * lock_sync(), which no kernel of ours stubs out without lockdep.
 */
#ifdef CONFIG_LOCKDEP
#define gus_lock_map_sync(map)	lock_map_sync(map)
#else
#define gus_lock_map_sync(map)	do { } while (0)
#endif

/*
 * kfree_rcu() of a kmem_cache's objects: kmem_cache_destroy() waits for
 * them from 6.12 (kvfree_rcu_barrier()); before, nothing exported does,
 * so tools/rht frees such objects to kmalloc()'s caches instead.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define GUS_KFREE_RCU_CACHE_DESTROY	1
#else
#define GUS_KFREE_RCU_CACHE_DESTROY	0
#endif

/*
 * A per-CPU lock that an interrupt can find taken, as local_trylock_t
 * (6.16; SLUB's sheaves take it) is: an owner flag, with preemption off
 * around it, no interrupt toggling.  Ours takes the CPU's structure,
 * already found, so that a fast path computes this CPU's address once;
 * the caller disables preemption first (slab/cache.h: gus_cpu_get()).
 * The flag is read only by contexts that interrupt its holder on the
 * same CPU, so a compiler barrier orders it against the data it guards:
 * the barrier after the flag is set pairs with the interrupted holder's
 * barrier before it is cleared, so an interrupt that sees it clear sees
 * no access of the holder's section half done.  Under lockdep it is a
 * per-CPU lock class (LD_LOCK_PERCPU), as local_lock_t's.
 */
#include <linux/debug_locks.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>

struct gus_cpu_lock {
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
	struct task_struct *owner;
#endif
	u8 acquired;
};

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static inline void gus_cpu_lock_init(struct gus_cpu_lock *l)
{
	static struct lock_class_key key;	/* one class: the magazines' lock */

	lockdep_init_map_type(&l->dep_map, "gus_cpu.lock", &key, 0,
			      LD_WAIT_CONFIG, LD_WAIT_INV, LD_LOCK_PERCPU);
	l->owner = NULL;
	l->acquired = 0;
}

static inline void gus_cpu_lock_acquire(struct gus_cpu_lock *l)
{
	lock_map_acquire_try(&l->dep_map);
	DEBUG_LOCKS_WARN_ON(l->owner);
	l->owner = current;
}

static inline void gus_cpu_lock_release(struct gus_cpu_lock *l)
{
	DEBUG_LOCKS_WARN_ON(l->owner != current);
	l->owner = NULL;
	lock_map_release(&l->dep_map);
}
#else
static inline void gus_cpu_lock_init(struct gus_cpu_lock *l)
{
	l->acquired = 0;
}

static inline void gus_cpu_lock_acquire(struct gus_cpu_lock *l) { }
static inline void gus_cpu_lock_release(struct gus_cpu_lock *l) { }
#endif

/*
 * raw_cpu_read()/raw_cpu_write() of the fast paths' words.  Kernels built
 * with CONFIG_USE_X86_SEG_SUPPORT (6.8 on) make them plain accesses
 * through the compiler's %gs address space, which it folds into the
 * instruction using them (a compare with memory); before, they are asm,
 * a load that a separate test must follow.  There, on x86-64 with a
 * compiler that has __seg_gs, the same access is spelt out here, but not
 * under KASAN or KCSAN: as the kernel's CC_HAS_NAMED_AS_FIXED_SANITIZERS
 * says, GCC before 13.3 instruments such an access at the wrong address.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_SMP) && defined(__SEG_GS) && \
	!defined(CONFIG_USE_X86_SEG_SUPPORT) && !defined(CONFIG_KASAN) && \
	!defined(CONFIG_KCSAN) && !defined(__CHECKER__)
#define gus_raw_cpu_var(var) \
	(*(typeof(var) __seg_gs *)(__force unsigned long)&(var))
#define gus_raw_cpu_read(var)		gus_raw_cpu_var(var)
#define gus_raw_cpu_write(var, val)	(gus_raw_cpu_var(var) = (val))
#else
#define gus_raw_cpu_read(var)		raw_cpu_read(var)
#define gus_raw_cpu_write(var, val)	raw_cpu_write(var, val)
#endif

/*
 * Take @l, this CPU's, preemption off.  Return: false if it is held.
 * Only this CPU writes @l->acquired, a task or an interrupt of it, and an
 * interrupt that takes @l releases it before it returns: the flag a task
 * reads is the one it would see at any instant, so a plain load will do
 * (one compare with memory, where READ_ONCE() costs a load and a test).
 * @l is reached through the per-CPU segment, as this_cpu_read() does,
 * without computing this CPU's address.
 */
static __always_inline bool gus_cpu_trylock(struct gus_cpu_lock __percpu *l)
{
	if (data_race(gus_raw_cpu_read(l->acquired)))	/* only this CPU writes it: see above */
		return false;
	gus_raw_cpu_write(l->acquired, 1);
	gus_cpu_lock_acquire(this_cpu_ptr(l));
	barrier();	/* pairs with gus_cpu_unlock()'s in a holder we interrupt */
	return true;
}

/* Release @l, this CPU's, given its address. */
static __always_inline void gus_cpu_unlock(struct gus_cpu_lock *l)
{
	barrier();	/* pairs with gus_cpu_trylock()'s in an interrupt */
	gus_cpu_lock_release(l);
	WRITE_ONCE(l->acquired, 0);
}

/* Release @l, this CPU's, through the per-CPU segment. */
static __always_inline void gus_cpu_unlock_this(struct gus_cpu_lock __percpu *l)
{
	barrier();	/* pairs with gus_cpu_trylock()'s in an interrupt */
	gus_cpu_lock_release(this_cpu_ptr(l));
	gus_raw_cpu_write(l->acquired, 0);
}

#endif /* _GUSSLAB_COMPAT_H */
