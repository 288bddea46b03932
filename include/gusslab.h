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

/* private: a domain; allocate with gus_domain_create(). */
struct gus_domain {
	atomic_long_t wr_seq ____cacheline_aligned_in_smp;
	atomic_long_t rd_seq ____cacheline_aligned_in_smp;
	struct gus_reader __percpu *readers ____cacheline_aligned_in_smp;
	struct gus_stats __percpu *stats;
	unsigned int flags;
	unsigned long lazy_kick;
	struct rcu_head lazy_head;
	struct list_head node;
	struct dentry *dir;
	char name[32];
};

/* private: out-of-line halves of gus_enter()/gus_exit(). */
void __gus_publish(struct gus_domain *d, struct gus_reader *r);

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
	if (d->flags & GUS_LAZY)
		return;		/* a preempt-off region is an RCU reader */
	r = this_cpu_ptr(d->readers);
	r->depth++;
	barrier();		/* depth before seq, against a nesting IRQ */
	if (READ_ONCE(r->seq) == GUS_SEQ_INVALID)
		__gus_publish(d, r);
	else if (!in_task())	/* the publish we interrupted may lack its barrier */
		smp_mb();	/* pairs with smp_mb() in gus_scan() */
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
	preempt_enable();
}

struct gus_domain *gus_domain_create(const char *name, unsigned int flags);
void gus_domain_destroy(struct gus_domain *d);
unsigned long gus_advance(struct gus_domain *d);
unsigned long gus_current(struct gus_domain *d);
bool gus_poll(struct gus_domain *d, unsigned long goal);
void gus_wait(struct gus_domain *d, unsigned long goal);
void gus_synchronize(struct gus_domain *d);

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

#endif /* _GUSSLAB_H */
