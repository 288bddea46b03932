// SPDX-License-Identifier: GPL-2.0
/*
 * GUS: Global Unbounded Sequences.
 *
 * A GUS domain tells a writer when memory it unlinked can no longer be seen
 * by lock-free readers.  It follows the design of FreeBSD's SMR (Jeff
 * Roberson's subr_smr.c), written again for Linux primitives.
 *
 * The state
 * ---------
 * wr_seq  the domain's write sequence: a counter writers move forward.
 * seq[c]  per CPU: the write sequence this CPU's reader saw when it entered
 *         its section, or GUS_SEQ_INVALID (0) when no section is open.
 * rd_seq  a cache: some value that every open section's seq[c] is at or
 *         after, kept by pollers so that most polls need no scan.
 *
 * Live sequences are odd (they start odd and move by 2), so 0 never is one.
 *
 * The invariant
 * -------------
 * A reader whose seq[c] is S may use anything that was reachable when S was
 * the write sequence, or became reachable later.  A writer that unlinks an
 * object takes a goal G from gus_advance() after the unlink; the object may
 * be reused once every open section has seq[c] >= G, because a section
 * that started at S >= G began after the unlink and cannot find the
 * object.
 *
 *   writer                          reader on CPU c
 *   ------                          ---------------
 *   unlink(obj)                     S = wr_seq
 *   G = advance()  [full barrier]   seq[c] = S; smp_mb()
 *   ...                             p = load(head)  ... use p ...
 *   poll(G): smp_mb();              seq[c] = INVALID  [release]
 *     scan seq[*] [acquire]
 *     all >= G or idle -> reuse(obj)
 *
 * The ordering pairs
 * ------------------
 * (1) Publishing against scanning.  The reader stores seq[c] and then loads
 *     pointers; the poller reads wr_seq (which its own or another writer's
 *     fully ordered advance wrote after the unlink) and then loads seq[c].
 *     Both sides put a full barrier between their store/load pair
 *     (smp_store_mb() in gus_enter(), or the smp_mb() of a nested entry
 *     from an interrupt, see below; smp_mb() in gus_scan()): this is
 *     the store-buffering pattern, so either the poller sees seq[c] (and
 *     waits for it) or the reader's loads see the unlink (and cannot reach
 *     the object).  A reader that loaded an old wr_seq but had not yet
 *     stored it when the scan passed is therefore harmless, which is what
 *     lets the scan start its minimum at wr_seq.  On x86 the reader's
 *     barrier is one locked xchg; TSO orders everything else for free.
 * (2) Leaving against reuse.  gus_exit() clears seq[c] with a release
 *     store; the scan reads it with an acquire load, so the reader's
 *     accesses happen before the writer's reuse of the memory.  The cached
 *     rd_seq is raised with a fully ordered cmpxchg after such a scan and
 *     read with an acquire load, which extends the same chain to callers
 *     that trust the cache.
 * (3) Deferred goals.  In GUS_DEFERRED mode gus_advance() does not write
 *     wr_seq: it issues smp_mb() and returns wr_seq + 2, and the poller
 *     raises wr_seq to the goal before scanning.  If a reader read a value
 *     >= G it read a write that comes after the writer's stale read of
 *     wr_seq; with the writer's smp_mb() after its unlink and the reader's
 *     smp_mb() before its loads, the reader then sees the unlink.  Writers
 *     no longer bounce the wr_seq cache line on every free; the price is
 *     that readers which enter while the goal is still in the future hold
 *     it up, so reclamation lags by about one section.
 *
 * Nesting and interrupts
 * ----------------------
 * Sections disable preemption, so a reader stays on its CPU and never
 * sleeps; an interrupt may still open a section on top of the one it
 * interrupted.  A per-CPU depth counts sections; the outermost enter
 * publishes and the outermost exit clears.  An interrupt that lands
 * between the depth increment and the publication finds seq[c] invalid
 * and publishes itself, with its own full barrier; one that lands between
 * the decrement and the clear finds the outer sequence still published
 * and runs under it.
 *
 * One window needs more.  smp_store_mb() is a store followed by a
 * barrier, and on arm64, RISC-V or POWER they are two instructions (one
 * LL/SC loop and a dmb even for xchg without LSE atomics).  An interrupt
 * that lands between them sees seq[c] valid (a CPU reads its own buffered
 * store) and skips publishing, but the store may not yet be visible to
 * pollers while the interrupt's own loads go ahead: the store-buffering
 * pair (1) is broken for that reader, and a poller can miss it and reuse
 * what it is about to read.  So a nested entry from interrupt or NMI
 * context (!in_task()) that finds seq[c] valid issues smp_mb() itself,
 * which orders every earlier store of this CPU, the interrupted one
 * included, before its loads.  A nested entry in task context needs
 * nothing: the outer enter, barrier and all, precedes it in program order.
 * In every case some sequence no newer than the reader's first load is
 * visible to pollers before that load, which is all the invariant asks.
 *
 * Wrapping
 * --------
 * Sequences are unsigned longs compared by signed difference
 * (gus_seq_before()).  That is exact while the sequences compared are
 * less than LONG_MAX apart: a goal must be polled, and a section must
 * end, within 2^62 advances of the write sequence.  Debug kernels start
 * every domain 1024 advances below the wrap so the wrap is crossed in
 * every test run.
 *
 * What is not supported
 * ---------------------
 * 32-bit kernels: there the same arithmetic is exact only within 2^30
 * advances, which a busy writer reaches in minutes while a reader on a
 * preempted vCPU holds an old goal.  FreeBSD guards this by making
 * smr_advance() wait when a goal runs too far ahead of the read sequence,
 * but gusslab's advances happen in frees, which never wait; gusslab.h
 * refuses to build without CONFIG_64BIT instead.
 *
 * PREEMPT_RT: sections disable preemption, and the allocator's local lock
 * and spinlocks sleep on RT, so an allocation or free inside a section
 * would sleep in atomic context.  gusslab.h refuses to build with
 * CONFIG_PREEMPT_RT rather than leave that to lockdep.
 *
 * CPU hotplug
 * -----------
 * Sections never sleep and never migrate, so a CPU that goes offline has
 * no open section and its seq[c] stays invalid.  The scan covers every
 * possible CPU without taking the hotplug lock.
 *
 * Lazy domains
 * ------------
 * FreeBSD's lazy mode derives goals from the clock tick and assumes every
 * CPU takes tick interrupts; NO_HZ idle and nohz_full CPUs on Linux do not.
 * A GUS_LAZY section is therefore only preempt_disable(), which since
 * Linux 5.0 is an RCU read-side critical section on every configuration,
 * and a lazy goal is a polled-RCU cookie: gus_advance() takes
 * get_state_synchronize_rcu() (its smp_mb() orders the unlink first),
 * gus_poll() asks poll_state_synchronize_rcu(), and gus_wait() sleeps in
 * cond_synchronize_rcu().  RCU's grace-period machinery tracks tickless
 * CPUs through its dynticks counters, so the argument holds on them.
 * Since a cookie only completes once some grace period runs, and the
 * allocator may poll with interrupts off (where starting one is not
 * allowed), a domain keeps one call_rcu() request in flight while goals
 * are outstanding.  Readers pay no barrier; reclamation waits for RCU.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <gusslab_compat.h>
#include "gus_internal.h"
#include "../slab/gus_trace.h"

static DEFINE_MUTEX(gus_domains_lock);	/* protects gus_domains */
static LIST_HEAD(gus_domains);
DEFINE_MUTEX(gus_users_lock);		/* protects every domain's users */

static bool start_near_wrap = IS_ENABLED(CONFIG_DEBUG_KERNEL);
module_param(start_near_wrap, bool, 0444);
MODULE_PARM_DESC(start_near_wrap,
		 "start every GUS domain 1024 advances below the wrap point");

#define GUS_SEQ_NEAR_WRAP	(ULONG_MAX - 1024 * GUS_SEQ_INCR)

bool gus_quiet_misuse;
GUS_EXPORT_INTERNAL(gus_quiet_misuse);

static void gus_misuse(struct gus_domain *d, const char *what)
{
	gus_count(d, GUS_EV_MISUSE);
	if (READ_ONCE(gus_quiet_misuse))
		return;
	WARN(1, "gusslab: GUS domain %s: %s\n", d->name, what);
}

static void gus_lazy_kicked(struct rcu_head *head)
{
	struct gus_domain *d = container_of(head, struct gus_domain, lazy_head);

	clear_bit(0, &d->lazy_kick);
}

/*
 * Make sure a grace period will run for the lazy goals handed out: a
 * hurried callback, since a lazy one (CONFIG_RCU_LAZY) may wait seconds.
 */
static void gus_lazy_kick(struct gus_domain *d)
{
	if (!test_and_set_bit(0, &d->lazy_kick))
		gus_call_rcu_hurry(&d->lazy_head, gus_lazy_kicked);
}

/**
 * gus_advance() - take a goal for memory just unlinked.
 * @d: the domain.
 *
 * Call after making the memory unreachable.  Once gus_poll(@d, goal)
 * returns true, no reader can still be using it.  In the default mode this
 * moves the write sequence; a GUS_DEFERRED domain only reads it; a GUS_LAZY
 * domain returns an RCU grace-period cookie.
 *
 * Context: any context, including hardirq and with interrupts disabled.
 * Return: the goal.
 */
unsigned long gus_advance(struct gus_domain *d)
{
	unsigned long goal;

	gus_count(d, GUS_EV_ADVANCE);
	if (d->flags & GUS_LAZY) {
		goal = get_state_synchronize_rcu();
		gus_lazy_kick(d);
	} else if (d->flags & GUS_DEFERRED) {
		/* Pairs with the smp_store_mb() in gus_enter(). */
		smp_mb();
		goal = atomic_long_read(&d->wr_seq) + GUS_SEQ_INCR;
	} else {
		/* Fully ordered: pairs with the smp_store_mb() in gus_enter(). */
		goal = atomic_long_add_return(GUS_SEQ_INCR, &d->wr_seq);
	}
	trace_gus_advance(d->name, goal, atomic_long_read(&d->wr_seq));
	return goal;
}
EXPORT_SYMBOL_GPL(gus_advance);

/**
 * gus_current() - the domain's current write sequence.
 * @d: the domain.
 *
 * Context: any context.
 * Return: the write sequence; for a GUS_LAZY domain, a fresh RCU cookie.
 */
unsigned long gus_current(struct gus_domain *d)
{
	if (d->flags & GUS_LAZY)
		return get_state_synchronize_rcu();
	return atomic_long_read(&d->wr_seq);
}
EXPORT_SYMBOL_GPL(gus_current);

/* Raise the cached read sequence to @seq unless it is already newer. */
static void gus_raise_rd_seq(struct gus_domain *d, unsigned long seq)
{
	long old = atomic_long_read(&d->rd_seq);

	do {
		if (gus_seq_after_eq(old, seq))
			return;
		/* Fully ordered: pairs with the acquire read in gus_poll(). */
	} while (!atomic_long_try_cmpxchg(&d->rd_seq, &old, seq));
}

/*
 * Scan every CPU's read sequence.  @wr is a write sequence read before the
 * scan: no section that opens after it can hold up a goal at or before it.
 * Return: true if no open section is older than @goal.
 */
static bool gus_scan(struct gus_domain *d, unsigned long goal, unsigned long wr)
{
	unsigned long oldest = wr, s;
	int cpu;

	gus_count(d, GUS_EV_SCAN);
	/* Pairs with smp_store_mb() and smp_mb() in gus_enter(). */
	smp_mb();
	for_each_possible_cpu(cpu) {
		/* Pairs with the smp_store_release() in gus_exit(). */
		s = smp_load_acquire(&per_cpu_ptr(d->readers, cpu)->seq);
		if (s == GUS_SEQ_INVALID)
			continue;
		if (gus_seq_before(s, goal))
			return false;
		if (gus_seq_before(s, oldest))
			oldest = s;
	}
	gus_raise_rd_seq(d, oldest);
	return true;
}

static bool gus_poll_lazy(struct gus_domain *d, unsigned long goal)
{
	if (poll_state_synchronize_rcu(goal))
		return true;
	gus_lazy_kick(d);
	return false;
}

/**
 * gus_poll() - has a goal been reached?
 * @d: the domain.
 * @goal: a value gus_advance() returned on @d.
 *
 * Once this returns true, no reader that could have seen memory unlinked
 * before @goal was taken is still in its section, and the caller's later
 * accesses to that memory are ordered after those readers' accesses.
 * Most calls read one cached value; a miss scans every CPU.
 *
 * Context: any context, including hardirq and with interrupts disabled.
 * Return: true if @goal is reached.
 */
bool gus_poll(struct gus_domain *d, unsigned long goal)
{
	unsigned long wr;
	bool done;

	gus_count(d, GUS_EV_POLL);
	if (d->flags & GUS_LAZY) {
		done = gus_poll_lazy(d, goal);
		goto out;
	}
	/* Pairs with the cmpxchg in gus_raise_rd_seq(). */
	if (gus_seq_after_eq(atomic_long_read_acquire(&d->rd_seq), goal))
		return true;

	wr = atomic_long_read(&d->wr_seq);
	if (gus_seq_before(wr, goal)) {
		if (!(d->flags & GUS_DEFERRED) || goal - wr > GUS_SEQ_INCR) {
			gus_misuse(d, "polled a goal the domain never issued");
			done = false;
			goto out;
		}
		/* A deferred goal: make it the write sequence first. */
		if (atomic_long_try_cmpxchg(&d->wr_seq, (long *)&wr, goal))
			wr = goal;
		/* A failed cmpxchg left a newer sequence in wr: use that. */
	}
	done = gus_scan(d, goal, wr);
out:
	if (!done) {
		gus_count(d, GUS_EV_POLL_FAIL);
		trace_gus_poll_fail(d->name, goal, atomic_long_read(&d->rd_seq));
	}
	return done;
}
EXPORT_SYMBOL_GPL(gus_poll);

/*
 * gus_poll() without the scan: true if the cached read sequence (or, in a
 * lazy domain, RCU's polled state) already says @goal is reached.  For
 * callers that have scanned once and must not again with interrupts off.
 */
bool gus_poll_cached(struct gus_domain *d, unsigned long goal)
{
	if (d->flags & GUS_LAZY)
		return poll_state_synchronize_rcu(goal);
	/* Pairs with the cmpxchg in gus_raise_rd_seq(). */
	return gus_seq_after_eq(atomic_long_read_acquire(&d->rd_seq), goal);
}

GUS_EXPORT_INTERNAL(gus_poll_cached);

/**
 * gus_in_section() - is this CPU inside a section of @d?
 * @d: a domain that is not GUS_LAZY.
 *
 * Context: any; the answer is only meaningful with preemption off or for
 * the current task's own section.
 * Return: true if a section of @d is open on this CPU.
 */
bool gus_in_section(struct gus_domain *d)
{
	if (d->flags & GUS_LAZY)
		return false;
	/* Only this CPU writes depth; an interrupt leaves it as it found it. */
	return data_race(raw_cpu_ptr(d->readers)->depth) != 0;
}

GUS_EXPORT_INTERNAL(gus_in_section);

/**
 * gus_read_held() - may the caller follow pointers protected by @d?
 * @d: the domain.
 *
 * True inside a section of @d on this CPU (an interrupt that lands in
 * one counts, since the section protects the whole CPU).  For a GUS_LAZY
 * domain, whose goals are RCU grace periods, also inside any RCU reader:
 * rcu_read_lock(), and regions with preemption, softirqs or interrupts
 * off.  Exact with or without lockdep.
 *
 * Context: any context.
 * Return: true if memory protected by @d cannot be reused under the caller.
 */
bool gus_read_held(struct gus_domain *d)
{
	if (d->flags & GUS_LAZY)
		return rcu_read_lock_any_held() ||
		       (IS_ENABLED(CONFIG_PREEMPT_RCU) && rcu_preempt_depth());
	/* Sections disable preemption; with it on, none is open for us. */
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT) && preemptible())
		return false;
	return gus_in_section(d);
}
EXPORT_SYMBOL_GPL(gus_read_held);

/**
 * __gus_dereference_report() - report an unprotected gus_dereference().
 * @d: the domain the load named, or NULL.
 * @what: what was wrong.
 *
 * Called once per call site by the accessors in gusslab.h under
 * CONFIG_PROVE_RCU; counted as a misuse of @d.  Not for direct use.
 *
 * Context: any context.
 */
void __gus_dereference_report(struct gus_domain *d, const char *what)
{
	if (d) {
		gus_misuse(d, what);
		return;
	}
	if (!READ_ONCE(gus_quiet_misuse))
		WARN(1, "gusslab: %s\n", what);
}
EXPORT_SYMBOL_GPL(__gus_dereference_report);

/**
 * gus_wait() - sleep until a goal is reached.
 * @d: the domain.
 * @goal: a value gus_advance() returned on @d.
 *
 * Polls a few times, then sleeps between polls with a backoff that grows
 * to one millisecond, so a reader on a preempted vCPU is not spun on.
 * Waiting inside a section of @d would wait for the caller itself: that is
 * reported and the call returns at once.
 *
 * Context: process context, outside any GUS section; may sleep.
 */
void gus_wait(struct gus_domain *d, unsigned long goal)
{
	unsigned int delay_us = 10;
	int spins;

	gus_count(d, GUS_EV_WAIT);
	if (gus_in_section(d)) {
		/* Lockdep names the section too, unless a test provokes this. */
		if (!READ_ONCE(gus_quiet_misuse))
			gus_lock_sync(d);
		gus_misuse(d, "waiting inside a read section of the domain");
		return;
	}
	gus_lock_sync(d);
	might_sleep();
	trace_gus_wait(d->name, goal, atomic_long_read(&d->wr_seq));
	if (d->flags & GUS_LAZY) {
		cond_synchronize_rcu(goal);
		/*
		 * The grace period that ended may not have moved the polled
		 * state past @goal (an expedited one on some kernels): until
		 * gus_poll() agrees, sleep with a grace period kicked.
		 */
		while (!gus_poll_lazy(d, goal))
			schedule_timeout_uninterruptible(1);
		return;
	}
	for (spins = 0; spins < 16; spins++) {
		if (gus_poll(d, goal))
			return;
		cpu_relax();
	}
	while (!gus_poll(d, goal)) {
		usleep_range(delay_us, 2 * delay_us);
		delay_us = min(2 * delay_us, 1000U);
	}
}
EXPORT_SYMBOL_GPL(gus_wait);

/**
 * gus_synchronize() - wait for every section open now to end.
 * @d: the domain.
 *
 * Context: process context, outside any GUS section; may sleep.
 */
void gus_synchronize(struct gus_domain *d)
{
	gus_wait(d, gus_advance(d));
}
EXPORT_SYMBOL_GPL(gus_synchronize);

/* Sum of one counter over all CPUs, for debugfs and tests. */
unsigned long gus_event_sum(struct gus_domain *d, enum gus_event e)
{
	return gus_percpu_sum(&d->stats->ev[0], e);
}

GUS_EXPORT_INTERNAL(gus_event_sum);

static struct gus_domain *gus_find_locked(const char *name)
{
	struct gus_domain *d;

	lockdep_assert_held(&gus_domains_lock);
	list_for_each_entry(d, &gus_domains, node)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

static bool gus_domain_args_ok(const char *name, unsigned int flags,
			       unsigned long start)
{
	if (!name || !*name || strlen(name) >= sizeof_field(struct gus_domain, name)) {
		pr_err("gusslab: GUS domain name '%s' is empty or longer than %zu bytes\n",
		       name ?: "(null)", sizeof_field(struct gus_domain, name) - 1);
		return false;
	}
	if (strchr(name, '/')) {
		pr_err("gusslab: GUS domain name '%s' contains '/'\n", name);
		return false;
	}
	if ((flags & ~GUS_DOMAIN_FLAGS) ||
	    (flags & (GUS_LAZY | GUS_DEFERRED)) == (GUS_LAZY | GUS_DEFERRED)) {
		pr_err("gusslab: GUS domain %s: invalid flags %#x\n", name, flags);
		return false;
	}
	if (!(start & 1)) {
		pr_err("gusslab: GUS domain %s: start sequence %lu is not odd\n",
		       name, start);
		return false;
	}
	return true;
}

struct gus_domain *__gus_domain_create(const char *name, unsigned int flags,
				       unsigned long start)
{
	struct gus_domain *d;

	if (!gus_domain_args_ok(name, flags, start))
		return NULL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->readers = alloc_percpu(struct gus_reader);
	d->stats = alloc_percpu(struct gus_stats);
	if (!d->readers || !d->stats || gus_callbacks_init(d))
		goto fail;
	strscpy(d->name, name, sizeof(d->name));
	d->flags = flags;
	d->start = start;
	atomic_long_set(&d->wr_seq, start);
	atomic_long_set(&d->rd_seq, start);
	INIT_LIST_HEAD(&d->users);
	lockdep_register_key(&d->dep_key);	/* a class per domain */
	lockdep_init_map(&d->dep_map, d->name, &d->dep_key, 0);

	mutex_lock(&gus_domains_lock);
	if (gus_find_locked(name)) {
		mutex_unlock(&gus_domains_lock);
		pr_err("gusslab: GUS domain %s already exists\n", name);
		gus_callbacks_exit(d);	/* while the map's key is registered */
		lockdep_unregister_key(&d->dep_key);
		goto fail;
	}
	list_add_tail(&d->node, &gus_domains);
	gus_debugfs_add(d);
	mutex_unlock(&gus_domains_lock);
	return d;
fail:
	gus_callbacks_exit(d);
	free_percpu(d->stats);
	free_percpu(d->readers);
	kfree(d);
	return NULL;
}

GUS_EXPORT_INTERNAL(__gus_domain_create);

/**
 * gus_domain_create() - create a GUS domain.
 * @name: a unique name of at most 31 bytes, without '/'; it names the
 *        domain's debugfs file.
 * @flags: 0, GUS_DEFERRED or GUS_LAZY.
 *
 * Context: process context; may sleep.
 * Return: the domain, or NULL (with the reason logged) if @name is taken
 * or invalid, @flags are invalid, or memory ran out.
 */
struct gus_domain *gus_domain_create(const char *name, unsigned int flags)
{
	return __gus_domain_create(name, flags,
				   start_near_wrap ? GUS_SEQ_NEAR_WRAP : GUS_SEQ_INIT);
}
EXPORT_SYMBOL_GPL(gus_domain_create);

/* Number of CPUs with a section of @d open right now. */
static unsigned int gus_open_sections(struct gus_domain *d)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(d->readers, cpu)->seq) != GUS_SEQ_INVALID;
	return n;
}

/*
 * Before a domain is freed: sections still open are a caller bug,
 * reported and waited for.  Waiting for a goal, not for an instant with
 * no section open, ends even while readers keep entering (which is the
 * caller's bug too).
 */
void gus_domain_quiesce(struct gus_domain *d)
{
	if (!(d->flags & GUS_LAZY) && gus_open_sections(d)) {
		gus_misuse(d, "destroyed with read sections open");
		gus_synchronize(d);
	}
}

GUS_EXPORT_INTERNAL(gus_domain_quiesce);

/**
 * gus_domain_attach() - record that @u reclaims through @d.
 * @d: the domain.
 * @u: the user (a cache), not yet attached anywhere.
 *
 * Context: process context; may sleep.
 */
void gus_domain_attach(struct gus_domain *d, struct gus_domain_user *u)
{
	mutex_lock(&gus_users_lock);
	list_add_tail(&u->node, &d->users);
	mutex_unlock(&gus_users_lock);
}

GUS_EXPORT_INTERNAL(gus_domain_attach);

/**
 * gus_domain_detach() - undo gus_domain_attach().
 * @d: the domain.
 * @u: a user attached to @d.
 *
 * Context: process context; may sleep.
 */
void gus_domain_detach(struct gus_domain *d, struct gus_domain_user *u)
{
	mutex_lock(&gus_users_lock);
	list_del_init(&u->node);
	mutex_unlock(&gus_users_lock);
}

GUS_EXPORT_INTERNAL(gus_domain_detach);

static unsigned int gus_domain_users_locked(struct gus_domain *d)
{
	struct gus_domain_user *u;
	unsigned int n = 0;

	lockdep_assert_held(&gus_users_lock);
	list_for_each_entry(u, &d->users, node)
		n++;
	return n;
}

/* How many caches reclaim through @d now.  Context: may sleep. */
unsigned int gus_domain_users(struct gus_domain *d)
{
	unsigned int n;

	mutex_lock(&gus_users_lock);
	n = gus_domain_users_locked(d);
	mutex_unlock(&gus_users_lock);
	return n;
}

GUS_EXPORT_INTERNAL(gus_domain_users);

/* Does a cache still reclaim through @d?  Names the first if so. */
static bool gus_domain_in_use(struct gus_domain *d)
{
	struct gus_domain_user *u;
	unsigned int n;

	mutex_lock(&gus_users_lock);
	n = gus_domain_users_locked(d);
	u = list_first_entry_or_null(&d->users, struct gus_domain_user, node);
	if (u)
		pr_err("gusslab: GUS domain %s: not destroyed: %u cache(s) still reclaim through it, %s the first\n",
		       d->name, n, u->name);
	mutex_unlock(&gus_users_lock);
	return n;
}

/**
 * gus_domain_destroy() - destroy a GUS domain.
 * @d: the domain, or NULL.
 *
 * Refused while a cache created on @d exists: destroy the caches first.
 * Otherwise callbacks still pending (gus_call()) are flushed first: each
 * one runs, once the sections it waits for have ended, before this
 * returns, as after gus_barrier(); so are callbacks they queue on @d.
 * Queuing callbacks on @d while it is destroyed is a caller bug.  Sections
 * still open are a caller bug too: they are reported and waited for
 * before the domain's memory is freed.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EBUSY (logged, @d left as it was) if a cache uses @d.
 */
int gus_domain_destroy(struct gus_domain *d)
{
	if (!d)
		return 0;
	if (gus_domain_in_use(d))
		return -EBUSY;
	gus_callbacks_exit(d);
	gus_domain_quiesce(d);
	if (d->flags & GUS_LAZY)
		rcu_barrier();	/* gus_lazy_kicked() may still be queued */

	mutex_lock(&gus_domains_lock);
	gus_debugfs_remove(d);
	list_del(&d->node);
	mutex_unlock(&gus_domains_lock);

	lockdep_unregister_key(&d->dep_key);
	free_percpu(d->stats);
	free_percpu(d->readers);
	kfree(d);
	return 0;
}
EXPORT_SYMBOL_GPL(gus_domain_destroy);
