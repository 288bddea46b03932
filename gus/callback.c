// SPDX-License-Identifier: GPL-2.0
/*
 * GUS callbacks: gus_call() and gus_barrier(), what call_rcu() and
 * rcu_barrier() are to RCU.
 *
 * gus_call(d, head, func) arranges for func(head) to be called once every
 * section of @d that could have seen the memory the caller unlinked has
 * ended: after a goal taken with gus_advance() after the call was queued
 * is reached (gus_poll()).  Nothing is allocated; the caller embeds the
 * struct gus_head in its object.
 *
 * The queues
 * ----------
 * Each domain has a struct gus_cbs per possible CPU: a raw spinlock (taken
 * with interrupts off: gus_call() may come from hardirq context, under a
 * raw spinlock; gusslab refuses PREEMPT_RT), a timer, and one FIFO cut in
 * three segments, as RCU's segmented callback list is:
 *
 *   done  the goal of these callbacks is reached: ready to invoke;
 *   wait  one closed batch, waiting for its goal wait_goal;
 *   next  the open batch, accumulating; it has no goal yet.
 *
 * gus_call() appends to next.  If wait is empty, it closes next at once:
 * next becomes wait, with wait_goal = gus_advance() taken after the
 * append, and a lone call waits for no section that began after it.
 * Otherwise the callback rides with the batch that closes when the
 * current wait batch is done: one goal, one advance, per batch and not
 * per call.
 *
 * The timer (softirq) polls wait_goal outside the lock; once it is
 * reached, wait joins the tail of done and next is closed into wait with
 * a fresh goal, which the same pass polls once more (with no reader in
 * the way it is reached at once).  Then the pass invokes done, outside
 * the lock, at most GUS_CB_BATCH callbacks (all of them while more than
 * GUS_CB_HIGH are queued on the CPU: as RCU past qhimark, memory first),
 * and re-arms for the next jiffy while anything is queued.  So nothing
 * busy-polls, and a callback runs within a jiffy of its goal being
 * reached, its goal being taken at the latest one jiffy after the goal
 * before it is reached.
 *
 * Invariants (under the lock)
 * ---------------------------
 * - done, wait, next concatenated are the CPU's callbacks in the order
 *   they were queued; each is appended at its tail only (gus_barrier()'s
 *   marker at the tail of the last non-empty one), so callbacks queued on
 *   one CPU run in the order they were queued.
 * - wait is non-empty whenever next is; wait_goal was taken after every
 *   callback on wait was queued.
 * - len counts the callbacks queued and not yet returned from: those on
 *   the lists and those a pass has taken off done and not yet counted
 *   off.  len > 0 means the timer is pending or its handler running,
 *   which re-arms it before it ends: gus_call() arms it when len goes
 *   from 0 to 1.
 * - Only the timer handler takes callbacks off done or wait, and a
 *   timer's handler never runs on two CPUs at once: passes are serialized.
 *
 * Ordering
 * --------
 * The caller unlinked its memory before gus_call() releases the lock; the
 * goal is taken under the same lock, by gus_call() itself or by a later
 * timer pass that acquired it.  gus_advance() is fully ordered (default:
 * a value-returning atomic; deferred: smp_mb(); lazy: the smp_mb() of
 * get_state_synchronize_rcu()), and a full barrier orders before the
 * accesses after it every store its CPU had seen, so the unlink comes
 * before the goal for every reader exactly as when the unlinking CPU
 * advances itself (gus/gus.c, pair (1)).  On the other end, gus_poll()
 * orders the readers' accesses before the poller's later ones; the pass
 * that invokes a callback is the one that polled, or a later one that
 * acquired the lock that pass released: func() comes after the readers.
 *
 * CPU hotplug
 * -----------
 * A CPU that goes offline leaves its lists where they are.  Any CPU may
 * work on them (the lock is a plain spinlock, not a per-CPU guarantee),
 * and the timer is not pinned to the CPU: the timer core's
 * timers_dead_cpu() moves every timer of a dead CPU to a live one, where
 * it fires and keeps re-arming until the lists are empty.  Callbacks
 * queued on a CPU that goes offline therefore still run, from another
 * CPU's softirq (KUnit gus_callback_cpu_offline).  When the CPU comes
 * back, gus_call() appends to the same lists.
 *
 * gus_barrier()
 * -------------
 * Under one mutex for all domains (the marker heads are per CPU and the
 * count and completion global, as in rcu_barrier()), it appends each
 * CPU's marker head at the tail of every CPU's list that has a callback
 * queued (len > 0, so in-flight ones count), and waits for a count of
 * them to drop to zero.  No IPI and no cpus_read_lock() are needed: the
 * lists are reached under their lock from any CPU, and an offline CPU's
 * lists are served by its migrated timer.  A pass that reaches a marker
 * first counts off the callbacks it invoked before it, so when
 * gus_barrier() returns, len counts only callbacks queued after it.
 *
 * Destroying a domain (gus_callbacks_exit()) runs gus_barrier() until no
 * callback is queued (a callback may queue another on its own domain),
 * then shuts the timers down; callbacks queued while the domain is
 * destroyed are the caller's bug.
 *
 * Lazy domains use the same queues: their goals are polled-RCU cookies,
 * which gus_poll() understands, and gus_advance() keeps a grace period
 * coming.
 */
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include <gusslab_compat.h>
#include "gus_internal.h"

/* Callbacks invoked per timer pass; all ready ones past GUS_CB_HIGH queued. */
#define GUS_CB_BATCH	10000UL
#define GUS_CB_HIGH	(2 * GUS_CB_BATCH)

struct gus_cbs {
	raw_spinlock_t lock;		/* protects everything below but d */
	struct gus_head *done, **done_tail;
	struct gus_head *wait, **wait_tail;
	struct gus_head *next, **next_tail;
	unsigned long wait_goal;
	unsigned long len;		/* queued and not yet returned from */
	struct timer_list timer;
	struct gus_head barrier;	/* gus_barrier()'s marker */
	struct gus_domain *d;
} ____cacheline_aligned_in_smp;

bool gus_callbacks_hold;
GUS_EXPORT_INTERNAL(gus_callbacks_hold);

static DEFINE_MUTEX(gus_barrier_mutex);	/* one gus_barrier() at a time */
static atomic_t gus_barrier_left;	/* markers not yet reached, plus one */
static DECLARE_COMPLETION(gus_barrier_done);

static void gus_cbs_append(struct gus_head ***tail, struct gus_head *h)
{
	h->next = NULL;
	**tail = h;
	*tail = &h->next;
}

/* Append segment @from (head and tail) to segment @to and empty @from. */
static void gus_cbs_splice(struct gus_head **from, struct gus_head ***from_tail,
			   struct gus_head ***to_tail)
{
	if (!*from)
		return;
	**to_tail = *from;
	*to_tail = *from_tail;
	*from = NULL;
	*from_tail = from;
}

/* Close the open batch: next becomes wait, with a goal taken now. */
static void gus_cbs_close(struct gus_cbs *c)
{
	lockdep_assert_held(&c->lock);
	gus_cbs_splice(&c->next, &c->next_tail, &c->wait_tail);
	/* Full barrier, pairs with gus_enter()'s: after the appends ("Ordering"). */
	c->wait_goal = gus_advance(c->d);
}

/**
 * gus_call() - call a function once the current sections have ended.
 * @d: the domain whose readers may still see the memory.
 * @head: a struct gus_head, usually embedded in the memory to reclaim.
 * @func: called with @head once every section of @d that was open when
 *        gus_call() was called has ended.
 *
 * Call after making the memory unreachable, as one calls call_rcu().
 * Callbacks queued on one CPU run in the order they were queued, batched
 * under one goal; they run within a jiffy or two of the readers that hold
 * them up leaving, even if the CPU goes offline.  @func is called from a
 * timer, in softirq context, bottom halves disabled: it must not sleep.
 * It may call gus_call() again, on @d or another domain.  gus_barrier()
 * waits for the callbacks queued before it; gus_domain_destroy() runs
 * every pending callback before it returns.
 *
 * Context: any context call_rcu() may be called from, hardirq and with
 * interrupts disabled or raw spinlocks held included, but not NMI; never
 * sleeps or waits.
 */
void gus_call(struct gus_domain *d, struct gus_head *head,
	      void (*func)(struct gus_head *head))
{
	unsigned long flags;
	struct gus_cbs *c;

	head->func = func;
	local_irq_save(flags);
	c = this_cpu_ptr(d->cbs);
	raw_spin_lock(&c->lock);
	gus_count(d, GUS_EV_CALL);
	gus_cbs_append(&c->next_tail, head);
	if (!c->wait)
		gus_cbs_close(c);
	if (c->len++ == 0)
		mod_timer(&c->timer, jiffies + 1);
	raw_spin_unlock_irqrestore(&c->lock, flags);
}
EXPORT_SYMBOL_GPL(gus_call);

/* Move the batches whose goal is reached to done; two polls at most. */
static void gus_cbs_advance(struct gus_cbs *c, unsigned long *flags)
{
	unsigned long goal;
	int polls;
	bool ok;

	for (polls = 0; polls < 2 && c->wait; polls++) {
		/* Only the handler changes wait_goal while wait is non-empty. */
		goal = c->wait_goal;
		raw_spin_unlock_irqrestore(&c->lock, *flags);
		ok = gus_poll(c->d, goal);
		raw_spin_lock_irqsave(&c->lock, *flags);
		if (!ok)
			return;
		gus_cbs_splice(&c->wait, &c->wait_tail, &c->done_tail);
		if (c->next)
			gus_cbs_close(c);
	}
}

/* A pass reached gus_barrier()'s marker; @ran callbacks came before it. */
static void gus_cbs_reach_marker(struct gus_cbs *c, unsigned long ran)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	c->len -= ran + 1;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	/* Fully ordered: pairs with wait_for_completion() in gus_barrier(). */
	if (atomic_dec_and_test(&gus_barrier_left))
		complete(&gus_barrier_done);
}

static void gus_cbs_timer_fn(struct timer_list *t)
{
	struct gus_cbs *c = gus_timer_container_of(c, t, timer);
	struct gus_head *h, *nh, **tail;
	unsigned long flags, budget, ran = 0, total = 0;

	raw_spin_lock_irqsave(&c->lock, flags);
	if (unlikely(READ_ONCE(gus_callbacks_hold)))
		goto rearm;
	gus_cbs_advance(c, &flags);
	budget = c->len > GUS_CB_HIGH ? ULONG_MAX : GUS_CB_BATCH;
	h = c->done;
	tail = c->done_tail;
	c->done = NULL;
	c->done_tail = &c->done;
	raw_spin_unlock_irqrestore(&c->lock, flags);

	for (; h && budget; h = nh) {
		nh = h->next;
		if (h == &c->barrier) {
			gus_cbs_reach_marker(c, ran);
			total += ran;
			ran = 0;
			continue;
		}
		h->func(h);
		ran++;
		budget--;
	}
	total += ran;

	raw_spin_lock_irqsave(&c->lock, flags);
	if (h) {
		/* Out of budget: the rest goes back in front of done. */
		*tail = c->done;
		if (!c->done)
			c->done_tail = tail;
		c->done = h;
	}
	c->len -= ran;
	this_cpu_add(c->d->stats->ev[GUS_EV_CB_RUN], total);
rearm:
	if (c->len)
		mod_timer(&c->timer, jiffies + 1);
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

/* Put @c's marker behind everything queued on @c. */
static void gus_cbs_entrain(struct gus_cbs *c)
{
	lockdep_assert_held(&c->lock);
	c->barrier.func = NULL;
	if (c->next)
		gus_cbs_append(&c->next_tail, &c->barrier);
	else if (c->wait)
		gus_cbs_append(&c->wait_tail, &c->barrier);
	else
		gus_cbs_append(&c->done_tail, &c->barrier);
	c->len++;	/* was > 0: the timer is armed or running */
}

/**
 * gus_barrier() - wait for every callback queued on a domain to run.
 * @d: the domain.
 *
 * Every callback gus_call() queued on @d, on any CPU, before
 * gus_barrier() was called has returned when it returns; callbacks
 * queued meanwhile may or may not have run.  Use it before unloading a
 * module whose callbacks are queued, as rcu_barrier().  Barriers of all
 * domains are serialized.  It must not be called from a callback, or
 * inside a section of @d that a queued callback waits for.
 *
 * Context: process context; may sleep.
 */
void gus_barrier(struct gus_domain *d)
{
	unsigned long flags;
	struct gus_cbs *c;
	int cpu;

	gus_lock_sync(d);	/* a wait for goals, as gus_wait() */
	might_sleep();
	gus_count(d, GUS_EV_BARRIER);
	mutex_lock(&gus_barrier_mutex);
	reinit_completion(&gus_barrier_done);
	atomic_set(&gus_barrier_left, 1);
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(d->cbs, cpu);
		raw_spin_lock_irqsave(&c->lock, flags);
		if (c->len) {
			atomic_inc(&gus_barrier_left);
			gus_cbs_entrain(c);
		}
		raw_spin_unlock_irqrestore(&c->lock, flags);
	}
	if (!atomic_dec_and_test(&gus_barrier_left))
		wait_for_completion(&gus_barrier_done);
	mutex_unlock(&gus_barrier_mutex);
}
EXPORT_SYMBOL_GPL(gus_barrier);

/*
 * Callbacks queued on @d and not yet returned from (and gus_barrier()'s
 * markers while one runs).  A racy sum, for debugfs and tests.
 */
unsigned long gus_callbacks_pending(struct gus_domain *d)
{
	unsigned long n = 0;
	int cpu;

	if (!d->cbs)
		return 0;
	for_each_possible_cpu(cpu) {
		/* A statistic: a racy read of each CPU's count is enough. */
		n += data_race(per_cpu_ptr(d->cbs, cpu)->len);
	}
	return n;
}

GUS_EXPORT_INTERNAL(gus_callbacks_pending);

int gus_callbacks_init(struct gus_domain *d)
{
	struct gus_cbs *c;
	int cpu;

	d->cbs = alloc_percpu(struct gus_cbs);
	if (!d->cbs)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(d->cbs, cpu);
		raw_spin_lock_init(&c->lock);
		c->done_tail = &c->done;
		c->wait_tail = &c->wait;
		c->next_tail = &c->next;
		c->d = d;
		/* Not pinned: timers_dead_cpu() moves it off a dead CPU. */
		timer_setup(&c->timer, gus_cbs_timer_fn, 0);
	}
	return 0;
}

/*
 * Run every callback queued on @d, stop the timers and free the queues;
 * also the cleanup of a gus_callbacks_init() that failed or whose domain
 * was not created.
 */
void gus_callbacks_exit(struct gus_domain *d)
{
	int cpu;

	if (!d->cbs)
		return;
	do {
		gus_barrier(d);
	} while (gus_callbacks_pending(d));
	for_each_possible_cpu(cpu)
		gus_timer_shutdown_sync(&per_cpu_ptr(d->cbs, cpu)->timer);
	WARN_ONCE(gus_callbacks_pending(d),
		  "gusslab: GUS domain %s: gus_call() while it was destroyed\n", d->name);
	free_percpu(d->cbs);
	d->cbs = NULL;
}
