// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab caches: the kmem_cache-like API over magazines, the transfer
 * ring and the depot.
 *
 * Layers (objects flow down on free and up on allocation):
 *
 *   per-CPU magazines   alloc (objects ready to hand out) and free (objects
 *                       freed here); the fast paths push or pop one of
 *                       them under the CPU's trylock, nothing shared
 *   transfer ring       full magazines between the CPUs of a node,
 *                       lock-free FIFO, one per node so that a refill
 *                       gets objects freed on its own node
 *   overflow list       full magazines the ring had no room for (per node;
 *                       ordinary caches: up to overflow_max, SMR: all)
 *   depot               slabs on per-node lists (slab/slab.c)
 *   page allocator
 *
 * Ordinary caches swap the two magazines when the alloc magazine runs dry
 * and the free one has objects, or when the free one fills and the alloc
 * one is empty (Bonwick's magazine layer).  Otherwise a full free magazine
 * goes to the ring and a dry alloc magazine is replaced by one from the
 * ring; when the ring is full it waits on the overflow list, a lock taken
 * once per magazine, so that a burst of remote frees (network receive)
 * reaches the allocating CPUs whole.  When the overflow list is at its
 * bound or the queue is empty, the depot takes or gives objects.
 *
 * SMR caches (GUS_CACHE_SMR) reclaim through a GUS domain: one of their
 * own, named after the cache, or one the caller passes in struct
 * gus_cache_args, which several caches may share, in any mode (a lazy
 * domain's stamps are RCU cookies; every check below goes through
 * gus_poll() and gus_wait(), which know the mode).  A full free magazine
 * is stamped with gus_advance() and queued (ring, else overflow list); it
 * is never swapped into an alloc magazine.  An alloc magazine is refilled
 * from the ring only when gus_poll() says the head magazine's stamp is
 * reached; otherwise fresh objects come from
 * the depot, without waiting.  Freed objects therefore reach neither a
 * new owner nor their slab (and so the page allocator) before every
 * reader that could see them has left its section.  Shrinking returns
 * only magazines whose stamps are reached; destroy waits for all of them.
 *
 * A refill runs with preemption off, so it scans the readers at most once:
 * after one gus_poll() the other stamps it looks at are checked against
 * the domain's cached read sequence only (gus_stamp_reached()).
 *
 * NUMA.  Magazines hold objects of their CPU's node: where several nodes
 * are possible, a free of another node's object skips them.  It goes
 * into the CPU's remote magazine, which holds one node's objects and is
 * queued on that node's ring (SMR: stamped first) when it is full, when
 * an object of a third node comes, or on a flush; so the object's own
 * node reuses it.  With no magazine to be had, the object goes to its
 * slab (SMR: pending there until its goal, slab/slab.c).
 * gus_cache_alloc_node() for another node takes from that node's slabs
 * directly.
 *
 * gus_free() and gus_ksize() find the cache from the object's slab, which
 * the head page of its pages names; they refuse any other pointer.
 *
 * A free never waits.  When an SMR free finds its magazine full, no spare
 * and no memory for one, the object waits in its slab instead
 * (gus_depot_defer() in slab/slab.c), for a goal of its own.
 *
 * As SLUB does, allocations honour init_on_alloc and frees init_on_free
 * for caches without a constructor or poisoning (SMR objects are wiped
 * only once their stamp is reached), and objects are registered with
 * kmemleak from allocation to free, so that memory they point to is not
 * reported as leaked.
 *
 * Lock order, outermost first:
 *   1. gus_caches_lock (mutex): the cache list, create, destroy, shrinker
 *   2. gus_cpu.lock (a trylock: preemption off, interrupts on): a CPU's
 *      magazines; a context that interrupts its holder finds it taken
 *      and goes past the magazines to the slabs
 *   3. gus_node.overflow_lock
 *   4. gus_node.lock (slab/slab.c)
 * The rings are lock-free and are used under any of these.  Page
 * allocation happens with none held: the slow path drops the CPU lock,
 * grows the depot and starts over.
 */
#include <linux/cpu.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/topology.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"
#include "gus_trace.h"

DEFINE_MUTEX(gus_caches_lock);	/* protects gus_caches; see the lock order */
LIST_HEAD(gus_caches);
static int gus_cpuhp_state = -1;
/* On where there can be several nodes: frees check the object's node. */
static DEFINE_STATIC_KEY_FALSE(gus_numa_key);

/**
 * gus_cache_report() - report a misuse of @c involving @obj.
 * @c: the cache.
 * @obj: the object or pointer concerned.
 * @what: what is wrong.
 *
 * Counted in the cache's bad_free counter and its reports.  Printed with a
 * WARN, or as a plain error line when a test that provokes it on purpose
 * has set gus_quiet_misuse.  Debug caches report in more detail
 * (slab/debug.c).
 */
void gus_cache_report(struct gus_cache *c, const void *obj, const char *what)
{
	char where[32] = "";

	gus_cache_count(c, GUS_BAD_FREE);
	atomic_long_inc(&c->reports);
	if (obj)
		snprintf(where, sizeof(where), ": object %p", obj);
	if (READ_ONCE(gus_quiet_misuse))
		pr_err("BUG gusslab %s: %s%s\n", c->name, what, where);
	else
		WARN(1, "BUG gusslab %s: %s%s\n", c->name, what, where);
}

/* init_on_free applies: no constructor, no poisoning. */
static __always_inline bool gus_wipe_on_free(struct gus_cache *c)
{
	return want_init_on_free() && !c->ctor && !(c->flags & GUS_CACHE_POISON);
}

/**
 * gus_objs_reached() - SMR: objects whose stamp is reached.
 * @c: an SMR cache.
 * @objs: the objects; no reader can see them any more.
 * @n: how many.
 *
 * What a free of an ordinary cache does at once happens here: debug
 * caches poison them, init_on_free wipes them.
 *
 * Context: any context.
 */
void gus_objs_reached(struct gus_cache *c, void **objs, unsigned int n)
{
	unsigned int i;

	if (gus_cache_debug(c))
		gus_debug_reached(c, objs, n);
	if (gus_wipe_on_free(c))
		for (i = 0; i < n; i++)
			memset(objs[i], 0, c->object_size);
}

/* ---- the queue of full magazines: ring first, overflow list behind ---- */

/*
 * How stamps are checked.  With preemption off (a refill) the readers are
 * scanned at most once; later checks use the cached read sequence.
 */
struct gus_stamp_check {
	struct gus_domain *d;
	bool once;		/* scan at most once */
	bool scanned;
};

static bool gus_stamp_reached(struct gus_stamp_check *sc, unsigned long stamp)
{
	if (sc->once && sc->scanned)
		return gus_poll_cached(sc->d, stamp);
	sc->scanned = true;
	return gus_poll(sc->d, stamp);
}

static bool gus_mag_reached(void *item, void *arg)
{
	struct gus_mag *m = item;

	return gus_stamp_reached(arg, READ_ONCE(m->stamp));
}

/*
 * Put @m on @gn's overflow list, unless it is an ordinary cache's and the
 * list holds overflow_max magazines.  Return: whether it did.
 */
static bool gus_overflow_add(struct gus_cache *c, struct gus_node *gn, struct gus_mag *m)
{
	bool smr = gus_cache_is_smr(c);
	unsigned long flags;
	bool added = false;

	if (!smr && READ_ONCE(gn->nr_overflow) >= c->overflow_max)
		return false;		/* a racy look first: no lock when full */
	spin_lock_irqsave(&gn->overflow_lock, flags);
	if (smr || gn->nr_overflow < c->overflow_max) {
		list_add_tail(&m->node, &gn->overflow);
		WRITE_ONCE(gn->nr_overflow, gn->nr_overflow + 1);
		added = true;
	}
	spin_unlock_irqrestore(&gn->overflow_lock, flags);
	return added;
}

/* Queue a full magazine on @node's ring; SMR magazines are stamped first. */
static void gus_queue_full(struct gus_cache *c, struct gus_mag *m, int node)
{
	struct gus_node *gn = c->nodes[node];

	if (gus_cache_is_smr(c))
		m->stamp = gus_advance(c->domain);
	trace_gus_mag_to_ring(c->name, m->count, m->stamp);
	this_cpu_add(c->cpu->queued, m->count);	/* before m is another CPU's */
	if (!gus_ring_push(gn->ring, m)) {
		gus_cache_count(c, GUS_RING_PUSH);
		return;
	}
	gus_cache_count(c, GUS_RING_FULL);
	if (gus_overflow_add(c, gn, m)) {
		gus_cache_count(c, GUS_OVERFLOW_PUSH);
		return;
	}
	this_cpu_sub(c->cpu->queued, m->count);
	gus_mag_drain(c, m);
	gus_mag_put_empty(c, m);
}

/* The oldest overflow magazine of @gn, if it may be reused (SMR: stamp). */
static struct gus_mag *gus_overflow_take(struct gus_cache *c, struct gus_node *gn,
					 struct gus_stamp_check *sc)
{
	struct gus_mag *m;
	unsigned long flags;

	if (list_empty_careful(&gn->overflow))
		return NULL;
	spin_lock_irqsave(&gn->overflow_lock, flags);
	m = list_first_entry_or_null(&gn->overflow, struct gus_mag, node);
	if (m && (!gus_cache_is_smr(c) || gus_stamp_reached(sc, m->stamp))) {
		list_del_init(&m->node);
		WRITE_ONCE(gn->nr_overflow, gn->nr_overflow - 1);
	} else {
		m = NULL;
	}
	spin_unlock_irqrestore(&gn->overflow_lock, flags);
	if (m) {
		this_cpu_sub(c->cpu->queued, m->count);
		gus_cache_count(c, GUS_OVERFLOW_POP);
	}
	return m;
}

/*
 * Pop the ring's head magazine if its objects may be reused (SMR: stamp
 * reached).  Return: 0, -EAGAIN (empty) or -EBUSY (stamp not reached).
 */
static int gus_pop_full(struct gus_cache *c, struct gus_node *gn, struct gus_mag **mp,
			struct gus_stamp_check *sc)
{
	bool smr = gus_cache_is_smr(c);
	void *m;
	int err;

	/* The head magazine's stamp may be read as it is freed: see magazine.c. */
	rcu_read_lock();
	err = gus_ring_pop_if(gn->ring, &m, smr ? gus_mag_reached : NULL, sc);
	rcu_read_unlock();
	if (err)
		return err;
	*mp = m;
	this_cpu_sub(c->cpu->queued, (*mp)->count);
	return 0;
}

/* A full magazine of @gn whose objects may be reused now, or NULL. */
static struct gus_mag *gus_take_full(struct gus_cache *c, struct gus_node *gn,
				     struct gus_stamp_check *sc)
{
	struct gus_mag *m;
	int err;

	err = gus_pop_full(c, gn, &m, sc);
	if (!err) {
		gus_cache_count(c, GUS_RING_POP);
		trace_gus_ring_to_mag(c->name, m->count, m->stamp);
	} else {
		gus_cache_count(c, err == -EBUSY ? GUS_SMR_NOT_READY : GUS_RING_EMPTY);
		m = gus_overflow_take(c, gn, sc);
	}
	if (m && gus_cache_is_smr(c))
		gus_objs_reached(c, m->objs, m->count);	/* no reader sees them now */
	return m;
}

/*
 * SMR: each refill takes one queued magazine and each full free magazine
 * queues one, so a backlog built up while a reader lingered would stay
 * for good.  After a refill has taken its magazine, drain one more whose
 * stamp is reached into the depot while more than GUS_QUEUE_KEEP wait:
 * the queue shrinks back to what readers actually hold up, plus a few
 * magazines that give young stamps time to be reached before they reach
 * the head.
 */
static void gus_trim_queue(struct gus_cache *c, struct gus_node *gn,
			   struct gus_stamp_check *sc)
{
	struct gus_mag *m;

	if (gus_ring_count(gn->ring) <= GUS_QUEUE_KEEP && list_empty_careful(&gn->overflow))
		return;
	if (gus_pop_full(c, gn, &m, sc)) {
		m = gus_overflow_take(c, gn, sc);
		if (!m)
			return;
	}
	gus_mag_drain(c, m);
	gus_mag_put_empty(c, m);
}

/* ---- allocation ----------------------------------------------------- */

/*
 * Give this CPU's alloc magazine objects, without allocating pages: swap
 * with the free magazine (ordinary caches), take a full magazine from the
 * queue, or fill it from the local node's slabs (and, while the local node
 * is full, from other nodes' free objects).  Context: CPU lock held.
 * Return: true if the alloc magazine has objects.
 */
static bool gus_refill(struct gus_cache *c, struct gus_cpu *pc)
{
	struct gus_stamp_check sc = { .d = c->domain, .once = true };
	int node = numa_mem_id();
	struct gus_mag *m;

	if (pc->alloc->count)
		return true;
	if (!gus_cache_is_smr(c) && pc->free->count) {
		swap(pc->alloc, pc->free);
		gus_cache_count(c, GUS_MAG_SWAP);
		return true;
	}
	m = gus_take_full(c, c->nodes[node], &sc);
	if (m) {
		gus_mag_put_empty(c, pc->alloc);
		pc->alloc = m;
		if (gus_cache_is_smr(c))
			gus_trim_queue(c, c->nodes[node], &sc);
		return true;
	}
	if (gus_cache_is_smr(c))
		gus_depot_collect(c, node, !sc.scanned);
	m = pc->alloc;
	m->count = gus_depot_get(c, node, m->objs, m->size);
	if (!m->count && gus_depot_spilling(c, node))
		m->count = gus_depot_get_remote(c, node, m->objs, m->size);
	if (!m->count)
		return false;
	gus_cache_count(c, GUS_DEPOT_REFILL);
	return true;
}

/*
 * Nothing to refill from: grow the depot by one slab, with the CPU lock
 * dropped, and let that slab fill the alloc magazine of whatever CPU we
 * are on then (unless an interrupt has filled it meanwhile).  Called with
 * the CPU lock held.
 * Return: 0, with the lock held and objects in this CPU's alloc magazine;
 * -ENOMEM, no slab, with the lock released; -EBUSY, with the lock
 * released and the slab in the depot, if the lock could not be taken
 * again (it cannot be: only a context that this one interrupted could
 * hold it, and then this one could not have taken it first).
 */
static int gus_grow_refill(struct gus_cache *c, gfp_t gfp)
{
	struct gus_slab *s;
	struct gus_cpu *pc;
	struct gus_mag *m;

	gus_cpu_put(this_cpu_ptr(c->cpu));
	s = gus_depot_grow(c, numa_mem_id(), gfp);
	if (!s)
		return -ENOMEM;
	if (WARN_ON_ONCE(!gus_cpu_get(c, &pc))) {
		gus_depot_add(c, s, NULL, 0);
		return -EBUSY;
	}
	m = pc->alloc;
	if (m->count) {		/* an interrupt refilled it meanwhile */
		gus_depot_add(c, s, NULL, 0);
		return 0;
	}
	m->count = gus_depot_add(c, s, m->objs, m->size);
	gus_cache_count(c, GUS_DEPOT_REFILL);
	return 0;
}

/* One object from @node's slabs, growing them by a slab if they have none. */
static void *gus_alloc_from_node(struct gus_cache *c, gfp_t gfp, int node)
{
	struct gus_slab *s;
	void *obj;

	if (gus_cache_is_smr(c))
		gus_depot_collect(c, node, true);
	if (gus_depot_get(c, node, &obj, 1))
		return obj;
	s = gus_depot_grow(c, node, gfp);
	if (!s)
		return NULL;
	return gus_depot_add(c, s, &obj, 1) ? obj : NULL;
}

/* Test hook: run in the alloc slow path, with this CPU's magazines held. */
void (*gus_cpu_held_hook)(struct gus_cache *c);
GUS_EXPORT_INTERNAL(gus_cpu_held_hook);

/*
 * This CPU's magazines are taken by the context we interrupted: serve the
 * allocation from the local node's slabs, without touching them.
 */
static noinline void *gus_alloc_busy(struct gus_cache *c, gfp_t gfp)
{
	void *obj;

	gus_cache_count(c, GUS_CPU_BUSY);
	obj = gus_alloc_from_node(c, gfp, numa_mem_id());
	if (!obj)
		gus_cache_count(c, GUS_ALLOC_FAILED);
	return obj;
}

/*
 * The alloc magazine is empty: refill it and pop.  Called with the CPU
 * lock held; returns with it released.  At most one slab is grown.
 */
static noinline void *gus_alloc_slow(struct gus_cache *c, gfp_t gfp)
{
	void (*hook)(struct gus_cache *c) = READ_ONCE(gus_cpu_held_hook);
	void *obj;
	int err = 0;

	if (unlikely(hook))
		hook(c);
	if (!gus_refill(c, this_cpu_ptr(c->cpu)))
		err = gus_grow_refill(c, gfp);
	if (err == -EBUSY)
		return gus_alloc_busy(c, gfp);
	if (err) {
		gus_cache_count(c, GUS_ALLOC_FAILED);
		return NULL;
	}
	gus_mag_pop(this_cpu_ptr(c->cpu)->alloc, &obj);	/* refilled: not empty */
	gus_cache_count(c, GUS_ALLOC_SLOW);
	gus_cpu_put(this_cpu_ptr(c->cpu));
	return obj;
}

/*
 * The fast path found the alloc magazine empty, and holds the CPU lock
 * still: open the stats and refill, without letting go of the lock to
 * start over.  @gfp is checked already (gus_alloc_plain() or
 * gus_gfp_check()).
 */
static noinline void *gus_alloc_empty(struct gus_cache *c, gfp_t gfp)
{
	gus_cpu_stats_open(this_cpu_ptr(c->cpu));
	return gus_alloc_slow(c, gfp);
}

/*
 * Pop an object from this CPU's alloc magazine, refilling it if it is
 * empty: the fast path's section, which counts nothing (the pop is read
 * off the magazine); the rest past the magazines or in gus_alloc_empty().
 */
static __always_inline void *gus_alloc_one(struct gus_cache *c, gfp_t gfp)
{
	struct gus_cpu __percpu *cpu = c->cpu;
	void *obj;

	if (unlikely(!gus_cpu_get_fast(cpu)))
		return gus_alloc_busy(c, gfp);
	if (unlikely(!gus_mag_pop(gus_raw_cpu_read(cpu->alloc), &obj)))
		return gus_alloc_empty(c, gfp);		/* releases the lock */
	gus_cpu_put_fast(cpu);
	return obj;
}

/* Debug caches: hand out only an object that passes the checks. */
static noinline void *gus_alloc_checked(struct gus_cache *c, gfp_t gfp,
					unsigned long caller)
{
	void *obj;

	do {
		obj = gus_alloc_one(c, gfp);
	} while (obj && !gus_debug_alloc(c, obj, caller));
	return obj;
}

/* Flags SLUB treats as a caller bug: reported once, then ignored. */
static noinline gfp_t gus_gfp_fixup(struct gus_cache *c, gfp_t gfp)
{
	gfp_t bad = gfp & GUS_GFP_NOT_FOR_SLAB;

	if (READ_ONCE(gus_quiet_misuse))
		pr_err("gusslab %s: unexpected gfp %#x (%pGg): ignored\n", c->name, bad, &bad);
	else
		WARN_ONCE(1, "gusslab %s: unexpected gfp %#x (%pGg): ignored\n",
			  c->name, bad, &bad);
	return gfp & ~GUS_GFP_NOT_FOR_SLAB;
}

static __always_inline gfp_t gus_gfp_check(struct gus_cache *c, gfp_t gfp)
{
	return unlikely(gfp & GUS_GFP_NOT_FOR_SLAB) ? gus_gfp_fixup(c, gfp) : gfp;
}

/*
 * Zero what is handed out: __GFP_ZERO, or init_on_alloc for a cache
 * without a constructor or poisoning (as SLUB's slab_want_init_on_alloc()).
 * The gfp test first: with init_on_alloc off the cache is not looked at.
 */
static __always_inline bool gus_want_zero(struct gus_cache *c, gfp_t gfp)
{
	if (unlikely(gfp & __GFP_ZERO))
		return true;
	/* want_init_on_alloc() without __GFP_ZERO: init_on_alloc alone. */
	return want_init_on_alloc(0) && !c->ctor && !(c->flags & GUS_CACHE_POISON);
}

/* What every object handed out gets, after the magazines; @obj may be NULL. */
static __always_inline void gus_alloc_hooks(struct gus_cache *c, void *obj, gfp_t gfp)
{
	if (gus_want_zero(c, gfp) && obj)
		memset(obj, 0, c->object_size);
	kmemleak_alloc(obj, c->object_size, 1, gfp);	/* ignores NULL */
}

/* What every object handed out gets, then its event; @obj may be NULL. */
static noinline void *gus_alloc_finish(struct gus_cache *c, void *obj, gfp_t gfp)
{
	gus_alloc_hooks(c, obj, gfp);
	trace_gus_alloc(c->name, obj);
	return obj;
}

/*
 * The whole allocation, past the fast path; @caller for debug caches.
 * The caller has called might_alloc().
 */
static noinline void *gus_alloc(struct gus_cache *c, gfp_t gfp, unsigned long caller)
{
	void *obj;

	gfp = gus_gfp_check(c, gfp);
	if (gus_cache_debug(c))
		obj = gus_alloc_checked(c, gfp, caller);
	else
		obj = gus_alloc_one(c, gfp);
	return gus_alloc_finish(c, obj, gfp);
}

/*
 * Whether objects popped need gus_alloc_finish(): init_on_alloc,
 * tracing, or kmemleak built in (the bulk alloc's test).
 */
static __always_inline bool gus_alloc_finishing(void)
{
	return want_init_on_alloc(0) || IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	       trace_gus_alloc_enabled();
}

/**
 * gus_cache_alloc() - allocate an object.
 * @c: the cache.
 * @gfp: GFP flags: GFP_KERNEL may sleep to get pages, GFP_ATOMIC and
 *       GFP_NOWAIT do not, __GFP_ZERO zeroes the object.
 *
 * Context: wherever kmalloc() may be called with @gfp: process, softirq,
 * and hardirq (interrupt handlers, hrtimer callbacks) with GFP_ATOMIC; not
 * from NMI, IPI or hard-hrtimer callbacks, which cannot take spinlock_t on
 * PREEMPT_RT.
 * Return: the object, or NULL if no page could be had.
 */
void *gus_cache_alloc(struct gus_cache *c, gfp_t gfp)
{
	/*
	 * The fast path, on one screen: a pop (gus_alloc_one()).  Everything
	 * else is a tail call, so that it saves no register; each exit is
	 * written out, so that no flag is carried across preempt_enable().
	 */
	might_alloc(gfp);
	if (unlikely(!gus_alloc_plain(c, gfp)))
		return gus_alloc(c, gfp, _RET_IP_);
	return gus_alloc_one(c, gfp);
}
EXPORT_SYMBOL_GPL(gus_cache_alloc);

/* Whether @node may be asked for: a node number that exists and is online. */
static bool gus_node_ok(struct gus_cache *c, int node)
{
	if (node >= 0 && node < nr_node_ids && node_online(node))
		return true;
	if (READ_ONCE(gus_quiet_misuse))
		pr_err("gusslab %s: node %d is not an online node\n", c->name, node);
	else
		WARN_ONCE(1, "gusslab %s: node %d is not an online node\n", c->name, node);
	return false;
}

/**
 * gus_cache_alloc_node() - allocate an object on a given NUMA node.
 * @c: the cache.
 * @gfp: as for gus_cache_alloc(); with __GFP_THISNODE a new slab must
 *       come from @node itself.
 * @node: the node, or NUMA_NO_NODE for the local one.
 *
 * The local node (or NUMA_NO_NODE) takes the magazines, as
 * gus_cache_alloc() does.  Another node's object comes from that node's
 * slabs, under its lock, without the magazines: a new slab is asked of
 * @node, and the page allocator may place it elsewhere when @node is full,
 * as for kmem_cache_alloc_node().
 *
 * Context: as for gus_cache_alloc().
 * Return: the object, or NULL if no memory could be had or @node is not
 * an online node (reported).
 */
void *gus_cache_alloc_node(struct gus_cache *c, gfp_t gfp, int node)
{
	void *obj;

	might_alloc(gfp);
	if (node == NUMA_NO_NODE || node == numa_mem_id())
		return gus_alloc(c, gfp, _RET_IP_);
	gfp = gus_gfp_check(c, gfp);
	if (!gus_node_ok(c, node)) {
		gus_cache_count(c, GUS_ALLOC_FAILED);
		return NULL;
	}
	do {
		obj = gus_alloc_from_node(c, gfp, node);
	} while (obj && gus_cache_debug(c) && !gus_debug_alloc(c, obj, _RET_IP_));
	gus_cache_count(c, obj ? GUS_ALLOC_NODE : GUS_ALLOC_FAILED);
	if (obj)
		gus_alloc_hooks(c, obj, gfp);
	trace_gus_alloc(c->name, obj);
	return obj;
}
EXPORT_SYMBOL_GPL(gus_cache_alloc_node);

/* ---- free ----------------------------------------------------------- */

/*
 * The free magazine is full: make room for @obj.  Context: CPU lock held.
 * Return: true if the free magazine has room now; false if @obj went
 * elsewhere (SMR, no magazine to be had: it waits in its slab).
 */
static bool gus_free_slow(struct gus_cache *c, struct gus_cpu *pc, void *obj)
{
	struct gus_mag *empty;

	gus_cache_count(c, GUS_FREE_SLOW);
	if (!gus_cache_is_smr(c) && !pc->alloc->count) {
		swap(pc->alloc, pc->free);
		gus_cache_count(c, GUS_MAG_SWAP);
		return true;
	}
	empty = gus_mag_get_empty(c);
	if (empty) {
		gus_queue_full(c, pc->free, numa_mem_id());
		pc->free = empty;
		return true;
	}
	/* No memory for a magazine: ordinary objects go to their slabs. */
	if (!gus_cache_is_smr(c)) {
		gus_mag_drain(c, pc->free);
		return true;
	}
	/* An SMR magazine cannot be emptied before its stamp, and we never wait. */
	gus_cache_count(c, GUS_FREE_DEFERRED);
	gus_depot_defer(c, obj);
	return false;
}

/*
 * What every free the cache accepts does, before the magazines.  kmemleak
 * hears only of objects of @c: without check_frees a foreign pointer gets
 * this far, and is reported when its magazine drains.
 */
static __always_inline void gus_free_hooks(struct gus_cache *c, void *obj)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && gus_obj_to_slab(c, obj))
		kmemleak_free(obj);
	if (gus_wipe_on_free(c) && !gus_cache_is_smr(c))
		memset(obj, 0, c->object_size);
}

/*
 * Whether @obj is another node's: it then goes straight home (the key is
 * on only where there can be several nodes).
 */
static __always_inline bool gus_obj_remote(const void *obj)
{
	return static_branch_unlikely(&gus_numa_key) &&
	       page_to_nid(virt_to_page(obj)) != numa_mem_id();
}

/*
 * Give @obj back to its slab @s: at once for an ordinary cache; for an SMR
 * cache once its goal is reached (gus_depot_defer()).  Never waits.
 */
static void gus_free_home(struct gus_cache *c, struct gus_slab *s, void *obj)
{
	if (gus_cache_is_smr(c))
		gus_depot_defer(c, obj);
	else
		gus_depot_put_one(c, s, obj);
}

/*
 * Free @obj to its own slab, past this CPU's magazines: an object freed
 * while the context we interrupted holds them (GUS_CPU_BUSY).
 */
static noinline void gus_free_to_slab(struct gus_cache *c, void *obj)
{
	struct gus_slab *s = gus_obj_to_slab(c, obj);

	if (!s) {
		gus_cache_report(c, obj, "not an object of this cache");
		return;
	}
	gus_free_hooks(c, obj);
	gus_cache_count(c, GUS_CPU_BUSY);
	gus_free_home(c, s, obj);
}

/*
 * Queue this CPU's remote magazine on its objects' node's ring.  Context:
 * CPU lock held, or the CPU is dead, or the cache is being destroyed.
 */
static void gus_remote_flush(struct gus_cache *c, struct gus_cpu *pc)
{
	struct gus_mag *m = pc->remote;

	if (!m)
		return;
	WRITE_ONCE(pc->remote, NULL);	/* read by gus_cache_usage() */
	if (m->count)
		gus_queue_full(c, m, pc->remote_node);
	else
		gus_mag_put_empty(c, m);
}

/*
 * Another node's @obj (GUS_FREE_REMOTE), freed under this CPU's lock: into
 * the CPU's remote magazine for its node, never into the magazines this
 * node allocates from, so that only its own node reuses it.
 */
static noinline void gus_free_remote(struct gus_cache *c, struct gus_cpu *pc, void *obj)
{
	struct gus_slab *s = gus_obj_to_slab(c, obj);
	struct gus_mag *m;

	if (!s) {
		gus_cache_report(c, obj, "not an object of this cache");
		return;
	}
	m = pc->remote;
	/* The same object twice in a row, as on the free magazine. */
	if (unlikely(m && gus_mag_top(m, m->count) == obj)) {
		gus_cache_report(c, obj, "double free");
		return;
	}
	gus_free_hooks(c, obj);
	gus_cache_count(c, GUS_FREE_REMOTE);
	if (m && pc->remote_node != s->node)
		gus_remote_flush(c, pc);
	m = pc->remote;
	if (!m) {
		m = gus_mag_get_empty(c);
		if (!m) {		/* no memory for one: to its slab */
			gus_free_home(c, s, obj);
			return;
		}
		pc->remote_node = s->node;
		WRITE_ONCE(pc->remote, m);
	}
	m->objs[m->count++] = obj;
	if (m->count == m->size)
		gus_remote_flush(c, pc);
}

/*
 * The free magazine is full: gus_free_slow(), then @obj on the magazine
 * if it has room.  Called with the CPU lock held; returns with it released.
 */
static noinline void gus_free_full(struct gus_cache *c, struct gus_cpu *pc, void *obj)
{
	struct gus_mag *m;

	if (gus_free_slow(c, pc, obj)) {
		m = pc->free;
		m->objs[m->count++] = obj;
	}
	gus_cpu_put(pc);
}

/*
 * The fast path found the free magazine full, and holds the CPU lock
 * still: open the stats and go on as gus_free_full().  @obj passed
 * gus_free_plain() and the double-free compare: nothing else to check.
 */
static noinline void gus_free_room(struct gus_cache *c, void *obj)
{
	struct gus_cpu *pc = this_cpu_ptr(c->cpu);

	gus_cpu_stats_open(pc);
	gus_free_full(c, pc, obj);
}

/*
 * Push @obj on this CPU's free magazine, unless it is the object freed
 * last (reported): the fast path's section, entered with
 * gus_cpu_get_fast(), left here; @hooks for gus_free_hooks() (the fast
 * path has none to run).  The push counts nothing: it is read off the
 * magazine.  A full magazine goes to gus_free_room().
 */
static __always_inline void gus_free_push(struct gus_cache *c, struct gus_cpu __percpu *cpu,
					  void *obj, bool hooks)
{
	struct gus_mag *m = gus_raw_cpu_read(cpu->free);
	unsigned long n = m->count;

	/* The same object twice in a row: caught here, for one compare. */
	if (unlikely(gus_mag_top(m, n) == obj)) {
		gus_cpu_put_fast(cpu);
		gus_cache_report(c, obj, "double free");
		return;
	}
	if (hooks)
		gus_free_hooks(c, obj);
	if (unlikely(n >= m->size)) {
		gus_free_room(c, obj);		/* releases the lock */
		return;
	}
	m->objs[n] = obj;
	m->count = n + 1;
	gus_cpu_put_fast(cpu);
}

/*
 * The whole free, past the fast path: @obj checked, then pushed on this
 * CPU's free magazine or sent where it must go; @caller for debug caches.
 */
static noinline void gus_free_obj(struct gus_cache *c, void *obj, unsigned long caller)
{
	struct gus_cpu __percpu *cpu = c->cpu;

	if (unlikely(!obj))
		return;
	trace_gus_free(c->name, obj);
	if (gus_cache_debug(c)) {
		if (!gus_debug_free(c, obj, caller))
			return;
	} else if (gus_free_refused(c, obj)) {
		gus_cache_report(c, obj, "not an object of this cache");
		return;
	}
	if (unlikely(!gus_cpu_get_fast(cpu))) {
		gus_free_to_slab(c, obj);
		return;
	}
	if (gus_obj_remote(obj)) {	/* the remote magazine: no count to fold */
		gus_free_remote(c, this_cpu_ptr(cpu), obj);
		gus_cpu_put_fast(cpu);
		return;
	}
	gus_free_push(c, cpu, obj, true);
}

/*
 * The fast path, a push, if @obj is not NULL, no context we interrupted
 * holds the magazines, the free one has room and @obj is not the object
 * freed last; everything else in gus_free_obj(), a tail call.
 */
static __always_inline void gus_free_fast(struct gus_cache *c, void *obj,
					  unsigned long caller)
{
	struct gus_cpu __percpu *cpu;

	if (unlikely(!obj))
		return;		/* c not looked at: gus_cache_free(NULL, NULL) is fine */
	cpu = c->cpu;
	if (unlikely(!gus_free_plain(c)) || unlikely(!gus_cpu_get_fast(cpu))) {
		gus_free_obj(c, obj, caller);
		return;
	}
	gus_free_push(c, cpu, obj, false);
}

/**
 * gus_cache_free() - free an object.
 * @c: the cache it came from.
 * @obj: the object, or NULL.
 *
 * In an SMR cache the object is reused only after every GUS section that
 * could see it has ended; until then it keeps its contents.
 *
 * Context: as for gus_cache_alloc() with GFP_ATOMIC.
 */
void gus_cache_free(struct gus_cache *c, void *obj)
{
	gus_free_fast(c, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(gus_cache_free);

/* Foreign pointers given to gus_free() or gus_ksize(). */
atomic_long_t gus_foreign_reports = ATOMIC_LONG_INIT(0);
GUS_EXPORT_INTERNAL(gus_foreign_reports);

/* The cache @obj is an object of; otherwise NULL, reported. */
static struct gus_cache *gus_obj_cache(const void *obj, const char *fn)
{
	struct gus_slab *s = gus_page_slab(obj);
	struct gus_cache *c = s ? READ_ONCE_NOCHECK(s->cache) : NULL;

	if (c && gus_slab_holds(c, s, obj))
		return c;
	if (c) {		/* inside a slab of ours, not at an object */
		gus_cache_report(c, obj, "not the start of an object");
		return NULL;
	}
	atomic_long_inc(&gus_foreign_reports);
	if (READ_ONCE(gus_quiet_misuse))
		pr_err("BUG gusslab: %s(%p): not a gusslab object\n", fn, obj);
	else
		WARN(1, "BUG gusslab: %s(%p): not a gusslab object\n", fn, obj);
	return NULL;
}

/**
 * gus_free() - free an object of any cache, found from the pointer.
 * @obj: the object, NULL or ZERO_SIZE_PTR.
 *
 * As gus_cache_free() on the object's cache, which the object's slab
 * names.  A pointer that is not the start of an object of some gusslab
 * cache is refused with a report and not freed.
 *
 * Context: as for gus_cache_free().
 */
void gus_free(const void *obj)
{
	struct gus_cache *c;

	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	c = gus_obj_cache(obj, "gus_free");
	if (c)
		gus_free_fast(c, (void *)obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(gus_free);

/**
 * gus_ksize() - the usable size of an object of any cache.
 * @obj: the object.
 *
 * Context: any context.
 * Return: the object size of @obj's cache; 0 for NULL and ZERO_SIZE_PTR,
 * and, reported, for a pointer that is not the start of a gusslab object.
 */
size_t gus_ksize(const void *obj)
{
	struct gus_cache *c;

	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return 0;
	c = gus_obj_cache(obj, "gus_ksize");
	return c ? c->object_size : 0;
}
EXPORT_SYMBOL_GPL(gus_ksize);

/* Debug caches: gus_alloc_checked() for each, all or nothing. */
static noinline bool gus_alloc_bulk_checked(struct gus_cache *c, gfp_t gfp,
					    size_t n, void **p, unsigned long caller)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = gus_alloc_checked(c, gfp, caller);
		if (!p[i]) {
			gus_cache_free_bulk(c, i, p);
			return false;
		}
		gus_alloc_hooks(c, p[i], gfp);
		trace_gus_alloc(c->name, p[i]);
	}
	return true;
}

/**
 * gus_cache_alloc_bulk() - allocate @n objects.
 * @c: the cache.
 * @gfp: as for gus_cache_alloc().
 * @n: how many.
 * @p: where to store them.
 *
 * Context: as for gus_cache_alloc().
 * Return: @n, or 0 (and nothing allocated) if memory ran out.
 */
int gus_cache_alloc_bulk(struct gus_cache *c, gfp_t gfp, size_t n, void **p)
{
	struct gus_cpu *pc;
	struct gus_mag *m;
	size_t i = 0, j, k;
	int err;

	might_alloc(gfp);
	gfp = gus_gfp_check(c, gfp);
	if (gus_cache_debug(c)) {	/* each object checked on its own */
		return gus_alloc_bulk_checked(c, gfp, n, p, _RET_IP_) ? n : 0;
	}
	if (unlikely(!gus_cpu_get(c, &pc)))
		goto busy;
	for (;;) {
		pc = this_cpu_ptr(c->cpu);
		m = pc->alloc;
		k = min_t(size_t, n - i, m->count);	/* a run off the magazine */
		for (j = 0; j < k; j++)
			p[i + j] = m->objs[m->count - 1 - j];
		m->count -= k;
		i += k;
		gus_cpu_fast_n(pc, GUS_ALLOC_FAST, k);
		if (i == n)
			break;
		err = gus_refill(c, pc) ? 0 : gus_grow_refill(c, gfp);
		if (err == -EBUSY)
			goto busy;
		if (err) {
			gus_cache_count(c, GUS_ALLOC_FAILED);
			goto failed;
		}
		gus_cache_count(c, GUS_ALLOC_SLOW);
	}
	gus_cpu_put(this_cpu_ptr(c->cpu));
	goto done;
busy:				/* the rest from the slabs, past the magazines */
	for (; i < n; i++) {
		p[i] = gus_alloc_busy(c, gfp);
		if (!p[i])
			goto failed;
	}
done:
	if (gus_alloc_finishing() || gus_want_zero(c, gfp))
		for (j = 0; j < n; j++)
			gus_alloc_finish(c, p[j], gfp);
	return n;
failed:
	for (j = 0; j < i; j++)		/* handed out, as far as frees go */
		gus_alloc_finish(c, p[j], gfp);
	gus_cache_free_bulk(c, i, p);
	return 0;
}
EXPORT_SYMBOL_GPL(gus_cache_alloc_bulk);

/**
 * gus_cache_free_bulk() - free @n objects.
 * @c: the cache.
 * @n: how many.
 * @p: the objects (NULL entries are skipped).
 *
 * Context: any context.
 */
void gus_cache_free_bulk(struct gus_cache *c, size_t n, void **p)
{
	unsigned long fast = 0;
	struct gus_cpu *pc;
	struct gus_mag *m;
	size_t i = 0;
	void *obj;

	/* Debug caches check each object on their own; a busy CPU too. */
	if (gus_cache_debug(c) || unlikely(!gus_cpu_get(c, &pc)))
		goto one_by_one;
	for (; i < n; i++) {
		obj = p[i];
		if (!obj)
			continue;
		trace_gus_free(c->name, obj);
		if (gus_free_refused(c, obj)) {
			gus_cache_report(c, obj, "not an object of this cache");
			continue;
		}
		if (gus_obj_remote(obj)) {
			gus_free_remote(c, pc, obj);
			continue;
		}
		m = pc->free;
		if (unlikely(gus_mag_top(m, m->count) == obj)) {
			gus_cache_report(c, obj, "double free");
			continue;
		}
		gus_free_hooks(c, obj);
		if (unlikely(m->count == m->size)) {	/* move it on, as gus_free_full() */
			if (!gus_free_slow(c, pc, obj))
				continue;		/* SMR, no magazine: in its slab */
			m = pc->free;
		} else {
			fast++;
		}
		m->objs[m->count++] = obj;
	}
	gus_cpu_fast_n(pc, GUS_FREE_FAST, fast);
	gus_cpu_put(pc);
one_by_one:
	for (; i < n; i++)
		gus_free_obj(c, p[i], _RET_IP_);
}
EXPORT_SYMBOL_GPL(gus_cache_free_bulk);

/* ---- shrinking, hotplug, teardown ----------------------------------- */

/*
 * Empty a CPU's magazines into the queue of its @node and the depot, and
 * queue its remote magazine on its objects' node.  The caller keeps
 * everyone else off them: the CPU lock for this CPU, or the CPU is dead,
 * or the cache is being destroyed.  @spare, an empty magazine or NULL,
 * takes the place of an SMR cache's free magazine, which waits for its
 * stamp in the queue (without one, one from the spare pool does); if it
 * is not needed, it goes to the pool.
 */
static void gus_flush_mags(struct gus_cache *c, struct gus_cpu *pc, int node,
			   struct gus_mag *spare)
{
	gus_remote_flush(c, pc);
	gus_mag_drain(c, pc->alloc);
	if (pc->free->count && !gus_cache_is_smr(c)) {
		gus_mag_drain(c, pc->free);
	} else if (pc->free->count) {
		if (!spare)
			spare = gus_mag_get_empty(c);
		if (spare) {
			gus_queue_full(c, pc->free, node);
			pc->free = spare;
			return;
		}
	}
	if (spare)
		gus_mag_put_empty(c, spare);
}

/* An empty magazine for gus_flush_mags(), SMR caches only. */
static struct gus_mag *gus_flush_spare(struct gus_cache *c, gfp_t gfp)
{
	return gus_cache_is_smr(c) ? gus_mag_alloc(c, gfp) : NULL;
}

/* Runs on each CPU in a bound kworker: process context, as locks want. */
static long gus_flush_local(void *arg)
{
	struct gus_cache *c = arg;
	struct gus_cpu *pc;

	/* A task: no context it interrupted can hold the lock. */
	if (WARN_ON_ONCE(!gus_cpu_get(c, &pc)))
		return -EBUSY;
	gus_flush_mags(c, pc, numa_mem_id(), gus_flush_spare(c, GFP_ATOMIC | __GFP_NOWARN));
	gus_cpu_put(pc);
	return 0;
}

/**
 * gus_cache_reclaim() - move reusable queued magazines into the depot.
 * @c: the cache.
 * @wait: SMR: wait until every queued stamp is reached (may sleep).
 *
 * Context: any context if !@wait; process context otherwise.
 * Return: the number of magazines drained.
 */
unsigned long gus_cache_reclaim(struct gus_cache *c, bool wait)
{
	struct gus_stamp_check sc = { .d = c->domain };
	bool smr = gus_cache_is_smr(c);
	unsigned long n = 0;
	struct gus_node *gn;
	struct gus_mag *m;
	int node;

	if (smr && wait)
		gus_synchronize(c->domain);	/* every stamp so far is reached */
	for_each_node(node) {
		gn = c->nodes[node];
		while (!gus_pop_full(c, gn, &m, &sc)) {
			gus_mag_drain(c, m);
			gus_mag_put_empty(c, m);
			n++;
		}
		while ((m = gus_overflow_take(c, gn, &sc))) {
			gus_mag_drain(c, m);
			gus_mag_put_empty(c, m);
			n++;
		}
		if (smr)
			gus_depot_collect(c, node, true);
	}
	return n;
}

GUS_EXPORT_INTERNAL(gus_cache_reclaim);

/**
 * gus_cache_shrink() - give back every page the cache can spare now.
 * @c: the cache.
 *
 * Flushes every CPU's magazines, drains the queued magazines whose
 * objects are reusable (for SMR caches: whose stamps are reached), and
 * returns all empty slabs to the page allocator.
 *
 * Context: process context; may sleep.
 */
void gus_cache_shrink(struct gus_cache *c)
{
	int cpu;

	might_sleep();
	cpus_read_lock();
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, gus_flush_local, c);
	cpus_read_unlock();
	gus_cache_reclaim(c, false);
	gus_depot_shrink(c, ULONG_MAX);
}
EXPORT_SYMBOL_GPL(gus_cache_shrink);

/*
 * gus_flush_mags() for a CPU that runs nothing: dead, or the cache going.
 * The spare magazine is allocated first: a reader of the stats waits
 * while they are open, so nothing between open and close may sleep.
 */
static void gus_flush_idle(struct gus_cache *c, int cpu)
{
	struct gus_mag *spare = gus_flush_spare(c, GFP_KERNEL);
	struct gus_cpu *pc = per_cpu_ptr(c->cpu, cpu);

	gus_cpu_stats_open(pc);
	gus_flush_mags(c, pc, cpu_to_mem(cpu), spare);
	gus_cpu_stats_close(pc);
}

static int gus_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	gus_flush_idle(hlist_entry(node, struct gus_cache, cpuhp), cpu);
	return 0;
}

/* ---- creation and destruction --------------------------------------- */

static unsigned int gus_mag_size_for(unsigned int size)
{
	if (size <= 128)
		return 64;
	if (size <= 512)
		return 32;
	if (size <= 2048)
		return 16;
	if (size <= 8192)
		return 8;
	return 4;
}

/* The header with its bitmaps (free[], and for SMR caches pending[]). */
static unsigned int gus_hdr_size(struct gus_cache *c, unsigned int objects)
{
	unsigned int bitmaps = gus_cache_is_smr(c) ? 2 : 1;

	return struct_size_t(struct gus_slab, free, bitmaps * BITS_TO_LONGS(objects));
}

/* Lay out a slab of @order: c->objects, c->offset and c->hdr_size. */
static void gus_cache_layout(struct gus_cache *c, unsigned int order)
{
	unsigned long bytes = PAGE_SIZE << order;
	unsigned int objects;

	if (c->off_slab) {
		c->offset = ALIGN(c->red_left, c->align);  /* the first left red zone */
		objects = bytes > c->offset ? (bytes - c->offset) / c->size : 0;
		c->hdr_size = gus_hdr_size(c, objects);
	} else {
		objects = (bytes - sizeof(struct gus_slab)) / c->size;
		c->hdr_size = gus_hdr_size(c, objects);
		c->offset = ALIGN(c->hdr_size + c->red_left, c->align);
		objects = (bytes - c->offset) / c->size;
	}
	c->order = order;
	c->objects = objects;
}

/*
 * Object size, slab order and layout: the smallest order (up to
 * GUS_MAX_ORDER) that holds at least 8 objects and wastes at most 1/8,
 * else GUS_MAX_ORDER.  Objects larger than GUS_OFF_SLAB_SIZE keep the
 * header off the slab, where it would cost a whole object.  The fallback,
 * c->min_order, is the least order that holds one object in the same
 * layout.  Return: 0, or -EINVAL if no slab holds one object (debug
 * metadata may push an object past GUS_MAX_SIZE).
 */
static int gus_cache_geometry(struct gus_cache *c)
{
	unsigned int order;
	unsigned long bytes;

	c->size = gus_debug_layout(c);
	c->off_slab = c->size > GUS_OFF_SLAB_SIZE;
	for (order = 0; order <= GUS_MAX_ORDER; order++) {
		gus_cache_layout(c, order);
		bytes = PAGE_SIZE << order;
		if (c->objects >= 8 &&
		    (bytes - c->offset - c->objects * c->size) * 8 <= bytes)
			break;
		if (order == GUS_MAX_ORDER)
			break;
	}
	if (!c->objects)
		return -EINVAL;
	for (order = 0; order < c->order; order++)
		if (c->offset + c->size <= PAGE_SIZE << order)
			break;
	c->min_order = order;
	c->min_objects = ((PAGE_SIZE << order) - c->offset) / c->size;
	c->size_recip = reciprocal_value(c->size);
	c->mag_size = gus_mag_size_for(c->size);
	c->overflow_max = min_t(unsigned int, GUS_OVERFLOW_OBJS,
				GUS_OVERFLOW_BYTES / c->size) / c->mag_size;
	return 0;
}

/*
 * CONFIG_SLAB_FREELIST_RANDOM: the order in which objects leave a slab, a
 * random permutation of the cache's slots (each slab starts at a random
 * place in it).  Return: 0, or -ENOMEM.
 */
static int gus_cache_random_seq(struct gus_cache *c)
{
	unsigned int i, j;

	if (!IS_ENABLED(CONFIG_SLAB_FREELIST_RANDOM) || c->objects < 2)
		return 0;
	c->random_seq = kcalloc(c->objects, sizeof(*c->random_seq), GFP_KERNEL);
	if (!c->random_seq)
		return -ENOMEM;
	for (i = 0; i < c->objects; i++)
		c->random_seq[i] = i;
	for (i = c->objects - 1; i > 0; i--) {	/* Fisher-Yates */
		j = get_random_u32() % (i + 1);
		swap(c->random_seq[i], c->random_seq[j]);
	}
	return 0;
}

static bool gus_cache_args_ok(const char *name, unsigned int size,
			      const struct gus_cache_args *args,
			      unsigned int flags)
{
	unsigned int align = args->align;

	if (!name || !*name || strlen(name) >= sizeof_field(struct gus_cache, name) ||
	    strchr(name, '/')) {
		pr_err("gusslab: invalid cache name '%s' (1..%zu bytes, no '/')\n",
		       name ?: "(null)", sizeof_field(struct gus_cache, name) - 1);
		return false;
	}
	if (!size || size > GUS_MAX_SIZE) {
		pr_err("gusslab: cache %s: size %u is not in 1..%lu\n",
		       name, size, (unsigned long)GUS_MAX_SIZE);
		return false;
	}
	if (align && (!is_power_of_2(align) || align > PAGE_SIZE)) {
		pr_err("gusslab: cache %s: alignment %u is not a power of two up to %lu\n",
		       name, align, PAGE_SIZE);
		return false;
	}
	if (flags & ~GUS_CACHE_FLAGS) {
		pr_err("gusslab: cache %s: unknown flags %#x\n", name, flags & ~GUS_CACHE_FLAGS);
		return false;
	}
	if (args->domain && !(flags & GUS_CACHE_SMR)) {
		pr_err("gusslab: cache %s: a domain (%s) without GUS_CACHE_SMR\n",
		       name, args->domain->name);
		return false;
	}
	return true;
}

static struct gus_cache *gus_cache_find_locked(const char *name)
{
	struct gus_cache *c;

	lockdep_assert_held(&gus_caches_lock);
	list_for_each_entry(c, &gus_caches, list)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Free what gus_cache_create() set up; the depot must hold no object. */
static void gus_cache_free_parts(struct gus_cache *c)
{
	struct gus_cpu *pc;
	int cpu, node;
	void *m;

	if (c->cpu) {
		for_each_possible_cpu(cpu) {
			pc = per_cpu_ptr(c->cpu, cpu);
			kfree(pc->alloc);
			kfree(pc->free);
			kfree(pc->remote);	/* NULL once flushed */
		}
	}
	for_each_node(node) {
		if (!c->nodes || !c->nodes[node] || !c->nodes[node]->ring)
			continue;
		while (!gus_ring_pop(c->nodes[node]->ring, &m))
			kfree(m);
		gus_ring_destroy(c->nodes[node]->ring);
	}
	while (c->empty && !gus_ring_pop(c->empty, &m))
		kfree(m);
	gus_ring_destroy(c->empty);
	gus_depot_exit(c);
	kfree(c->random_seq);
	free_percpu(c->cpu);
	if (c->domain) {
		gus_domain_detach(c->domain, &c->user);
		if (c->own_domain)
			gus_domain_destroy(c->domain);
	}
	if (c->flags & GUS_CACHE_DEBUG)
		gus_slow_keys_debug_put();
	kfree_rcu(c, rcu);	/* a debug report may be reading its name */
}

static int gus_cache_init_parts(struct gus_cache *c)
{
	unsigned int cap = roundup_pow_of_two(max(4 * num_possible_cpus(), 16U));
	struct gus_node *gn;
	struct gus_cpu *pc;
	int cpu, node;

	c->cpu = alloc_percpu(struct gus_cpu);
	if (!c->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(c->cpu, cpu);
		gus_cpu_lock_init(&pc->lock);
		pc->alloc = gus_mag_alloc(c, GFP_KERNEL);
		pc->free = gus_mag_alloc(c, GFP_KERNEL);
		if (!pc->alloc || !pc->free)
			return -ENOMEM;
	}
	c->empty = gus_ring_create(cap, GFP_KERNEL);
	if (!c->empty)
		return -ENOMEM;
	if (gus_cache_is_smr(c) && !c->domain) {
		c->domain = gus_domain_create(c->name, 0);
		if (!c->domain)
			return -EINVAL;
		c->own_domain = true;
	}
	if (c->domain)
		gus_domain_attach(c->domain, &c->user);
	if (gus_cache_random_seq(c) || gus_depot_init(c))
		return -ENOMEM;
	for_each_node(node) {
		gn = c->nodes[node];
		spin_lock_init(&gn->overflow_lock);
		INIT_LIST_HEAD(&gn->overflow);
		gn->ring = gus_ring_create(cap, GFP_KERNEL);
		if (!gn->ring)
			return -ENOMEM;
	}
	return 0;
}

/**
 * gus_cache_create_args() - create a cache.
 * @name: a unique name of at most 31 bytes, without '/'.
 * @size: object size, 1 to GUS_MAX_SIZE (PAGE_SIZE << 3) bytes.
 * @args: alignment, constructor and domain (struct gus_cache_args), or
 *        NULL for none of them.
 * @flags: GUS_CACHE_SMR, GUS_CACHE_HWCACHE_ALIGN, debug flags.
 *
 * @args->align is the required alignment (a power of two) or 0; objects
 * are at least pointer-aligned, and cache-line aligned with
 * GUS_CACHE_HWCACHE_ALIGN.  @args->ctor runs once on each object when its
 * slab is created (objects are type-stable: it does not run again on
 * reuse).  An SMR cache reclaims through @args->domain if given, in
 * whatever mode that domain has, and holds it until the cache is
 * destroyed; otherwise it gets a default-mode domain of its own, named
 * @name.  gus_cache_domain() returns the domain either way.
 *
 * Context: process context; may sleep.
 * Return: the cache, or NULL (with the reason logged) for an invalid or
 * duplicate argument, a domain without GUS_CACHE_SMR, or when memory runs
 * out.
 */
struct gus_cache *gus_cache_create_args(const char *name, unsigned int size,
					const struct gus_cache_args *args,
					unsigned int flags)
{
	static const struct gus_cache_args none;
	struct gus_cache *c;

	args = args ?: &none;
	if (!gus_cache_args_ok(name, size, args, flags))
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	strscpy(c->name, name, sizeof(c->name));
	c->object_size = size;
	c->flags = gus_debug_flags(name, flags, args->ctor);
	c->ctor = args->ctor;
	c->domain = args->domain;
	c->user.name = c->name;
	INIT_LIST_HEAD(&c->user.node);
	c->align = max_t(unsigned int, args->align, sizeof(void *));
	if (flags & GUS_CACHE_HWCACHE_ALIGN)
		c->align = max_t(unsigned int, c->align, cache_line_size());
	if (gus_cache_geometry(c)) {
		pr_err("gusslab: cache %s: %u-byte objects with their debug metadata do not fit a slab of %lu bytes\n",
		       name, size, (unsigned long)GUS_MAX_SIZE);
		kfree(c);
		return NULL;
	}
	if (c->flags & GUS_CACHE_DEBUG)
		gus_slow_keys_debug_get();	/* put: gus_cache_free_parts() */

	mutex_lock(&gus_caches_lock);
	if (gus_cache_find_locked(name)) {
		mutex_unlock(&gus_caches_lock);
		pr_err("gusslab: cache %s already exists\n", name);
		gus_cache_free_parts(c);
		return NULL;
	}
	if (gus_cache_init_parts(c)) {
		mutex_unlock(&gus_caches_lock);
		pr_err("gusslab: cache %s: cannot set up (out of memory?)\n", name);
		gus_cache_free_parts(c);
		return NULL;
	}
	list_add_tail_rcu(&c->list, &gus_caches);
	gus_cache_debugfs_add(c);
	cpuhp_state_add_instance_nocalls(gus_cpuhp_state, &c->cpuhp);
	mutex_unlock(&gus_caches_lock);
	return c;
}
EXPORT_SYMBOL_GPL(gus_cache_create_args);

/**
 * gus_cache_create() - create a cache without a caller's domain.
 * @name: a unique name of at most 31 bytes, without '/'.
 * @size: object size, 1 to GUS_MAX_SIZE (PAGE_SIZE << 3) bytes.
 * @align: required alignment (a power of two) or 0.
 * @flags: GUS_CACHE_SMR, GUS_CACHE_HWCACHE_ALIGN, debug flags.
 * @ctor: constructor, or NULL.
 *
 * gus_cache_create_args() with @align and @ctor and no domain: an SMR
 * cache gets a domain of its own, named @name.
 *
 * Context: process context; may sleep.
 * Return: the cache, or NULL (with the reason logged).
 */
struct gus_cache *gus_cache_create(const char *name, unsigned int size,
				   unsigned int align, unsigned int flags,
				   void (*ctor)(void *))
{
	struct gus_cache_args args = { .align = align, .ctor = ctor };

	return gus_cache_create_args(name, size, &args, flags);
}
EXPORT_SYMBOL_GPL(gus_cache_create);

/**
 * gus_cache_destroy() - destroy a cache.
 * @c: the cache, or NULL.
 *
 * Every magazine is drained (SMR: after waiting for its stamp) and every
 * page freed.  Objects still allocated are a caller bug: they are counted
 * and the first few named (with their callers if recorded), and the cache
 * with all its pages is left in place (unlisted) rather than freed under a
 * user.  Slabs holding quarantined objects of a debug cache are never
 * freed: whoever damaged them may write again.
 *
 * Context: process context; may sleep.  Nobody may use @c concurrently.
 */
void gus_cache_destroy(struct gus_cache *c)
{
	unsigned long live, quarantined;
	int cpu;

	if (!c)
		return;
	might_sleep();
	mutex_lock(&gus_caches_lock);
	cpuhp_state_remove_instance_nocalls(gus_cpuhp_state, &c->cpuhp);
	list_del_rcu(&c->list);
	gus_cache_debugfs_remove(c);
	mutex_unlock(&gus_caches_lock);

	for_each_possible_cpu(cpu)
		gus_flush_idle(c, cpu);
	gus_cache_reclaim(c, true);
	quarantined = atomic_long_read(&c->quarantined);
	live = gus_depot_live(c) - quarantined;
	if (live) {
		gus_cache_report(c, NULL, "destroyed with objects still allocated");
		pr_err("gusslab %s: %lu objects still allocated; the cache and its pages are kept\n",
		       c->name, live);
		gus_depot_report_leaks(c, 8);
		kmemleak_not_leak(c);	/* kept on purpose: not a leak of ours */
		return;
	}
	if (quarantined)
		pr_err("gusslab %s: %lu quarantined objects: their %lu slabs are never given back\n",
		       c->name, quarantined, gus_depot_abandon(c));
	gus_cache_free_parts(c);
}
EXPORT_SYMBOL_GPL(gus_cache_destroy);

/**
 * gus_cache_domain() - the GUS domain of an SMR cache.
 * @c: the cache.
 *
 * Readers of objects from @c bracket their accesses with gus_enter() and
 * gus_exit() on this domain (or, for a GUS_LAZY domain, with any RCU
 * reader).  It is the domain passed in struct gus_cache_args, or the
 * cache's own.
 *
 * Context: any context.
 * Return: the domain, or NULL if @c is not an SMR cache.
 */
struct gus_domain *gus_cache_domain(struct gus_cache *c)
{
	return c->domain;
}
EXPORT_SYMBOL_GPL(gus_cache_domain);

int gus_caches_init(void)
{
	int ret;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "gusslab:dead",
				      NULL, gus_cpu_dead);
	if (ret < 0)
		return ret;
	gus_cpuhp_state = ret;
	if (num_possible_nodes() > 1)
		static_branch_enable(&gus_numa_key);
	gus_slow_keys_init();
	return 0;
}

void gus_caches_exit(void)
{
	gus_slow_keys_exit();
	cpuhp_remove_multi_state(gus_cpuhp_state);
}
