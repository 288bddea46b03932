/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gusslab: the public interface for client modules.
 *
 * GUS domains (Global Unbounded Sequences) give lock-free readers safe
 * memory reclamation: a reader brackets its accesses with gus_enter() and
 * gus_exit(); a writer that unlinks an object asks gus_advance() for a goal
 * and reuses the object only once gus_poll() or gus_wait() says the goal is
 * reached, that is once every reader that could have seen the object has
 * left its section.  gus/gus.c explains the algorithm and its ordering.
 *
 * Everything below the "private" markers is layout the inline read side
 * needs; clients must not touch it.
 */
#ifndef _GUSSLAB_H
#define _GUSSLAB_H

/*
 * Two configurations are refused outright (gus/gus.c, "What is not
 * supported"): 32-bit kernels, whose sequences would wrap within 2^30
 * advances, and PREEMPT_RT, where the allocator's locks sleep while GUS
 * sections disable preemption.
 */
#ifndef CONFIG_64BIT
#error "gusslab needs a 64-bit kernel: GUS sequences are unsigned longs and would wrap"
#endif
#ifdef CONFIG_PREEMPT_RT
#error "gusslab does not support PREEMPT_RT: its locks sleep there, inside GUS sections"
#endif

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/*
 * Sequences and goals are unsigned longs, like polled-RCU cookies.  They
 * wrap: compare them only with the gus_seq_*() helpers.  In a lazy domain a
 * goal is a polled-RCU cookie; treat it as opaque.
 */
/* Sequence 0 means "not inside a section"; live sequences are always odd. */
#define GUS_SEQ_INVALID	0UL
#define GUS_SEQ_INCR	2UL
#define GUS_SEQ_INIT	1UL

/**
 * gus_seq_before() - wrap-safe "a comes before b".
 * @a: a sequence.
 * @b: a sequence less than LONG_MAX increments away from @a.
 *
 * Return: true if @a is older than @b.
 */
static inline bool gus_seq_before(unsigned long a, unsigned long b)
{
	return (long)(a - b) < 0;
}

/**
 * gus_seq_after_eq() - wrap-safe "a is b or newer".
 * @a: a sequence.
 * @b: a sequence less than LONG_MAX increments away from @a.
 *
 * Return: true if @a is @b or newer than @b.
 */
static inline bool gus_seq_after_eq(unsigned long a, unsigned long b)
{
	return (long)(a - b) >= 0;
}

/**
 * gus_seq_max() - the newer of two sequences.
 * @a: a sequence.
 * @b: a sequence less than LONG_MAX increments away from @a.
 *
 * Return: @a or @b, whichever is newer.
 */
static inline unsigned long gus_seq_max(unsigned long a, unsigned long b)
{
	return gus_seq_before(a, b) ? b : a;
}

/* Domain flags. */
#define GUS_DEFERRED	0x1U	/* advance without writing the shared sequence */
#define GUS_LAZY	0x2U	/* barrier-free readers, goals are RCU cookies */
#define GUS_DOMAIN_FLAGS (GUS_DEFERRED | GUS_LAZY)

/*
 * private: per-CPU reader state, read remotely by pollers; a cache line of
 * its own, so that polls do not bounce the line of whatever per-CPU data
 * would otherwise sit next to it.
 */
struct gus_reader {
	unsigned long seq;	/* published sequence, or GUS_SEQ_INVALID */
	unsigned int depth;	/* section nesting on this CPU (IRQs nest) */
} ____cacheline_aligned_in_smp;

struct gus_stats;
struct gus_cbs;

/* private: a domain; allocate with gus_domain_create(). */
struct gus_domain {
	atomic_long_t wr_seq ____cacheline_aligned_in_smp;
	atomic_long_t rd_seq ____cacheline_aligned_in_smp;
	struct gus_reader __percpu *readers ____cacheline_aligned_in_smp;
	struct gus_stats __percpu *stats;
	struct gus_cbs __percpu *cbs;	/* gus/callback.c */
	unsigned int flags;
	unsigned long start;		/* the first wr_seq, for debugfs */
	unsigned long lazy_kick;
	struct rcu_head lazy_head;
	struct list_head node;
	struct list_head users;		/* caches reclaiming through it */
	struct dentry *dir;
	/* Lockdep: sections are recursive reads, waits are syncs (gus.c). */
	struct lockdep_map dep_map;
	struct lock_class_key dep_key;
	char name[32];
};

/**
 * gus_enter() - enter a read section of a GUS domain.
 * @d: the domain.
 *
 * Until the matching gus_exit(), nothing this CPU can reach through @d's
 * protected structures is reused.  Sections nest (an interrupt may enter
 * the domain on top of the task it interrupted); the outermost pair counts.
 *
 * Context: any context; disables preemption until gus_exit(), so the
 * section must not sleep.
 */
static inline void gus_enter(struct gus_domain *d)
{
	struct gus_reader *r;

	preempt_disable();
	lock_map_acquire_read(&d->dep_map);
	if (d->flags & GUS_LAZY)
		return;		/* a preempt-off region is an RCU reader */
	r = this_cpu_ptr(d->readers);
	r->depth++;
	barrier();		/* depth before seq, against a nesting IRQ */
	if (READ_ONCE(r->seq) == GUS_SEQ_INVALID) {
		/* Pairs with smp_mb() in gus_scan(): store seq, then load pointers. */
		smp_store_mb(r->seq, atomic_long_read(&d->wr_seq));
	} else if (!in_task()) {
		/* The publish we interrupted may lack its barrier (gus/gus.c). */
		smp_mb();	/* pairs with smp_mb() in gus_scan() */
	}
}

/**
 * gus_exit() - leave a read section of a GUS domain.
 * @d: the domain passed to gus_enter().
 *
 * Context: inside a section of @d on this CPU; re-enables preemption.
 */
static inline void gus_exit(struct gus_domain *d)
{
	struct gus_reader *r;

	if (!(d->flags & GUS_LAZY)) {
		r = this_cpu_ptr(d->readers);
		barrier();	/* section accesses stay above the depth drop */
		if (--r->depth == 0) {
			/* Pairs with the smp_load_acquire() in gus_scan(). */
			smp_store_release(&r->seq, GUS_SEQ_INVALID);
		}
	}
	lock_map_release(&d->dep_map);
	preempt_enable();
}

struct gus_domain *gus_domain_create(const char *name, unsigned int flags);
int gus_domain_destroy(struct gus_domain *d);
bool gus_read_held(struct gus_domain *d);

/*
 * Checked accessors for pointers that readers follow inside sections.
 *
 * Annotate such a pointer __gus ("struct node __gus *next;"): sparse then
 * refuses a plain load or store of it, as it does for __rcu, and readers
 * and writers go through gus_dereference() and gus_assign_pointer().
 * Under CONFIG_PROVE_RCU a gus_dereference() outside a section of its
 * domain is reported once per call site, as rcu_dereference_check() does;
 * elsewhere the check compiles away and the load is a READ_ONCE().
 */
#ifdef __CHECKER__
#define __gus	__attribute__((noderef, address_space(__gus)))
#else
#define __gus
#endif

/* private: the type @p points to. */
#define __gus_pointee(p)	typeof(*(p))

/* private: sparse sees whether @p is __gus; no code. */
#ifdef __CHECKER__
#define __gus_check_sparse(p)	((void)(((__gus_pointee(p) __gus *)(p)) == (p)))
#else
#define __gus_check_sparse(p)	((void)0)
#endif

/* private: the report behind the accessors' checks. */
void __gus_dereference_report(struct gus_domain *d, const char *what);

#ifdef CONFIG_PROVE_RCU
#define __gus_dereference_verify(c, d, what)				\
do {									\
	static bool __gus_warned;					\
									\
	if (!(c) && !READ_ONCE(__gus_warned)) {				\
		WRITE_ONCE(__gus_warned, true);				\
		__gus_dereference_report(d, what);			\
	}								\
} while (0)
#else
#define __gus_dereference_verify(c, d, what)	((void)0)
#endif

/**
 * gus_dereference_check() - load a __gus pointer for use under a condition.
 * @p: the pointer (an lvalue annotated __gus).
 * @c: the condition that makes the load safe, such as gus_read_held(@d)
 *     or a lock of the updaters held.
 * @d: the domain to name in a report, or NULL.
 *
 * Context: any context in which @c holds; checked under CONFIG_PROVE_RCU.
 * Return: the pointer's value, ordered before accesses through it.
 */
#define gus_dereference_check(p, c, d)					\
({									\
	/* Dependency-ordered: pairs with gus_assign_pointer()'s release. */ \
	__auto_type __gus_v = (__gus_pointee(p) __force *)READ_ONCE(p);	\
									\
	__gus_check_sparse(p);						\
	__gus_dereference_verify(c, d, "gus_dereference() outside a read section"); \
	((__gus_pointee(p) __force __kernel *)(__gus_v));			\
})

/**
 * gus_dereference() - load a __gus pointer inside a section.
 * @p: the pointer (an lvalue annotated __gus).
 * @d: the domain whose section protects what @p points to.
 *
 * Context: inside a section of @d (gus_read_held()); checked under
 * CONFIG_PROVE_RCU.
 * Return: the pointer's value, ordered before accesses through it.
 */
#define gus_dereference(p, d)	gus_dereference_check(p, gus_read_held(d), d)

/**
 * gus_dereference_protected() - load a __gus pointer on the update side.
 * @p: the pointer (an lvalue annotated __gus).
 * @c: why no update can race, e.g. lockdep_is_held(&lock); checked under
 *     CONFIG_PROVE_RCU.
 *
 * A plain load: updates are excluded by @c, so no ordering is needed.
 *
 * Context: the update side, where @c holds.
 * Return: the pointer's value.
 */
#define gus_dereference_protected(p, c)					\
({									\
	__gus_check_sparse(p);						\
	__gus_dereference_verify(c, NULL,				\
				 "gus_dereference_protected() without its protection"); \
	((__gus_pointee(p) __force __kernel *)(p));				\
})

/**
 * gus_assign_pointer() - publish a pointer that readers follow.
 * @p: the pointer (an lvalue annotated __gus).
 * @v: the new value; what it points to must be initialised.
 *
 * A release store, so a reader that loads @v with gus_dereference() sees
 * the initialisation.
 *
 * Context: any context; updates of @p must be serialized by the caller.
 */
#define gus_assign_pointer(p, v)					\
do {									\
	__gus_check_sparse(p);						\
	/* Pairs with the dependency-ordered load in gus_dereference(). */ \
	smp_store_release(&(p), (__force typeof(p))(v));	\
} while (0)

/**
 * gus_access_pointer() - the value of a __gus pointer, not to dereference.
 * @p: the pointer (an lvalue annotated __gus).
 *
 * For tests against NULL or another pointer.
 *
 * Context: any context.
 * Return: the pointer's value.
 */
#define gus_access_pointer(p)						\
({									\
	__gus_check_sparse(p);						\
	((__gus_pointee(p) __force __kernel *)READ_ONCE(p));		\
})

unsigned long gus_advance(struct gus_domain *d);
unsigned long gus_current(struct gus_domain *d);
bool gus_poll(struct gus_domain *d, unsigned long goal);
void gus_wait(struct gus_domain *d, unsigned long goal);
void gus_synchronize(struct gus_domain *d);

/**
 * struct gus_head - a callback queued with gus_call(), like struct rcu_head.
 * @next: private: the next callback queued on the same CPU.
 * @func: private: the function gus_call() was given.
 *
 * Embed one in the object whose reclamation the callback does: queuing
 * allocates nothing.  The head belongs to gus/callback.c from gus_call()
 * until @func is called with it; queuing it again before that corrupts
 * the queue.
 */
struct gus_head {
	struct gus_head *next;
	void (*func)(struct gus_head *head);
};

void gus_call(struct gus_domain *d, struct gus_head *head, void (*func)(struct gus_head *head));
void gus_barrier(struct gus_domain *d);

/* Cache flags. */
#define GUS_CACHE_SMR		0x1U	/* frees are reclaimed through GUS */
#define GUS_CACHE_HWCACHE_ALIGN	0x2U	/* align objects to cache lines */
/*
 * Debugging (Documentation/debugging.rst); also selectable per cache name
 * with the module parameter gusslab.debug=, as slab_debug= does for SLUB.
 */
#define GUS_CACHE_CHECK		0x4U	/* F: every free checked: owner, state */
#define GUS_CACHE_RED_ZONE	0x8U	/* Z: red zone after each object */
#define GUS_CACHE_POISON	0x10U	/* P: free objects poisoned, checked */
#define GUS_CACHE_STORE_USER	0x20U	/* U: last alloc/free caller */
#define GUS_CACHE_STORE_STACK	0x40U	/* T: ... and its stack trace */
#define GUS_CACHE_DEBUG		(GUS_CACHE_CHECK | GUS_CACHE_RED_ZONE | \
				 GUS_CACHE_POISON | GUS_CACHE_STORE_USER | \
				 GUS_CACHE_STORE_STACK)
#define GUS_CACHE_FLAGS		(GUS_CACHE_SMR | GUS_CACHE_HWCACHE_ALIGN | \
				 GUS_CACHE_DEBUG)

struct gus_cache;

/**
 * struct gus_cache_args - optional arguments of gus_cache_create_args().
 * @align: required alignment (a power of two), or 0.
 * @ctor: run once on each object when its slab is created, or NULL.
 * @domain: for GUS_CACHE_SMR: the domain to reclaim through, which other
 *          caches may share and which may be of any mode; NULL for a
 *          default-mode domain of the cache's own.
 */
struct gus_cache_args {
	unsigned int align;
	void (*ctor)(void *obj);
	struct gus_domain *domain;
};

struct gus_cache *gus_cache_create_args(const char *name, unsigned int size,
					const struct gus_cache_args *args,
					unsigned int flags);
struct gus_cache *gus_cache_create(const char *name, unsigned int size,
				   unsigned int align, unsigned int flags,
				   void (*ctor)(void *obj));
void gus_cache_destroy(struct gus_cache *c);
void *gus_cache_alloc(struct gus_cache *c, gfp_t gfp);
void gus_cache_free(struct gus_cache *c, void *obj);
int gus_cache_alloc_bulk(struct gus_cache *c, gfp_t gfp, size_t n, void **p);
void gus_cache_free_bulk(struct gus_cache *c, size_t n, void **p);
void gus_cache_shrink(struct gus_cache *c);
struct gus_domain *gus_cache_domain(struct gus_cache *c);
void *gus_cache_alloc_node(struct gus_cache *c, gfp_t gfp, int node);

/* Any object of any cache, found from the pointer (slab/cache.c). */
void gus_free(const void *obj);
size_t gus_ksize(const void *obj);

/*
 * Size classes (slab/kmalloc.c): kmalloc-style caches of 8 bytes to
 * GUS_KMALLOC_MAX_SIZE, plain and SMR.  The SMR classes share one
 * default-mode domain, gus_kmalloc_smr_domain().  gus_kfree() frees both.
 */
#define GUS_KMALLOC_MAX_SIZE	32768U
void *gus_kmalloc(size_t size, gfp_t gfp);
void *gus_kmalloc_smr(size_t size, gfp_t gfp);
struct gus_domain *gus_kmalloc_smr_domain(void);
void gus_kfree(const void *p);

#endif /* _GUSSLAB_H */
