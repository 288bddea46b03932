// SPDX-License-Identifier: GPL-2.0
/*
 * GUS domains under the kernel's own rcutorture.
 *
 * Not a translation unit of its own: tools/rcutorture/build.sh copies the
 * test kernel's kernel/rcu/rcutorture.c into the run's work directory,
 * #includes this file just before rcutorture_seq_diff() (everything it
 * uses is defined by then) and puts gus_ops, gus_deferred_ops and
 * gus_lazy_ops at the head of the torture_ops[] table.  The result,
 * gus_rcutorture.ko, knows three more torture types, one per kind of
 * domain:
 *
 *   gus           gus_domain_create(name, 0)
 *   gus-deferred  gus_domain_create(name, GUS_DEFERRED)
 *   gus-lazy      gus_domain_create(name, GUS_LAZY)
 *
 * The mapping: readlock/readunlock are gus_enter()/gus_exit(); sync and
 * exp_sync are gus_synchronize(); get_gp_state and start_gp_poll take a
 * goal with gus_advance(), poll_gp_state is gus_poll() and cond_sync is
 * gus_wait().  A goal taken and waited for when the test starts stands
 * for "a grace period that has completed" (get_comp_state, called
 * get_gp_completed on 6.1); goals are compared for equality only.
 * Readers run in interrupts too (irq_capable).  Only <gusslab.h> is used.
 *
 * call and cb_barrier ride on gus_call().  rcutorture's callbacks take
 * an rcu_head, gus_call()'s a gus_head, so call() gathers the rcu_heads
 * in a list and one gus_head stands for a batch of them: the batch's
 * gus_call() is queued after its heads were, and when it runs (softirq,
 * as RCU's callbacks do) it invokes them in order and queues the next
 * batch, gathered meanwhile, with gus_call() on its own head.  One batch
 * waits at a time while the next one fills.  cb_barrier() waits until
 * every callback queued before it has been invoked.  So rcutorture's
 * callback tests (the forward-progress floods, the barrier test) torture
 * gus/callback.c too.
 *
 * build.sh passes -DGUS_TORTURE_COMP_STATE when struct rcu_torture_ops
 * has ->get_comp_state and ->same_gp_state (6.12 and later), else
 * -DGUS_TORTURE_GP_COMPLETED when it has ->get_gp_completed (6.1).
 */
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <gusslab.h>

static struct gus_domain *gus_torture_domain;
static unsigned long gus_torture_completed;	/* a goal already reached */

static struct {
	spinlock_t lock;			/* protects the fields below */
	struct rcu_head *next, **next_tail;	/* queued, batch not started */
	struct rcu_head *wait;			/* the batch gus_call() holds */
	bool in_flight;				/* batch's gus_call() queued */
	unsigned long queued;			/* callbacks queued, ever */
	unsigned long invoked;			/* callbacks invoked, ever */
	unsigned long batches;			/* batches started, ever */
	wait_queue_head_t barrier_wq;
	struct gus_head batch;
} gus_torture_cbs;

static int gus_torture_read_lock(void)
{
	gus_enter(gus_torture_domain);
	return 0;
}

static void gus_torture_read_unlock(int idx)
{
	gus_exit(gus_torture_domain);
}

/* For rcu_dereference_check(): a section keeps preemption disabled. */
static int gus_torture_read_lock_held(void)
{
	return rcu_read_lock_sched_held();
}

static unsigned long gus_torture_get_gp_seq(void)
{
	return gus_current(gus_torture_domain);
}

/* Sequences move by GUS_SEQ_INCR per advance. */
static unsigned long gus_torture_gp_diff(unsigned long new, unsigned long old)
{
	return (new - old) / GUS_SEQ_INCR;
}

static void gus_torture_sync(void)
{
	gus_synchronize(gus_torture_domain);
}

static unsigned long gus_torture_get_gp_state(void)
{
	return gus_advance(gus_torture_domain);
}

static bool gus_torture_poll_gp_state(unsigned long goal)
{
	return gus_poll(gus_torture_domain, goal);
}

static void gus_torture_cond_sync(unsigned long goal)
{
	gus_wait(gus_torture_domain, goal);
}

static unsigned long __maybe_unused gus_torture_get_completed(void)
{
	return gus_torture_completed;
}

static bool __maybe_unused gus_torture_same_gp_state(unsigned long goal1,
						     unsigned long goal2)
{
	return goal1 == goal2;
}

static void gus_torture_batch_done(struct gus_head *batch);

/* Make next the batch in flight.  Return: whether to gus_call() it. */
static bool gus_torture_start_batch(void)
{
	lockdep_assert_held(&gus_torture_cbs.lock);
	gus_torture_cbs.in_flight = !!gus_torture_cbs.next;
	if (!gus_torture_cbs.next)
		return false;
	gus_torture_cbs.wait = gus_torture_cbs.next;
	gus_torture_cbs.next = NULL;
	gus_torture_cbs.next_tail = &gus_torture_cbs.next;
	gus_torture_cbs.batches++;
	return true;
}

static void gus_torture_call(struct rcu_head *head, rcu_callback_t func)
{
	unsigned long flags;
	bool start = false;

	head->func = func;
	head->next = NULL;
	spin_lock_irqsave(&gus_torture_cbs.lock, flags);
	*gus_torture_cbs.next_tail = head;
	gus_torture_cbs.next_tail = &head->next;
	gus_torture_cbs.queued++;
	if (!gus_torture_cbs.in_flight)
		start = gus_torture_start_batch();
	spin_unlock_irqrestore(&gus_torture_cbs.lock, flags);
	/* After the append: the batch's goal comes after this callback. */
	if (start)
		gus_call(gus_torture_domain, &gus_torture_cbs.batch, gus_torture_batch_done);
}

/* gus_call()'s callback for a batch: softirq, bottom halves off. */
static void gus_torture_batch_done(struct gus_head *batch)
{
	struct rcu_head *ready, *next;
	unsigned long flags, n = 0;
	bool again;

	spin_lock_irqsave(&gus_torture_cbs.lock, flags);
	ready = gus_torture_cbs.wait;
	gus_torture_cbs.wait = NULL;
	again = gus_torture_start_batch();
	spin_unlock_irqrestore(&gus_torture_cbs.lock, flags);

	for (; ready; ready = next) {
		next = ready->next;
		ready->func(ready);
		n++;
	}
	spin_lock_irqsave(&gus_torture_cbs.lock, flags);
	gus_torture_cbs.invoked += n;
	spin_unlock_irqrestore(&gus_torture_cbs.lock, flags);
	wake_up_all(&gus_torture_cbs.barrier_wq);
	/* The head is off gus_call()'s queue while it runs: reuse it. */
	if (again)
		gus_call(gus_torture_domain, batch, gus_torture_batch_done);
}

static bool gus_torture_invoked(unsigned long target)
{
	unsigned long invoked;

	spin_lock_irq(&gus_torture_cbs.lock);
	invoked = gus_torture_cbs.invoked;
	spin_unlock_irq(&gus_torture_cbs.lock);
	return (long)(invoked - target) >= 0;
}

/* Callbacks run in the order they were queued: wait for the count. */
static void gus_torture_cb_barrier(void)
{
	unsigned long target;

	spin_lock_irq(&gus_torture_cbs.lock);
	target = gus_torture_cbs.queued;
	spin_unlock_irq(&gus_torture_cbs.lock);
	wait_event(gus_torture_cbs.barrier_wq, gus_torture_invoked(target));
}

static void gus_torture_deferred_free(struct rcu_torture *p)
{
	gus_torture_call(&p->rtort_rcu, rcu_torture_cb);
}

static void gus_torture_stats(void)
{
	pr_alert("%s" TORTURE_FLAG " GUS callbacks: queued %lu invoked %lu batches %lu\n",
		 torture_type, READ_ONCE(gus_torture_cbs.queued),
		 READ_ONCE(gus_torture_cbs.invoked),
		 READ_ONCE(gus_torture_cbs.batches));
}

static void gus_torture_init(const char *name, unsigned int flags)
{
	rcu_sync_torture_init();
	spin_lock_init(&gus_torture_cbs.lock);
	gus_torture_cbs.next = NULL;
	gus_torture_cbs.next_tail = &gus_torture_cbs.next;
	gus_torture_cbs.wait = NULL;
	gus_torture_cbs.in_flight = false;
	gus_torture_cbs.queued = 0;
	gus_torture_cbs.invoked = 0;
	gus_torture_cbs.batches = 0;
	init_waitqueue_head(&gus_torture_cbs.barrier_wq);

	/* ->init cannot fail: without a domain the test oopses at once. */
	gus_torture_domain = gus_domain_create(name, flags);
	if (WARN(!gus_torture_domain, "%s: no GUS domain %s\n", __func__, name))
		return;
	gus_torture_completed = gus_advance(gus_torture_domain);
	gus_wait(gus_torture_domain, gus_torture_completed);
}

static void gus_torture_init_default(void)
{
	gus_torture_init("rcutorture", 0);
}

static void gus_torture_init_deferred(void)
{
	gus_torture_init("rcutorture-deferred", GUS_DEFERRED);
}

static void gus_torture_init_lazy(void)
{
	gus_torture_init("rcutorture-lazy", GUS_LAZY);
}

static void gus_torture_cleanup(void)
{
	/* Late callbacks (rcu_torture_cb() drops them while stopping). */
	while (!gus_torture_invoked(READ_ONCE(gus_torture_cbs.queued)))
		gus_torture_cb_barrier();
	gus_barrier(gus_torture_domain);	/* the last batch has returned */
	WARN_ON_ONCE(gus_torture_cbs.next || gus_torture_cbs.wait ||
		     gus_torture_cbs.in_flight);
	gus_domain_destroy(gus_torture_domain);
	gus_torture_domain = NULL;
}

/* Which "completed" hook this kernel's struct rcu_torture_ops has. */
#ifdef GUS_TORTURE_COMP_STATE
#define GUS_TORTURE_COMPLETED_OPS				\
	.get_comp_state		= gus_torture_get_completed,	\
	.same_gp_state		= gus_torture_same_gp_state,
#elif defined(GUS_TORTURE_GP_COMPLETED)
#define GUS_TORTURE_COMPLETED_OPS				\
	.get_gp_completed	= gus_torture_get_completed,
#else
#define GUS_TORTURE_COMPLETED_OPS
#endif

/* What the three types share: all but init, the sequence hooks and name. */
#define GUS_TORTURE_COMMON_OPS					\
	.ttype			= INVALID_RCU_FLAVOR,		\
	.cleanup		= gus_torture_cleanup,		\
	.readlock		= gus_torture_read_lock,	\
	.read_delay		= rcu_read_delay,		\
	.readunlock		= gus_torture_read_unlock,	\
	.readlock_held		= gus_torture_read_lock_held,	\
	.deferred_free		= gus_torture_deferred_free,	\
	.sync			= gus_torture_sync,		\
	.exp_sync		= gus_torture_sync,		\
	.get_gp_state		= gus_torture_get_gp_state,	\
	.start_gp_poll		= gus_torture_get_gp_state,	\
	.poll_gp_state		= gus_torture_poll_gp_state,	\
	.cond_sync		= gus_torture_cond_sync,	\
	GUS_TORTURE_COMPLETED_OPS				\
	.call			= gus_torture_call,		\
	.cb_barrier		= gus_torture_cb_barrier,	\
	.stats			= gus_torture_stats,		\
	.irq_capable		= 1

static struct rcu_torture_ops gus_ops = {
	GUS_TORTURE_COMMON_OPS,
	.init			= gus_torture_init_default,
	.get_gp_seq		= gus_torture_get_gp_seq,
	.gp_diff		= gus_torture_gp_diff,
	.name			= "gus"
};

/* As gus_ops, on a GUS_DEFERRED domain. */
static struct rcu_torture_ops gus_deferred_ops = {
	GUS_TORTURE_COMMON_OPS,
	.init			= gus_torture_init_deferred,
	.get_gp_seq		= gus_torture_get_gp_seq,
	.gp_diff		= gus_torture_gp_diff,
	.name			= "gus-deferred"
};

/*
 * On a GUS_LAZY domain goals are polled-RCU cookies: opaque, so no grace
 * period numbers for the reader statistics (rcu_no_completed()).
 */
static struct rcu_torture_ops gus_lazy_ops = {
	GUS_TORTURE_COMMON_OPS,
	.init			= gus_torture_init_lazy,
	.get_gp_seq		= rcu_no_completed,
	.name			= "gus-lazy"
};
