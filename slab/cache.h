/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal layout of a gusslab cache, shared by the slab/ files and the tests.
 * slab/cache.c explains the layers and the lock order.
 */
#ifndef _GUS_CACHE_H
#define _GUS_CACHE_H

#include <linux/cpuhotplug.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/local_lock.h>
#include <linux/reciprocal_div.h>
#include <linux/shrinker.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <gusslab.h>
#include <gusslab_compat.h>

#include "../gus/gus_internal.h"
#include "ring.h"

#define GUS_SLAB_MAGIC		0x67757373UL	/* "guss" */
#define GUS_MAX_ORDER		3		/* largest slab: 8 pages */
#define GUS_MAX_SIZE		(PAGE_SIZE << GUS_MAX_ORDER)	/* largest object */
#define GUS_OFF_SLAB_SIZE	(PAGE_SIZE / 2)	/* larger: header kmalloc'ed */
#define GUS_QUEUE_KEEP		8		/* SMR: queued magazines kept */
/*
 * Ordinary caches: full magazines the ring has no room for wait on the
 * overflow list, up to this many objects or bytes per node, so that a
 * burst of remote frees reaches the allocating CPUs whole, a magazine at
 * a time; beyond that they are drained into the slabs.
 */
#define GUS_OVERFLOW_OBJS	16384
#define GUS_OVERFLOW_BYTES	SZ_4M

/* A magazine: a stack of object pointers. */
struct gus_mag {
	unsigned long count;		/* word-sized: the fast paths index with it as is */
	unsigned long size;
	unsigned long stamp;		/* SMR: goal taken when it filled */
	union {
		struct list_head node;	/* on the overflow list */
		struct rcu_head rcu;	/* freed after an RCU grace period */
	};
	void *none;			/* NULL: the slot below objs[0] */
	void *objs[];
};

/*
 * The object on top of @m, which holds @n, or NULL if it is empty (then
 * the slot read is m->none): the free's double-free compare with no test
 * of @n.
 */
static __always_inline void *gus_mag_top(const struct gus_mag *m, unsigned long n)
{
	return m->objs[n - 1];	/* n == 0: the index wraps to m->none */
}

/*
 * Pop the object on top of @m into *@objp.  Return: false if @m is empty.
 * (The count's decrement tests for empty too: no separate compare.)
 */
static __always_inline bool gus_mag_pop(struct gus_mag *m, void **objp)
{
	unsigned long n;

	if (unlikely(check_sub_overflow(m->count, 1UL, &n)))
		return false;
	m->count = n;
	*objp = m->objs[n];
	return true;
}

/*
 * A slab: 2^order pages (a compound page if order > 0) and this header,
 * either at the start of the pages or, for objects larger than
 * GUS_OFF_SLAB_SIZE, kmalloc'ed apart; the head page's private field
 * points to it (slab/slab.c).  A set bit in free[] marks a free object;
 * SMR caches have a second bitmap after it, of objects freed without a
 * magazine and pending until the slab's stamp is reached.  Nothing is
 * kept inside free objects.
 */
struct gus_slab {
	unsigned long magic;		/* GUS_SLAB_MAGIC; word-sized for READ_ONCE_NOCHECK */
	void *base;			/* the first page; objects from base + c->offset */
	unsigned int inuse;		/* objects not free in this slab */
	unsigned int objects;		/* objects in this slab: fewer at min_order */
	unsigned int order;		/* c->order, or c->min_order after a fallback */
	int node;
	struct gus_cache *cache;
	struct list_head list;		/* on its node's partial/full/empty */
	unsigned long stamp;		/* SMR: goal covering the pending objects */
	struct list_head deferred;	/* on its node's deferred list, or empty */
	unsigned int rand_pos;		/* FREELIST_RANDOM: next in random_seq */
	unsigned long free[];		/* then, SMR caches: pending[] */
};

/*
 * Per node: the slab lists, and the queue of full magazines freed on the
 * node's CPUs (the transfer ring, and the overflow list of those it had
 * no room for: every one for SMR caches, up to overflow_max for others).
 */
struct gus_node {
	struct gus_ring *ring;		/* full magazines, FIFO */
	spinlock_t overflow_lock;	/* protects overflow, nr_overflow */
	struct list_head overflow;	/* full magazines the ring had no room for */
	unsigned int nr_overflow;	/* magazines on it */
	spinlock_t lock;		/* protects the lists and counts */
	struct list_head partial, full, empty;
	struct list_head deferred;	/* SMR: slabs with pending objects */
	unsigned long nr_slabs, nr_empty, nr_free, nr_deferred;
	unsigned long nr_objects;	/* objects in all its slabs */
	bool spill;			/* the last new slab was another node's */
};

enum gus_cache_event {
	GUS_ALLOC_FAST,		/* allocations served by the alloc magazine */
	GUS_ALLOC_SLOW,		/* allocations that refilled it */
	GUS_FREE_FAST,		/* frees that went to the free magazine */
	GUS_FREE_SLOW,		/* frees that had to move a magazine */
	GUS_MAG_SWAP,		/* alloc and free magazines swapped */
	GUS_RING_PUSH,		/* full magazines pushed to the ring */
	GUS_RING_POP,		/* full magazines taken from the ring */
	GUS_RING_FULL,		/* pushes refused: ring full */
	GUS_RING_EMPTY,		/* pops that found the ring empty */
	GUS_SMR_NOT_READY,	/* pops refused: head stamp not reached */
	GUS_DEPOT_REFILL,	/* alloc magazines filled from slabs */
	GUS_DEPOT_DRAIN,	/* magazines emptied into slabs */
	GUS_SLAB_ALLOC,		/* slabs taken from the page allocator */
	GUS_SLAB_FREE,		/* slabs given back */
	GUS_ALLOC_FAILED,	/* allocations that returned NULL */
	GUS_BAD_FREE,		/* frees refused: not an object of the cache */
	GUS_SHRINK_SCAN,	/* shrinker visits */
	GUS_SHRINK_FREED,	/* slabs the shrinker gave back */
	GUS_FREE_DEFERRED,	/* SMR frees with no magazine: pending in the slab */
	GUS_FREE_REMOTE,	/* frees of another node's objects, sent home */
	GUS_ORDER_FALLBACK,	/* slabs grown at min_order: c->order failed */
	GUS_ALLOC_NODE,		/* gus_cache_alloc_node() for another node */
	GUS_CPU_BUSY,		/* calls that interrupted the magazines' holder */
	GUS_OVERFLOW_PUSH,	/* full magazines put on the overflow list */
	GUS_OVERFLOW_POP,	/* full magazines taken from it */
	GUS_NR_CACHE_EVENTS
};

struct gus_cpu {
	struct gus_cpu_lock lock;	/* protects this CPU's magazines */
	struct gus_mag *alloc;		/* objects ready to hand out */
	struct gus_mag *free;		/* objects freed on this CPU */
	/*
	 * Objects this CPU queued (ring or overflow list) less those it took
	 * back; only the sum over CPUs means anything, and is exact when the
	 * cache is quiet.  Not a statistic: clearing the stats keeps it.
	 */
	long queued;
	/*
	 * The counters, written by this CPU only.  The fast paths count
	 * nothing: their events are the objects popped from the alloc
	 * magazine (pushed on the free one) since the last slow section left
	 * the lock, alloc_mark - alloc->count (free->count - free_mark).  A
	 * slow section folds them into ev[] when it takes the lock
	 * (gus_cpu_get()) and sets the marks when it leaves (gus_cpu_put());
	 * seq is odd in between, so that readers (slab/debugfs.c) see the
	 * marks and the magazines together.  cleared[] is what a clear saw,
	 * written only by the clear: a CPU's count is ev[] less it.
	 */
	unsigned long ev[GUS_NR_CACHE_EVENTS];
	unsigned long alloc_mark, free_mark;
	unsigned int seq;
	unsigned long cleared[GUS_NR_CACHE_EVENTS];
	/*
	 * Another node's objects freed on this CPU, all of remote_node's, on
	 * their way home (NULL until the first): queued on that node's ring
	 * when full, when an object of a third node comes, or on a flush.
	 */
	struct gus_mag *remote;
	int remote_node;
};

struct gus_cache {
	struct gus_cpu __percpu *cpu;
	unsigned int size;		/* object size, aligned */
	unsigned int object_size;	/* as requested */
	unsigned int align;
	unsigned int flags;
	unsigned int order;		/* slab = PAGE_SIZE << order */
	unsigned int objects;		/* objects per slab */
	unsigned int min_order;		/* fallback: the least order for one object */
	unsigned int min_objects;	/* objects in a slab of min_order */
	unsigned int offset;		/* first object from the slab start */
	unsigned int hdr_size;		/* the header, with its bitmaps */
	bool off_slab;			/* header kmalloc'ed, not in the pages */
	struct reciprocal_value size_recip;	/* divides by size, fast */
	unsigned int mag_size;		/* objects per magazine */
	unsigned int overflow_max;	/* ordinary caches: magazines, per node */
	void (*ctor)(void *obj);
	unsigned int *random_seq;	/* FREELIST_RANDOM: carving order, or NULL */
	/* Debug caches (slab/debug.c); otherwise 0. */
	unsigned int meta;		/* tracks and state, from the object */
	unsigned int track_size;	/* bytes per recorded caller */
	unsigned int red_left;		/* red zone bytes before each object */
	atomic_long_t reports;		/* misuse and damage reported */
	atomic_long_t quarantined;	/* damaged objects put aside */
	struct gus_domain *domain;	/* SMR caches only */
	struct gus_domain_user user;	/* on domain->users */
	bool own_domain;		/* created with the cache, named after it */
	struct gus_ring *empty;		/* spare empty magazines */
	struct gus_node **nodes;	/* [nr_node_ids] */
	struct hlist_node cpuhp;	/* on the CPU-dead state */
	struct list_head list;		/* on gus_caches (RCU for debug reports) */
	struct rcu_head rcu;		/* freed after a grace period */
	struct dentry *dir;
	char name[32];
};

/*
 * A slow section opens on @pc, this CPU's with its lock held (or a dead
 * CPU's): the fast paths' events so far go into the counters, and
 * readers wait until gus_cpu_stats_close().
 */
static __always_inline void gus_cpu_stats_open(struct gus_cpu *pc)
{
	WRITE_ONCE(pc->seq, pc->seq + 1);
	smp_wmb();	/* odd before the counts move: gus_cpu_event_total()'s 2nd smp_rmb() */
	WRITE_ONCE(pc->ev[GUS_ALLOC_FAST],
		   pc->ev[GUS_ALLOC_FAST] + pc->alloc_mark - pc->alloc->count);
	WRITE_ONCE(pc->ev[GUS_FREE_FAST],
		   pc->ev[GUS_FREE_FAST] + pc->free->count - pc->free_mark);
}

/* It closes: the fast paths count from the magazines as they are now. */
static __always_inline void gus_cpu_stats_close(struct gus_cpu *pc)
{
	WRITE_ONCE(pc->alloc_mark, pc->alloc->count);
	WRITE_ONCE(pc->free_mark, pc->free->count);
	smp_wmb();	/* the marks before seq is even: gus_cpu_event_total()'s 1st smp_rmb() */
	WRITE_ONCE(pc->seq, pc->seq + 1);
}

/*
 * Take this CPU's magazines for a slow section: preemption off, the CPU
 * lock held, the stats open (above), *@pcp this CPU's.  Return: false,
 * preemption as it was, if a context we interrupted holds them.  (A bool,
 * not the pointer or NULL: callers then test the lock alone.)
 */
static __always_inline bool gus_cpu_get(struct gus_cache *c, struct gus_cpu **pcp)
{
	struct gus_cpu *pc;

	preempt_disable();
	if (likely(gus_cpu_trylock(&c->cpu->lock))) {
		pc = this_cpu_ptr(c->cpu);
		gus_cpu_stats_open(pc);
		*pcp = pc;
		return true;
	}
	preempt_enable();
	return false;
}

static __always_inline void gus_cpu_put(struct gus_cpu *pc)
{
	gus_cpu_stats_close(pc);
	gus_cpu_unlock(&pc->lock);
	preempt_enable();
}

/*
 * The fast paths' lock on @cpu, a cache's per-CPU structures: no stats,
 * and this CPU's reached through the per-CPU segment (raw_cpu_*()), not
 * its address.  (@cpu, not the cache: a local survives the compiler
 * barriers, where c->cpu would be loaded again after each.)
 */
static __always_inline bool gus_cpu_get_fast(struct gus_cpu __percpu *cpu)
{
	preempt_disable();
	if (likely(gus_cpu_trylock(&cpu->lock)))
		return true;
	preempt_enable();
	return false;
}

static __always_inline void gus_cpu_put_fast(struct gus_cpu __percpu *cpu)
{
	gus_cpu_unlock_this(&cpu->lock);
	preempt_enable();
}

static inline bool gus_cache_is_smr(const struct gus_cache *c)
{
	return c->flags & GUS_CACHE_SMR;
}

/* The slow paths' counters; on by default, module parameter "stats". */
DECLARE_STATIC_KEY_TRUE(gus_stats_key);
/* Ownership checks on every free; off by default, "check_frees". */
DECLARE_STATIC_KEY_FALSE(gus_check_frees_key);
void gus_check_frees_switch(bool on);
struct kernel_param;
int gus_key_param_get(char *buf, const struct kernel_param *kp);

/*
 * slab/slowkeys.c: on while anything needs more of an allocation or a
 * free than a magazine pop or push; the fast paths test only these.
 */
DECLARE_STATIC_KEY_FALSE(gus_alloc_slow_key);
DECLARE_STATIC_KEY_FALSE(gus_free_slow_key);
extern atomic_t gus_alloc_slow_all, gus_free_slow_all;
void gus_slow_keys_init(void);
void gus_slow_keys_exit(void);
void gus_slow_keys_debug_get(void);
void gus_slow_keys_debug_put(void);

/*
 * Whether a slow key held only by debug caches lets @c, not one of
 * them, stay on its fast path (slab/slowkeys.c).
 */
static __always_inline bool gus_slow_for_debug_only(struct gus_cache *c, atomic_t *all)
{
	return !atomic_read(all) && !(c->flags & GUS_CACHE_DEBUG);
}

/*
 * Whether an allocation may take the fast path: no gfp to fix, no
 * __GFP_ZERO (one test for both), none of the reasons of
 * gus_alloc_slow_key (init_on_alloc, tracing, this a debug cache), and
 * kmemleak not built in.
 */
static __always_inline bool gus_alloc_plain(struct gus_cache *c, gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	    (gfp & (GUS_GFP_NOT_FOR_SLAB | __GFP_ZERO)))
		return false;
	return !static_branch_unlikely(&gus_alloc_slow_key) ||
	       gus_slow_for_debug_only(c, &gus_alloc_slow_all);
}

/*
 * Whether a free may take the fast path: none of the reasons of
 * gus_free_slow_key (tracing, check_frees, several nodes, init_on_free,
 * this a debug cache), and kmemleak not built in (it must hear of the
 * free before the object is where an interrupt could take it again).
 */
static __always_inline bool gus_free_plain(struct gus_cache *c)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		return false;
	return !static_branch_unlikely(&gus_free_slow_key) ||
	       gus_slow_for_debug_only(c, &gus_free_slow_all);
}

static inline void gus_cache_count_n(struct gus_cache *c, enum gus_cache_event e,
				     unsigned long n)
{
	if (static_branch_likely(&gus_stats_key))
		this_cpu_add(c->cpu->ev[e], n);
}

static inline void gus_cache_count(struct gus_cache *c, enum gus_cache_event e)
{
	gus_cache_count_n(c, e, 1);
}

/*
 * @n objects a slow section popped from the alloc magazine or pushed on
 * the free one, as the fast path would (@e GUS_ALLOC_FAST or
 * GUS_FREE_FAST): counted, as the fast paths' are, whatever "stats" says.
 */
static __always_inline void gus_cpu_fast_n(struct gus_cpu *pc, enum gus_cache_event e,
					   unsigned long n)
{
	WRITE_ONCE(pc->ev[e], pc->ev[e] + n);	/* one writer; read in slab/debugfs.c */
}

/* slab/slab.c: the depot. */
int gus_depot_init(struct gus_cache *c);
void gus_depot_exit(struct gus_cache *c);
struct gus_slab *gus_page_slab(const void *ptr);
struct gus_slab *gus_obj_to_slab(struct gus_cache *c, const void *obj);

/* Whether @obj is the start of an object in @s, a slab of @c. */
static inline bool gus_slab_holds(struct gus_cache *c, struct gus_slab *s,
				  const void *obj)
{
	unsigned long off = (unsigned long)obj - (unsigned long)s->base;
	u32 idx;

	if (off < c->offset)
		return false;
	off -= c->offset;
	idx = reciprocal_divide(off, c->size_recip);
	return idx < s->objects && idx * c->size == off;
}

/* slab/debug.c: debug caches, gus_debug_key on while one exists. */
DECLARE_STATIC_KEY_FALSE(gus_debug_key);

static inline bool gus_cache_debug(const struct gus_cache *c)
{
	return static_branch_unlikely(&gus_debug_key) && (c->flags & GUS_CACHE_DEBUG);
}

struct gus_mag;
int gus_debug_init(void);
int gus_debug_parse(const char *param, const char *name, unsigned int *flags);
unsigned int gus_debug_flags(const char *name, unsigned int flags, bool ctor);
unsigned int gus_debug_layout(struct gus_cache *c);
void gus_debug_init_obj(struct gus_cache *c, void *obj);
bool gus_debug_alloc(struct gus_cache *c, void *obj, unsigned long caller);
bool gus_debug_free(struct gus_cache *c, void *obj, unsigned long caller);
void gus_debug_reached(struct gus_cache *c, void **objs, unsigned int n);
bool gus_debug_quarantined(struct gus_cache *c, void *obj);
unsigned long gus_debug_caller(struct gus_cache *c, void *obj, bool freed,
			       unsigned int *nr_stack);
void gus_debug_leak(struct gus_cache *c, void *obj);
char *gus_debug_flag_letters(struct gus_cache *c, char *buf);

/* Whether @obj may not be freed to @c: only looked at with check_frees. */
static inline bool gus_free_refused(struct gus_cache *c, const void *obj)
{
	return static_branch_unlikely(&gus_check_frees_key) &&
	       !gus_obj_to_slab(c, obj);
}

unsigned int gus_depot_get(struct gus_cache *c, int node, void **objs,
			   unsigned int n);
bool gus_depot_spilling(struct gus_cache *c, int node);
unsigned int gus_depot_get_remote(struct gus_cache *c, int node, void **objs,
				  unsigned int n);
struct gus_slab *gus_depot_grow(struct gus_cache *c, int node, gfp_t gfp);
unsigned int gus_depot_add(struct gus_cache *c, struct gus_slab *s, void **objs,
			   unsigned int n);
void gus_depot_put(struct gus_cache *c, void **objs, unsigned int n);
void gus_depot_put_one(struct gus_cache *c, struct gus_slab *s, void *obj);
void gus_depot_defer(struct gus_cache *c, void *obj);
void gus_depot_collect(struct gus_cache *c, int node, bool scan);
unsigned long gus_depot_shrink(struct gus_cache *c, unsigned long max);
unsigned long gus_depot_live(struct gus_cache *c);
void gus_depot_totals(struct gus_cache *c, unsigned long *slabs,
		      unsigned long *free);
unsigned long gus_depot_objects(struct gus_cache *c);
void gus_depot_report_leaks(struct gus_cache *c, unsigned int max);
unsigned long gus_depot_abandon(struct gus_cache *c);

/* slab/magazine.c: magazines and the spare pool. */
struct gus_mag *gus_mag_alloc(struct gus_cache *c, gfp_t gfp);
struct gus_mag *gus_mag_get_empty(struct gus_cache *c);
void gus_mag_put_empty(struct gus_cache *c, struct gus_mag *m);
void gus_mag_drain(struct gus_cache *c, struct gus_mag *m);

/* slab/cache.c */
extern atomic_long_t gus_foreign_reports;
extern void (*gus_cpu_held_hook)(struct gus_cache *c);
void gus_objs_reached(struct gus_cache *c, void **objs, unsigned int n);
void gus_cache_report(struct gus_cache *c, const void *obj, const char *what);
extern struct mutex gus_caches_lock;
extern struct list_head gus_caches;
int gus_caches_init(void);
void gus_caches_exit(void);
unsigned long gus_cache_reclaim(struct gus_cache *c, bool wait);
unsigned long gus_cache_event_sum(struct gus_cache *c, enum gus_cache_event e);

/* slab/fault.c */
extern atomic_t gus_fail_slab_allocs;
extern u32 gus_fail_percent;
bool gus_fault_slab_alloc(gfp_t gfp);
extern atomic_t gus_fail_mag_allocs;
extern u32 gus_fail_mag_percent;
bool gus_fault_mag_alloc(void);
struct page *gus_fault_alloc_pages(int node, gfp_t gfp, unsigned int order);
extern u32 gus_fail_min_order;
extern gfp_t gus_fault_last_gfp;
extern int gus_fault_full_node;
extern atomic_t gus_fault_full_budget;
void gus_fault_debugfs_init(void);

/* slab/shrinker.c and slab/debugfs.c */
int gus_shrinker_init(void);
unsigned long gus_shrink_count(struct shrinker *s, struct shrink_control *sc);
unsigned long gus_shrink_scan(struct shrinker *s, struct shrink_control *sc);
void gus_shrinker_exit(void);
void gus_cache_debugfs_add(struct gus_cache *c);
void gus_cache_debugfs_remove(struct gus_cache *c);
int gus_cache_debugfs_init(void);
void gus_cache_stats_clear(struct gus_cache *c);
void gus_cache_stats_enable(bool on);

/* Where a cache's objects are, as the caches file shows it. */
struct gus_cache_usage {
	unsigned long slabs;		/* slabs held */
	unsigned long active_slabs;	/* slabs with an object not free */
	unsigned long objects;		/* objects in those slabs */
	unsigned long in_slabs;		/* free in the slabs */
	unsigned long in_cpus;		/* idle in per-CPU magazines */
	unsigned long queued;		/* idle in the ring and overflow list */
	unsigned long quarantined;	/* debug: found damaged, put aside */
	unsigned long active;		/* the rest: held by users */
};

void gus_cache_usage(struct gus_cache *c, struct gus_cache_usage *u);

#endif /* _GUS_CACHE_H */
