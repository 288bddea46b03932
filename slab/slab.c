// SPDX-License-Identifier: GPL-2.0
/*
 * The depot: slab pages behind the magazines.
 *
 * A slab is a block of 2^order pages from the page allocator, a compound
 * page if order > 0.  Its struct gus_slab header (magic, cache, node,
 * order, in-use count, and a bitmap with one set bit per free object) sits
 * at the start of the pages, or, for objects larger than GUS_OFF_SLAB_SIZE
 * (where it would cost a whole object), in a kmalloc'ed block of its own.
 * The objects follow at base + c->offset, c->size apart.
 *
 * Finding an object's slab.  The head page's private field points to the
 * header, and the header's base back to the head page, so any pointer into
 * any page of a slab finds it through virt_to_head_page(), whatever the
 * slab's order: a cache may mix slabs of two orders.  A pointer is ours
 * only if both links agree, the header carries our magic and cache, and
 * the offset falls on an object start.  The head page's private field is
 * read before the header, so a foreign page (whose private field is 0, a
 * buddy order, or another owner's pointer) is refused without reading
 * memory that may not be mapped.
 *
 * Orders.  c->order is chosen at creation (slab/cache.c), and c->min_order
 * is the least order that holds one object.  A growth first asks for
 * c->order without retrying hard; if that fails, it falls back to
 * c->min_order with the caller's flags, as SLUB does, and counts an
 * order_fallback.  Each slab records its own order and object count.
 *
 * No metadata lives inside free objects, so a use-after-free write cannot
 * redirect the allocator, and SMR readers see freed objects untouched.
 *
 * Each NUMA node has partial, full and empty lists under its own lock.
 * A freed object goes back to its own slab, whatever node frees it: an
 * object freed on another node's CPU skips the magazines (slab/cache.c)
 * and goes straight to its slab, or for an SMR cache to its slab's
 * pending bitmap, so it is reused on its own node.  Empty slabs stay until
 * gus_depot_shrink() returns them to the page allocator.
 *
 * NUMA policy.  A refill takes objects from the local node's slabs.  When
 * they are gone it grows the depot by one slab, asking the page allocator
 * for the local node; the allocator may fall back to another node (the
 * local one is full), and whatever node the slab is on, it serves the
 * refill that grew it: one slab per refill at most, never a loop of
 * growths that the refill cannot use.  A slab that came from another node
 * marks the local node as spilling, and while it spills, refills that
 * find the local node empty first take the objects already free on other
 * nodes, as SLUB's get_any_partial() does, so that a full node does not
 * make the cache grow by a slab per magazine.
 *
 * Deferred objects (SMR caches).  A free that finds no magazine and no
 * memory for one must still not wait for readers.  The object then goes
 * to its slab's pending bitmap (after the free bitmap, in the header),
 * and the slab takes a goal from gus_advance() that covers every pending
 * object: goals are taken under the node lock, so a slab's goal only ever
 * moves forward.  Once the goal is reached, gus_depot_collect() makes the
 * pending objects free.  Nothing is written into the objects, so readers
 * still see them as they were.
 *
 * Slabs of order > 0 are compound pages, so that hardened usercopy bounds
 * a copy by the slab.  The caller's gfp reaches the page allocator masked
 * as SLUB masks it: reclaim and constraint bits only.
 *
 * Locking: node->lock is the innermost lock of gusslab; it is taken with
 * interrupts disabled because frees may come from hardirq context.  A
 * slab is taken off its lists and loses its magic under that lock, so a
 * lookup done under the lock never returns a slab being freed.
 */
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"
#include "gus_trace.h"

static inline void *gus_slab_obj(struct gus_cache *c, struct gus_slab *s,
				 unsigned int idx)
{
	return (char *)s->base + c->offset + idx * c->size;
}

static inline unsigned int gus_slab_idx(struct gus_cache *c, struct gus_slab *s,
					const void *obj)
{
	return reciprocal_divide((unsigned long)obj - (unsigned long)s->base - c->offset,
				 c->size_recip);
}

/* SMR caches: the bitmap of deferred objects, after the free bitmap. */
static inline unsigned long *gus_slab_pending(struct gus_cache *c, struct gus_slab *s)
{
	return s->free + BITS_TO_LONGS(c->objects);
}

/**
 * gus_page_slab() - the gusslab slab that @ptr points into, if any.
 * @ptr: any pointer.
 *
 * Context: any context.  The answer is stable only while the slab cannot
 * be freed: under its node lock, or while the caller owns an object in it.
 * Return: the slab, or NULL if @ptr is not in the pages of a slab.
 */
struct gus_slab *gus_page_slab(const void *ptr)
{
	struct gus_slab *s;
	struct page *head;
	void *base;

	if (!virt_addr_valid(ptr))
		return NULL;
	head = virt_to_head_page(ptr);
	base = page_address(head);
	s = (struct gus_slab *)READ_ONCE(head->private);
	/* A header in the pages is @ptr's own head page: mapped, no check. */
	if ((void *)s != base && !virt_addr_valid(s))
		return NULL;
	/* Possibly another owner's memory: read it without KASAN checks. */
	if (READ_ONCE_NOCHECK(s->magic) != GUS_SLAB_MAGIC ||
	    READ_ONCE_NOCHECK(s->base) != base)
		return NULL;
	return s;
}

GUS_EXPORT_INTERNAL(gus_page_slab);

/**
 * gus_obj_to_slab() - the slab of @obj, if @obj is an object of @c.
 * @c: the cache.
 * @obj: any pointer.
 *
 * Return: the slab, or NULL if @obj is not the start of an object in a
 * slab of @c.
 */
struct gus_slab *gus_obj_to_slab(struct gus_cache *c, const void *obj)
{
	struct gus_slab *s = gus_page_slab(obj);

	if (!s || READ_ONCE_NOCHECK(s->cache) != c || !gus_slab_holds(c, s, obj))
		return NULL;
	return s;
}

GUS_EXPORT_INTERNAL(gus_obj_to_slab);

static struct gus_node *gus_node_of(struct gus_cache *c, int node)
{
	return c->nodes[node];
}

/*
 * CONFIG_SLAB_FREELIST_RANDOM: objects leave a slab in the order of the
 * cache's random permutation, from where the slab's last take stopped
 * (each slab starts at a random place in it).
 */
static unsigned int gus_slab_take_random(struct gus_cache *c, struct gus_slab *s,
					 void **objs, unsigned int n)
{
	unsigned int k, idx, got = 0;

	for (k = 0; k < c->objects && got < n; k++) {
		idx = c->random_seq[s->rand_pos];
		if (++s->rand_pos == c->objects)
			s->rand_pos = 0;
		/* A slab of min_order has fewer slots: the rest are skipped. */
		if (idx < s->objects && __test_and_clear_bit(idx, s->free))
			objs[got++] = gus_slab_obj(c, s, idx);
	}
	return got;
}

/* Take up to @n free objects from @s.  Context: node lock held. */
static unsigned int gus_slab_take(struct gus_cache *c, struct gus_node *gn,
				  struct gus_slab *s, void **objs, unsigned int n)
{
	unsigned int idx, got = 0;

	if (c->random_seq) {
		got = gus_slab_take_random(c, s, objs, n);
	} else {
		for_each_set_bit(idx, s->free, s->objects) {
			if (got == n)
				break;
			__clear_bit(idx, s->free);
			objs[got++] = gus_slab_obj(c, s, idx);
		}
	}
	if (!s->inuse)
		gn->nr_empty--;
	s->inuse += got;
	gn->nr_free -= got;
	list_move(&s->list, s->inuse == s->objects ? &gn->full : &gn->partial);
	return got;
}

/**
 * gus_depot_get() - take free objects from a node's slabs.
 * @c: the cache.
 * @node: the node.
 * @objs: where to store them.
 * @n: how many are wanted.
 *
 * Partial slabs are used before empty ones, so empty slabs can go back to
 * the page allocator.
 *
 * Context: any context.
 * Return: the number of objects stored, 0 if the node has none free.
 */
unsigned int gus_depot_get(struct gus_cache *c, int node, void **objs,
			   unsigned int n)
{
	struct gus_node *gn = gus_node_of(c, node);
	unsigned int got = 0;
	struct gus_slab *s;
	unsigned long flags;

	spin_lock_irqsave(&gn->lock, flags);
	while (got < n) {
		s = list_first_entry_or_null(&gn->partial, struct gus_slab, list);
		if (!s)
			s = list_first_entry_or_null(&gn->empty, struct gus_slab, list);
		if (!s)
			break;
		got += gus_slab_take(c, gn, s, objs + got, n - got);
	}
	spin_unlock_irqrestore(&gn->lock, flags);
	return got;
}

/**
 * gus_depot_spilling() - did @node's last new slab come from another node?
 * @c: the cache.
 * @node: the local node.
 *
 * Context: any context; a hint, read without a lock.
 * Return: true while @node is full for this cache.
 */
bool gus_depot_spilling(struct gus_cache *c, int node)
{
	return READ_ONCE(gus_node_of(c, node)->spill);
}

/**
 * gus_depot_get_remote() - take free objects from nodes other than @node.
 * @c: the cache.
 * @node: the local node, which has none.
 * @objs: where to store them.
 * @n: how many are wanted.
 *
 * Context: any context.
 * Return: the number of objects stored.
 */
unsigned int gus_depot_get_remote(struct gus_cache *c, int node, void **objs,
				  unsigned int n)
{
	unsigned int got = 0;
	int other;

	for_each_node(other) {
		if (other == node || !READ_ONCE(gus_node_of(c, other)->nr_free))
			continue;
		got += gus_depot_get(c, other, objs + got, n - got);
		if (got == n)
			break;
	}
	return got;
}

/*
 * As SLUB: only the reclaim and constraint bits of the caller's gfp reach
 * the page allocator (no __GFP_ZERO, __GFP_HIGHMEM, __GFP_MOVABLE,
 * __GFP_ACCOUNT, ...), and slabs of order > 0 are compound pages.
 */
static gfp_t gus_page_gfp(gfp_t gfp, unsigned int order)
{
	gfp &= GUS_GFP_RECLAIM_MASK | GUS_GFP_CONSTRAINT_MASK;
	return order ? gfp | __GFP_COMP : gfp;
}

/*
 * Pages at @order with the caller's flags.  The page allocator warns about
 * __GFP_NOFAIL above order 1, so such a request is retried here instead.
 * Each try keeps the caller's reclaim bits and has neither __GFP_NORETRY
 * nor __GFP_RETRY_MAYFAIL: at the orders gusslab uses (up to
 * PAGE_ALLOC_COSTLY_ORDER) the page allocator then calls the OOM killer
 * itself before it gives up.
 */
static struct page *gus_alloc_order(int node, gfp_t gfp, unsigned int order)
{
	struct page *page;

	BUILD_BUG_ON(GUS_MAX_ORDER > PAGE_ALLOC_COSTLY_ORDER);
	gfp = gus_page_gfp(gfp, order);
	if (!(gfp & __GFP_NOFAIL) || order <= 1)
		return gus_fault_alloc_pages(node, gfp, order);
	gfp &= ~(__GFP_NOFAIL | __GFP_NORETRY | __GFP_RETRY_MAYFAIL);
	while (!(page = gus_fault_alloc_pages(node, gfp, order))) {
		if (gfpflags_allow_blocking(gfp))
			schedule_timeout_uninterruptible(1);
		else
			cpu_relax();
	}
	return page;
}

/*
 * A slab's pages: c->order if the page allocator has them without hard
 * retries, else c->min_order with the caller's flags (__GFP_NOFAIL and
 * the OOM killer included), as SLUB's allocate_slab() does.
 */
static struct page *gus_alloc_slab_pages(struct gus_cache *c, int node, gfp_t gfp,
					 unsigned int *order)
{
	gfp_t first = (gfp | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	struct page *page;

	*order = c->order;
	if (c->min_order == c->order)
		return gus_alloc_order(node, gfp, c->order);
	page = gus_alloc_order(node, first, c->order);
	if (page)
		return page;
	*order = c->min_order;
	page = gus_alloc_order(node, gfp, c->min_order);
	if (page)
		gus_cache_count(c, GUS_ORDER_FALLBACK);
	return page;
}

/* The header of a slab on @page: in its first bytes, or kmalloc'ed. */
static struct gus_slab *gus_slab_header(struct gus_cache *c, struct page *page,
					gfp_t gfp)
{
	gfp &= GUS_GFP_RECLAIM_MASK | GUS_GFP_CONSTRAINT_MASK;
	if (!c->off_slab)
		return page_address(page);
	return kmalloc_node(c->hdr_size, gfp & ~__GFP_THISNODE, page_to_nid(page));
}

/* Unlink @s from its pages and free both.  Context: off every list. */
static void gus_slab_free(struct gus_cache *c, struct gus_slab *s)
{
	struct page *page = virt_to_page(s->base);

	trace_gus_slab_shrink(c->name, s->node, s->order);
	s->magic = 0;
	set_page_private(page, 0);
	__free_pages(page, s->order);
	if (c->off_slab)
		kfree(s);
	gus_cache_count(c, GUS_SLAB_FREE);
}

/**
 * gus_depot_grow() - make one new slab, for the refill that needs it.
 * @c: the cache.
 * @node: the node to ask the page allocator for (the local one).
 * @gfp: the caller's allocation flags.
 *
 * The constructor runs here, once per object, before any object of the
 * slab can be handed out; debug caches set up their red zones, poison and
 * state here too.  The slab is not on any list yet: gus_depot_add() puts
 * it there, after the refill has taken its objects.  A slab from another
 * node than @node marks @node as spilling.
 *
 * Context: as @gfp allows; no gusslab lock held.
 * Return: the slab, or NULL.
 */
struct gus_slab *gus_depot_grow(struct gus_cache *c, int node, gfp_t gfp)
{
	unsigned int i, order;
	struct gus_slab *s;
	struct page *page;
	bool spill;

	if (gus_fault_slab_alloc(gfp))
		return NULL;
	page = gus_alloc_slab_pages(c, node, gfp, &order);
	if (!page)
		return NULL;
	s = gus_slab_header(c, page, gfp);
	if (!s) {
		__free_pages(page, order);
		return NULL;
	}
	s->base = page_address(page);
	s->cache = c;
	s->node = page_to_nid(page);
	s->order = order;
	s->objects = order == c->order ? c->objects : c->min_objects;
	s->inuse = 0;
	s->stamp = 0;
	INIT_LIST_HEAD(&s->deferred);
	bitmap_zero(s->free, c->objects);
	bitmap_fill(s->free, s->objects);
	if (gus_cache_is_smr(c))
		bitmap_zero(gus_slab_pending(c, s), c->objects);
	s->rand_pos = c->random_seq ? get_random_u32() % c->objects : 0;
	for (i = 0; i < s->objects; i++) {
		if (c->ctor)
			c->ctor(gus_slab_obj(c, s, i));
		if (c->flags & GUS_CACHE_DEBUG)
			gus_debug_init_obj(c, gus_slab_obj(c, s, i));
	}
	/* No object of it is anyone's before gus_depot_add() takes the lock. */
	s->magic = GUS_SLAB_MAGIC;
	set_page_private(page, (unsigned long)s);
	spill = s->node != node;
	if (READ_ONCE(gus_node_of(c, node)->spill) != spill)
		WRITE_ONCE(gus_node_of(c, node)->spill, spill);
	gus_cache_count(c, GUS_SLAB_ALLOC);
	trace_gus_slab_grow(c->name, s->node, order);
	return s;
}

/**
 * gus_depot_add() - put a new slab in the depot, serving its grower first.
 * @c: the cache.
 * @s: a slab from gus_depot_grow().
 * @objs: where to store objects taken from @s for the caller.
 * @n: how many to take (0 for none).
 *
 * Context: any context.
 * Return: the number of objects stored in @objs.
 */
unsigned int gus_depot_add(struct gus_cache *c, struct gus_slab *s, void **objs,
			   unsigned int n)
{
	struct gus_node *gn = gus_node_of(c, s->node);
	unsigned int got = 0;
	unsigned long flags;

	spin_lock_irqsave(&gn->lock, flags);
	list_add(&s->list, &gn->empty);
	gn->nr_slabs++;
	gn->nr_empty++;
	gn->nr_free += s->objects;
	gn->nr_objects += s->objects;
	if (n)
		got = gus_slab_take(c, gn, s, objs, n);
	spin_unlock_irqrestore(&gn->lock, flags);
	return got;
}

/* Give one object back to its slab.  Context: the slab's node lock held. */
static void gus_slab_put(struct gus_cache *c, struct gus_node *gn,
			 struct gus_slab *s, void *obj)
{
	unsigned int idx = gus_slab_idx(c, s, obj);

	if (__test_and_set_bit(idx, s->free)) {
		gus_cache_report(c, obj, "double free");
		return;
	}
	gn->nr_free++;
	if (s->inuse-- == s->objects)
		list_move(&s->list, &gn->partial);
	if (!s->inuse) {
		list_move(&s->list, &gn->empty);
		gn->nr_empty++;
	}
}

/**
 * gus_depot_put() - give objects back to their slabs.
 * @c: the cache.
 * @objs: the objects; every entry is set to NULL (those that are not
 *        objects of @c are reported).
 * @n: how many.
 *
 * Each node's lock is taken once for all of that node's objects.  An
 * object that is already free is reported and skipped.
 *
 * Context: any context.
 */
void gus_depot_put(struct gus_cache *c, void **objs, unsigned int n)
{
	struct gus_node *gn;
	struct gus_slab *s;
	unsigned long flags;
	unsigned int i;
	int node;

	for (i = 0; i < n; i++) {
		if (!gus_obj_to_slab(c, objs[i])) {
			gus_cache_report(c, objs[i], "not an object of this cache");
			objs[i] = NULL;
		}
	}
	for_each_node(node) {
		gn = gus_node_of(c, node);
		spin_lock_irqsave(&gn->lock, flags);
		for (i = 0; i < n; i++) {
			if (!objs[i])
				continue;
			/*
			 * Again under the lock: the shrinker may have freed
			 * the slab since (the object was already free in it).
			 * An object put is forgotten at once: once this lock
			 * is dropped its slab may go, and a later node's pass
			 * must not look it up again.
			 */
			s = gus_obj_to_slab(c, objs[i]);
			if (!s) {
				gus_cache_report(c, objs[i], "double free: slab given back");
				objs[i] = NULL;
			} else if (s->node == node) {
				gus_slab_put(c, gn, s, objs[i]);
				objs[i] = NULL;
			}
		}
		spin_unlock_irqrestore(&gn->lock, flags);
	}
}

/**
 * gus_depot_put_one() - give one object back to its slab, at once.
 * @c: an ordinary cache.
 * @s: the slab of @obj, from gus_obj_to_slab().
 * @obj: the object.
 *
 * For frees of another node's object: only that node's lock is taken.
 *
 * Context: any context.
 */
void gus_depot_put_one(struct gus_cache *c, struct gus_slab *s, void *obj)
{
	struct gus_node *gn = gus_node_of(c, s->node);
	unsigned long flags;

	spin_lock_irqsave(&gn->lock, flags);
	/* Again under the lock: the shrinker may have freed the slab. */
	if (gus_obj_to_slab(c, obj) == s)
		gus_slab_put(c, gn, s, obj);
	else
		s = NULL;
	spin_unlock_irqrestore(&gn->lock, flags);
	if (!s)
		gus_cache_report(c, obj, "double free: slab given back");
}

/**
 * gus_depot_defer() - SMR: give an object back once readers are gone.
 * @c: an SMR cache.
 * @obj: an object of @c, just freed, for which no magazine could be had.
 *
 * Never waits: the object is marked pending in its slab, and the slab's
 * goal moved to a fresh gus_advance(); gus_depot_collect() frees it once
 * the goal is reached.
 *
 * Context: any context.
 */
void gus_depot_defer(struct gus_cache *c, void *obj)
{
	struct gus_slab *s = gus_obj_to_slab(c, obj);
	struct gus_node *gn;
	unsigned long flags;
	unsigned int idx;

	if (!s) {
		gus_cache_report(c, obj, "not an object of this cache");
		return;
	}
	gn = gus_node_of(c, s->node);
	spin_lock_irqsave(&gn->lock, flags);
	idx = gus_slab_idx(c, s, obj);
	if (test_bit(idx, s->free) || __test_and_set_bit(idx, gus_slab_pending(c, s))) {
		spin_unlock_irqrestore(&gn->lock, flags);
		gus_cache_report(c, obj, "double free");
		return;
	}
	/*
	 * Under the lock, so the slab's goal never moves backwards; to the
	 * tail, so the list stays in goal order and gus_depot_collect() may
	 * stop at the first slab not reached, even when remote frees keep
	 * moving one slab's goal on.
	 */
	s->stamp = gus_advance(c->domain);
	list_move_tail(&s->deferred, &gn->deferred);
	gn->nr_deferred++;
	spin_unlock_irqrestore(&gn->lock, flags);
}

/* Free @s's pending objects.  Context: node lock held, goal reached. */
static void gus_slab_collect(struct gus_cache *c, struct gus_node *gn,
			     struct gus_slab *s)
{
	unsigned long *pending = gus_slab_pending(c, s);
	unsigned int idx;
	void *obj;

	for_each_set_bit(idx, pending, s->objects) {
		__clear_bit(idx, pending);
		obj = gus_slab_obj(c, s, idx);
		gus_objs_reached(c, &obj, 1);
		gus_slab_put(c, gn, s, obj);
		gn->nr_deferred--;
	}
	list_del_init(&s->deferred);
}

/**
 * gus_depot_collect() - free the deferred objects whose goal is reached.
 * @c: an SMR cache.
 * @node: the node.
 * @scan: whether the first check may scan the readers; the others, and
 *        all of them if not, consult the domain's cached read sequence.
 *
 * So it scans at most once, and stops at the first slab whose goal is
 * not reached.
 *
 * Context: any context.
 */
void gus_depot_collect(struct gus_cache *c, int node, bool scan)
{
	struct gus_node *gn = gus_node_of(c, node);
	struct gus_slab *s, *tmp;
	unsigned long flags;
	bool reached;

	if (!READ_ONCE(gn->nr_deferred))
		return;
	spin_lock_irqsave(&gn->lock, flags);
	list_for_each_entry_safe(s, tmp, &gn->deferred, deferred) {
		reached = scan ? gus_poll(c->domain, s->stamp) :
				 gus_poll_cached(c->domain, s->stamp);
		if (!reached)
			break;
		scan = false;
		gus_slab_collect(c, gn, s);
	}
	spin_unlock_irqrestore(&gn->lock, flags);
}

/**
 * gus_depot_shrink() - return empty slabs to the page allocator.
 * @c: the cache.
 * @max: at most this many slabs.
 *
 * Context: any context.
 * Return: the number of slabs freed.
 */
unsigned long gus_depot_shrink(struct gus_cache *c, unsigned long max)
{
	struct gus_slab *s, *tmp;
	unsigned long flags, n = 0;
	struct gus_node *gn;
	LIST_HEAD(victims);
	int node;

	for_each_node(node) {
		gn = gus_node_of(c, node);
		if (!gn)		/* a depot that failed to initialise */
			continue;
		if (gus_cache_is_smr(c))
			gus_depot_collect(c, node, true);
		spin_lock_irqsave(&gn->lock, flags);
		while (n < max && !list_empty(&gn->empty)) {
			s = list_first_entry(&gn->empty, struct gus_slab, list);
			s->magic = 0;	/* lookups under the lock now fail */
			list_move(&s->list, &victims);
			gn->nr_slabs--;
			gn->nr_empty--;
			gn->nr_free -= s->objects;
			gn->nr_objects -= s->objects;
			n++;
		}
		spin_unlock_irqrestore(&gn->lock, flags);
	}
	list_for_each_entry_safe(s, tmp, &victims, list)
		gus_slab_free(c, s);
	return n;
}

/**
 * gus_depot_totals() - slabs and free objects over all nodes.
 * @c: the cache.
 * @slabs: set to the number of slabs.
 * @free: set to the number of objects free in them.
 *
 * Context: any context; a snapshot.
 */
void gus_depot_totals(struct gus_cache *c, unsigned long *slabs,
		      unsigned long *free)
{
	struct gus_node *gn;
	int node;

	*slabs = 0;
	*free = 0;
	for_each_node(node) {
		gn = gus_node_of(c, node);
		*slabs += READ_ONCE(gn->nr_slabs);
		*free += READ_ONCE(gn->nr_free);
	}
}

GUS_EXPORT_INTERNAL(gus_depot_totals);

/* Objects in all slabs, free or not: slabs of min_order hold fewer. */
unsigned long gus_depot_objects(struct gus_cache *c)
{
	unsigned long n = 0;
	int node;

	for_each_node(node)
		n += READ_ONCE(gus_node_of(c, node)->nr_objects);
	return n;
}

GUS_EXPORT_INTERNAL(gus_depot_objects);

/* Objects not free in any slab: held by users, magazines or the ring. */
unsigned long gus_depot_live(struct gus_cache *c)
{
	unsigned long slabs, free;

	gus_depot_totals(c, &slabs, &free);
	return gus_depot_objects(c) - free;
}

GUS_EXPORT_INTERNAL(gus_depot_live);

/**
 * gus_depot_report_leaks() - name the first objects still allocated.
 * @c: the cache, with every magazine drained.
 * @max: how many to name (quarantined objects are not leaks: skipped).
 *
 * Context: process context.
 */
void gus_depot_report_leaks(struct gus_cache *c, unsigned int max)
{
	struct list_head *lists[2];
	unsigned long flags;
	struct gus_node *gn;
	struct gus_slab *s;
	unsigned int idx, l;
	void *obj;
	int node;

	for_each_node(node) {
		gn = gus_node_of(c, node);
		lists[0] = &gn->partial;
		lists[1] = &gn->full;
		spin_lock_irqsave(&gn->lock, flags);
		for (l = 0; l < 2; l++) {
			list_for_each_entry(s, lists[l], list) {
				for_each_clear_bit(idx, s->free, s->objects) {
					obj = gus_slab_obj(c, s, idx);
					if (gus_debug_quarantined(c, obj))
						continue;
					if (!max)
						goto out;
					max--;
					gus_debug_leak(c, obj);
				}
			}
		}
out:
		spin_unlock_irqrestore(&gn->lock, flags);
	}
}

/**
 * gus_depot_abandon() - let go of the slabs that are not empty.
 * @c: a cache being destroyed, whose only objects not free are quarantined.
 *
 * Their pages stay allocated for good, and lose the magic that would make
 * their objects look like objects of any cache.
 *
 * Context: process context.
 * Return: the number of slabs abandoned.
 */
unsigned long gus_depot_abandon(struct gus_cache *c)
{
	struct gus_slab *s, *tmp;
	unsigned long flags, n = 0;
	struct gus_node *gn;
	int node;

	for_each_node(node) {
		gn = gus_node_of(c, node);
		spin_lock_irqsave(&gn->lock, flags);
		list_splice_init(&gn->full, &gn->partial);
		list_for_each_entry_safe(s, tmp, &gn->partial, list) {
			list_del(&s->list);
			s->magic = 0;
			if (c->off_slab)	/* the pages stay, and name it */
				kmemleak_not_leak(s);
			gn->nr_slabs--;
			gn->nr_free -= s->objects - s->inuse;
			gn->nr_objects -= s->objects;
			n++;
		}
		spin_unlock_irqrestore(&gn->lock, flags);
	}
	return n;
}

int gus_depot_init(struct gus_cache *c)
{
	struct gus_node *gn;
	int node;

	c->nodes = kcalloc(nr_node_ids, sizeof(*c->nodes), GFP_KERNEL);
	if (!c->nodes)
		return -ENOMEM;
	for_each_node(node) {
		gn = kzalloc_node(sizeof(*gn), GFP_KERNEL, node);
		if (!gn) {
			gus_depot_exit(c);
			return -ENOMEM;
		}
		spin_lock_init(&gn->lock);
		INIT_LIST_HEAD(&gn->partial);
		INIT_LIST_HEAD(&gn->full);
		INIT_LIST_HEAD(&gn->empty);
		INIT_LIST_HEAD(&gn->deferred);
		c->nodes[node] = gn;
	}
	return 0;
}

/* Free the empty slabs and the node structures.  The depot must be empty. */
void gus_depot_exit(struct gus_cache *c)
{
	int node;

	if (!c->nodes)
		return;
	gus_depot_shrink(c, ULONG_MAX);
	for_each_node(node)
		kfree(c->nodes[node]);
	kfree(c->nodes);
	c->nodes = NULL;
}
