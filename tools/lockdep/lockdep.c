// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_lockdep: GUS misuse for lockdep to report, on purpose
 * (tools/testing/run.sh --mode lockdep --lockdep-case CASE).
 *
 * Every GUS domain has a lockdep map, a class of its own named after the
 * domain: a read section holds it as a recursive reader, and gus_wait()
 * (so gus_synchronize()) syncs on it, as a writer that takes and drops
 * it at once.  So lockdep sees the deadlocks a waiter can build with
 * sections.  This module builds each of them once, on a domain of its own
 * named "gus-lockdep-demo" (the name lockdep prints for the map), at load,
 * and then leaves the domain for the unload to destroy.  case= chooses:
 *
 * recursive  gus_enter(d); gus_synchronize(d); gus_exit(d).  The wait is
 *            for every section of d open now, the caller's own among
 *            them, and that one cannot end before the wait returns: the
 *            task waits for itself, forever.  gus_wait() sees the open
 *            section, WARNs the misuse and returns at once instead; lockdep
 *            reports "possible recursive locking detected", the sync of
 *            the map by a task that holds it as a reader.
 *
 * abba       A reader on a kthread on another CPU takes ld_lock inside its
 *            section: the domain, then ld_lock.  Then the loading task
 *            takes ld_lock and calls gus_synchronize(d) with it held:
 *            ld_lock, then the domain.  Run at the same time, the reader
 *            spins on ld_lock inside its section while the writer, holding
 *            ld_lock, waits for that section to end: neither ever moves.
 *            Here the two run one after the other, so nothing hangs (the
 *            reader has left its section when the writer waits, and the
 *            writer's first poll reaches the goal), but lockdep records
 *            both orders and reports "possible circular locking dependency
 *            detected".  A GUS section may only take spinning locks, so the
 *            lock is a spinlock, and the wait with it held also trips
 *            gus_wait()'s might_sleep() ("BUG: sleeping function called
 *            from invalid context"): expected here.
 *
 * clean      The correct pattern, many times: on every other online CPU a
 *            kthread, and on every CPU an hrtimer in hard interrupt
 *            context, take ld_lock inside sections and check the object
 *            that a __gus pointer leads to; the loading task replaces the
 *            object under ld_lock, calls gus_synchronize() after dropping
 *            it and only then frees the old one, "rounds" times.  Lockdep
 *            must stay silent: the load fails (-EIO) if it reported
 *            anything (debug_locks cleared) or a reader found a dead object.
 *
 * Lockdep reports only once per boot, so each case needs a boot of its
 * own.  Without CONFIG_PROVE_LOCKING, or with lockdep already off, the
 * load is refused: there would be nothing to see.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../gus/gus_internal.h"

GUS_IMPORT_INTERNAL();

static char *ld_case = "recursive";
module_param_named(case, ld_case, charp, 0444);
MODULE_PARM_DESC(case, "recursive, abba or clean (see the module's opening comment)");

static unsigned int rounds = 2000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "clean: replacements, each with its gus_synchronize() (default 2000)");

#define LD_LIVE		0x6c697665UL
#define LD_DEAD		0x64656164UL
#define LD_TICK_NS	(500 * NSEC_PER_USEC)

struct ld_obj {
	unsigned long magic;	/* LD_LIVE while reachable or in use */
	unsigned long gen;
};

struct ld_reader {
	struct task_struct *task;
	struct hrtimer timer;
	unsigned long sections;		/* by the kthread */
	unsigned long irq_sections;	/* by the hrtimer */
};

static struct gus_domain *ld_domain;
static DEFINE_SPINLOCK(ld_lock);
static struct ld_obj __gus *ld_ptr;
static unsigned long ld_locked_reads;	/* protected by ld_lock */
static atomic_long_t ld_dead_seen;
static DEFINE_PER_CPU(struct ld_reader, ld_readers);
static DECLARE_COMPLETION(ld_abba_done);

/* One section that takes ld_lock; irqsave, as hardirq readers take it too. */
static void ld_read_once(void)
{
	unsigned long flags;
	struct ld_obj *o;

	gus_enter(ld_domain);
	o = gus_dereference(ld_ptr, ld_domain);
	spin_lock_irqsave(&ld_lock, flags);
	if (o && READ_ONCE(o->magic) != LD_LIVE)
		atomic_long_inc(&ld_dead_seen);
	ld_locked_reads++;
	spin_unlock_irqrestore(&ld_lock, flags);
	gus_exit(ld_domain);
}

static enum hrtimer_restart ld_tick(struct hrtimer *t)
{
	struct ld_reader *r = container_of(t, struct ld_reader, timer);

	ld_read_once();
	r->irq_sections++;
	hrtimer_forward_now(t, ns_to_ktime(LD_TICK_NS));
	return HRTIMER_RESTART;
}

/* clean: a reader kthread, bound to its CPU. */
static int ld_reader_fn(void *arg)
{
	struct ld_reader *r = arg;

	while (!kthread_should_stop()) {
		ld_read_once();
		r->sections++;
		if (!(r->sections % 32))
			usleep_range(50, 100);
	}
	return 0;
}

/* clean: on each CPU, by IPI: start its hrtimer reader there. */
static void ld_start_timer(void *unused)
{
	hrtimer_start(&this_cpu_ptr(&ld_readers)->timer, ns_to_ktime(LD_TICK_NS),
		      HRTIMER_MODE_REL_PINNED);
}

/* abba: the reader's half, section then ld_lock, once. */
static int ld_abba_reader_fn(void *unused)
{
	gus_enter(ld_domain);
	spin_lock(&ld_lock);
	ld_locked_reads++;
	spin_unlock(&ld_lock);
	gus_exit(ld_domain);
	complete(&ld_abba_done);
	/* kthread_stop() wants the thread alive until it is called. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

/* Another online CPU than this one, or this one if it is the only one. */
static unsigned int ld_other_cpu(void)
{
	unsigned int me = raw_smp_processor_id(), cpu;

	cpu = cpumask_next(me, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	return cpu;
}

static int ld_recursive(void)
{
	pr_info("gusslab_lockdep: recursive: gus_synchronize() inside a section of %s\n",
		ld_domain->name);
	gus_enter(ld_domain);
	gus_synchronize(ld_domain);	/* waits for itself: the bug */
	gus_exit(ld_domain);
	return 0;
}

static int ld_abba(void)
{
	unsigned int cpu = ld_other_cpu();
	struct task_struct *t;

	pr_info("gusslab_lockdep: abba: a kthread on CPU %u: section, then ld_lock; then insmod: ld_lock, then gus_synchronize()\n",
		cpu);
	t = kthread_create(ld_abba_reader_fn, NULL, "gus-lockdep-rd");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&ld_abba_done);
	kthread_stop(t);

	/* No section is open: the wait ends in its first poll. */
	spin_lock(&ld_lock);
	gus_synchronize(ld_domain);	/* with ld_lock held: the bug */
	spin_unlock(&ld_lock);
	return 0;
}

static struct ld_obj *ld_new(unsigned long gen)
{
	struct ld_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (o) {
		o->magic = LD_LIVE;
		o->gen = gen;
	}
	return o;
}

static void ld_stop_readers(void)
{
	struct ld_reader *r;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&ld_readers, cpu);
		if (r->task)
			kthread_stop(r->task);
		r->task = NULL;
	}
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(&ld_readers, cpu)->timer);
}

static int ld_clean(void)
{
	unsigned long sections = 0, irq_sections = 0, n, flags;
	unsigned int cpu, me, nthreads = 0;
	struct ld_obj *o, *old;
	ktime_t start = ktime_get();
	struct ld_reader *r;
	int err = 0;

	o = ld_new(0);
	if (!o)
		return -ENOMEM;
	gus_assign_pointer(ld_ptr, o);
	for_each_possible_cpu(cpu)
		gus_hrtimer_setup(&per_cpu_ptr(&ld_readers, cpu)->timer, ld_tick,
				  CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);

	/* Reader kthreads on the other CPUs, wherever the writer goes on. */
	me = raw_smp_processor_id();
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		r = per_cpu_ptr(&ld_readers, cpu);
		r->task = kthread_create(ld_reader_fn, r, "gus-lockdep-rd/%u", cpu);
		if (IS_ERR(r->task)) {
			err = PTR_ERR(r->task);
			r->task = NULL;
			break;
		}
		kthread_bind(r->task, cpu);
		nthreads++;
	}
	on_each_cpu(ld_start_timer, NULL, 1);
	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&ld_readers, cpu);
		if (r->task)
			wake_up_process(r->task);
	}
	if (err)
		goto out;

	pr_info("gusslab_lockdep: clean: %u reader kthreads, an hrtimer reader per CPU, %u replacements\n",
		nthreads, rounds);
	for (n = 1; n <= rounds; n++) {
		o = ld_new(n);
		if (!o) {
			err = -ENOMEM;
			break;
		}
		spin_lock_irqsave(&ld_lock, flags);
		old = gus_dereference_protected(ld_ptr, lockdep_is_held(&ld_lock));
		gus_assign_pointer(ld_ptr, o);
		spin_unlock_irqrestore(&ld_lock, flags);
		gus_synchronize(ld_domain);	/* no lock held: correct */
		WRITE_ONCE(old->magic, LD_DEAD);
		kfree(old);
		if (!(n % 64))
			cond_resched();
	}
out:
	ld_stop_readers();
	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&ld_readers, cpu);
		sections += r->sections;
		irq_sections += r->irq_sections;
	}
	old = gus_dereference_protected(ld_ptr, true);	/* the readers are gone */
	gus_assign_pointer(ld_ptr, NULL);
	kfree(old);
	pr_info("gusslab_lockdep: clean: %lu replacements in %lld ms, %lu sections in kthreads, %lu in hardirq, %ld dead objects seen, lockdep %s\n",
		n - 1, ktime_ms_delta(ktime_get(), start), sections, irq_sections,
		atomic_long_read(&ld_dead_seen), debug_locks ? "still on" : "OFF (it reported)");
	if (err)
		return err;
	return atomic_long_read(&ld_dead_seen) || !debug_locks ? -EIO : 0;
}

static int __init ld_init(void)
{
	int err;

	if (!IS_ENABLED(CONFIG_PROVE_LOCKING)) {
		pr_err("gusslab_lockdep: the kernel has no CONFIG_PROVE_LOCKING: nothing to show\n");
		return -EOPNOTSUPP;
	}
	if (!debug_locks) {
		pr_err("gusslab_lockdep: lockdep is off already (it reported before): boot again\n");
		return -EBUSY;
	}
	if (READ_ONCE(gus_quiet_misuse)) {
		pr_err("gusslab_lockdep: gus_quiet_misuse is set: gus_wait() would not annotate\n");
		return -EBUSY;
	}
	ld_domain = gus_domain_create("gus-lockdep-demo", 0);
	if (!ld_domain)
		return -ENOMEM;

	if (!strcmp(ld_case, "recursive")) {
		err = ld_recursive();
	} else if (!strcmp(ld_case, "abba")) {
		err = ld_abba();
	} else if (!strcmp(ld_case, "clean")) {
		err = ld_clean();
	} else {
		pr_err("gusslab_lockdep: unknown case '%s' (recursive, abba or clean)\n", ld_case);
		err = -EINVAL;
	}
	if (!err && strcmp(ld_case, "clean"))
		pr_info("gusslab_lockdep: %s: done, lockdep %s\n", ld_case,
			debug_locks ? "still on: it reported NOTHING" : "off: it reported");
	if (err)
		gus_domain_destroy(ld_domain);
	return err;
}

static void __exit ld_exit(void)
{
	gus_domain_destroy(ld_domain);
}

module_init(ld_init);
module_exit(ld_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab: GUS misuse that lockdep must report, and correct use it must not");
