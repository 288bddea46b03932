// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of caches, under /sys/kernel/debug/gusslab/:
 *
 *   caches         one line per cache, in the spirit of /proc/slabinfo;
 *                  where the objects are: gus_cache_usage()
 *   <cache>/stats  each counter, its total then per CPU as C<cpu>=<n>, as
 *                  SLUB's sysfs does; writing 0 clears them
 *   <cache>/cpu    each online CPU's magazine occupancy
 *   <cache>/ring   the transfer ring's occupancy and positions; SMR: the
 *                  head magazine's stamp against the domain
 *   <cache>/shrink writing 1 runs gus_cache_shrink()
 *   <cache>/debug  debug flags (slab_debug letters), reports, quarantined
 *   <cache>/domain SMR: a link to the domain's file, ../gus/<cache>
 *
 * Files come and go with their cache under gus_caches_lock; debugfs keeps
 * a handler from running once gus_cache_debugfs_remove() has returned.
 */
#include <linux/cpu.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"

static const char *const gus_cache_event_names[GUS_NR_CACHE_EVENTS] = {
	[GUS_ALLOC_FAST] = "alloc_fast",
	[GUS_ALLOC_SLOW] = "alloc_slow",
	[GUS_FREE_FAST] = "free_fast",
	[GUS_FREE_SLOW] = "free_slow",
	[GUS_MAG_SWAP] = "magazine_swap",
	[GUS_RING_PUSH] = "ring_push",
	[GUS_RING_POP] = "ring_pop",
	[GUS_RING_FULL] = "ring_full",
	[GUS_RING_EMPTY] = "ring_empty",
	[GUS_SMR_NOT_READY] = "smr_not_ready",
	[GUS_DEPOT_REFILL] = "depot_refill",
	[GUS_DEPOT_DRAIN] = "depot_drain",
	[GUS_SLAB_ALLOC] = "slab_alloc",
	[GUS_SLAB_FREE] = "slab_free",
	[GUS_ALLOC_FAILED] = "alloc_failed",
	[GUS_BAD_FREE] = "bad_free",
	[GUS_SHRINK_SCAN] = "shrink_scan",
	[GUS_SHRINK_FREED] = "shrink_freed",
	[GUS_FREE_DEFERRED] = "free_deferred",
	[GUS_FREE_REMOTE] = "free_remote",
	[GUS_ORDER_FALLBACK] = "order_fallback",
	[GUS_ALLOC_NODE] = "alloc_node",
	[GUS_CPU_BUSY] = "cpu_busy",
	[GUS_OVERFLOW_PUSH] = "overflow_push",
	[GUS_OVERFLOW_POP] = "overflow_pop",
};

/* Objects in another CPU's magazine; the caller holds rcu_read_lock(). */
static unsigned int gus_peek_count(struct gus_mag **slot)
{
	struct gus_mag *m = READ_ONCE(*slot);	/* the remote one may be NULL */

	/* The owner swaps and fills it under its CPU lock: a racy look. */
	return m ? data_race(READ_ONCE(m->count)) : 0;
}

/**
 * gus_cache_usage() - count where @c's objects are.
 * @c: the cache.
 * @u: filled in.
 *
 * A snapshot taken without stopping the cache: exact when it is quiet,
 * approximate (never negative) while it works.
 *
 * Context: process or softirq context, not in an NMI.
 */
void gus_cache_usage(struct gus_cache *c, struct gus_cache_usage *u)
{
	unsigned long empty = 0, held;
	struct gus_cpu *pc;
	long queued = 0;
	int node, cpu;

	gus_depot_totals(c, &u->slabs, &u->in_slabs);
	for_each_node(node) {
		empty += READ_ONCE(c->nodes[node]->nr_empty);
		queued += READ_ONCE(c->nodes[node]->nr_deferred);	/* SMR, no magazine */
	}
	u->active_slabs = u->slabs - min(empty, u->slabs);
	u->objects = gus_depot_objects(c);
	u->in_cpus = 0;
	rcu_read_lock();	/* magazines are freed after a grace period */
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(c->cpu, cpu);
		u->in_cpus += gus_peek_count(&pc->alloc) + gus_peek_count(&pc->free) +
			      gus_peek_count(&pc->remote);
		/* Updated without a lock by its CPU: a snapshot is enough. */
		queued += data_race(READ_ONCE(pc->queued));
	}
	rcu_read_unlock();
	u->queued = max(queued, 0L);
	u->quarantined = atomic_long_read(&c->quarantined);
	held = u->objects - min(u->in_slabs, u->objects);
	u->active = held - min(u->in_cpus + u->queued + u->quarantined, held);
}

GUS_EXPORT_INTERNAL(gus_cache_usage);

/* Full magazines in the rings of every node. */
static unsigned int gus_cache_ring_mags(struct gus_cache *c)
{
	unsigned int n = 0;
	int node;

	for_each_node(node)
		n += gus_ring_count(c->nodes[node]->ring);
	return n;
}

static int gus_caches_show(struct seq_file *m, void *unused)
{
	struct gus_cache_usage u;
	struct gus_cache *c;

	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> <active_slabs> <num_slabs> <cpu_objs> <queued_objs> <ring_mags> <domain>\n");
	mutex_lock(&gus_caches_lock);
	list_for_each_entry(c, &gus_caches, list) {
		gus_cache_usage(c, &u);
		seq_printf(m, "%-17s %13lu %10lu %9u %12u %14u %14lu %11lu %10lu %13lu %11u %s\n",
			   c->name, u.active, u.objects, c->size, c->objects,
			   1U << c->order, u.active_slabs, u.slabs, u.in_cpus,
			   u.queued, gus_cache_ring_mags(c),
			   c->domain ? c->domain->name : "-");
	}
	mutex_unlock(&gus_caches_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_caches);

/*
 * The fast paths' events not yet folded into @pc's counters (slab/cache.h,
 * struct gus_cpu); the caller holds rcu_read_lock() and checks seq.
 */
static unsigned long gus_cpu_pending(struct gus_cpu *pc, enum gus_cache_event e)
{
	if (e == GUS_ALLOC_FAST)
		return READ_ONCE(pc->alloc_mark) - READ_ONCE(READ_ONCE(pc->alloc)->count);
	return READ_ONCE(READ_ONCE(pc->free)->count) - READ_ONCE(pc->free_mark);
}

/* @cpu's count of @e since its creation: the counter and, fast paths, the rest. */
static unsigned long gus_cpu_event_total(struct gus_cache *c, int cpu,
					 enum gus_cache_event e)
{
	struct gus_cpu *pc = per_cpu_ptr(c->cpu, cpu);
	unsigned long v;
	unsigned int seq;

	if (e != GUS_ALLOC_FAST && e != GUS_FREE_FAST)
		return READ_ONCE(pc->ev[e]);
	rcu_read_lock();	/* magazines are freed after a grace period */
	for (;;) {
		seq = READ_ONCE(pc->seq);
		smp_rmb();	/* seq, then what it covers: gus_cpu_stats_close()'s smp_wmb() */
		v = READ_ONCE(pc->ev[e]);
		if (seq & 1) {
			/*
			 * A slow section is open.  On our own CPU we interrupted
			 * it and would wait for ever: what it folded is all
			 * there is.  Elsewhere it closes soon.
			 */
			if (cpu == raw_smp_processor_id())
				break;
			cpu_relax();
			continue;
		}
		v += gus_cpu_pending(pc, e);
		smp_rmb();	/* what seq covers, then seq: gus_cpu_stats_open()'s smp_wmb() */
		if (READ_ONCE(pc->seq) == seq)
			break;
	}
	rcu_read_unlock();
	return v;
}

/**
 * gus_cpu_event() - how many events @e @cpu counted in @c since the clear.
 * @c: the cache.
 * @cpu: a possible CPU.
 * @e: the event.
 *
 * Context: any context; it may spin while @cpu is inside a slow section.
 * Return: the count.  Counters only grow, so a clear racing with it gives
 * 0 or the count before it.
 */
static unsigned long gus_cpu_event(struct gus_cache *c, int cpu,
				   enum gus_cache_event e)
{
	struct gus_cpu *pc = per_cpu_ptr(c->cpu, cpu);
	unsigned long cleared = READ_ONCE(pc->cleared[e]);
	unsigned long v = gus_cpu_event_total(c, cpu, e);

	return v > cleared ? v - cleared : 0;
}

unsigned long gus_cache_event_sum(struct gus_cache *c, enum gus_cache_event e)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += gus_cpu_event(c, cpu, e);
	return sum;
}

GUS_EXPORT_INTERNAL(gus_cache_event_sum);

static int gus_cache_stats_show(struct seq_file *m, void *unused)
{
	struct gus_cache *c = m->private;
	unsigned int e;
	int cpu;

	for (e = 0; e < GUS_NR_CACHE_EVENTS; e++) {
		seq_printf(m, "%-14s %lu", gus_cache_event_names[e],
			   gus_cache_event_sum(c, e));
		for_each_online_cpu(cpu)
			seq_printf(m, " C%d=%lu", cpu, gus_cpu_event(c, cpu, e));
		seq_putc(m, '\n');
	}
	return 0;
}

static int gus_cache_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, gus_cache_stats_show, inode->i_private);
}

/**
 * gus_cache_stats_clear() - zero every counter of @c.
 * @c: the cache.
 *
 * Each CPU's counts are read and kept as the zero they are counted from
 * (its cleared[]); the CPUs' own counters are not written.
 *
 * Context: any context.
 */
void gus_cache_stats_clear(struct gus_cache *c)
{
	unsigned int e;
	int cpu;

	for_each_possible_cpu(cpu)
		for (e = 0; e < GUS_NR_CACHE_EVENTS; e++)
			WRITE_ONCE(per_cpu_ptr(c->cpu, cpu)->cleared[e],
				   gus_cpu_event_total(c, cpu, e));
}

GUS_EXPORT_INTERNAL(gus_cache_stats_clear);

DEFINE_STATIC_KEY_TRUE(gus_stats_key);

/**
 * gus_cache_stats_enable() - turn every cache's counters on or off.
 * @on: the new state.
 *
 * Off, the slow paths skip their counters, which keep their values;
 * alloc_fast and free_fast, read off the magazines, count on.  The caches
 * file does not depend on them.
 *
 * Context: process context; may sleep.
 */
void gus_cache_stats_enable(bool on)
{
	if (on)
		static_branch_enable(&gus_stats_key);
	else
		static_branch_disable(&gus_stats_key);
}

GUS_EXPORT_INTERNAL(gus_cache_stats_enable);

/* Module parameters that switch a static key: kp->arg is the key. */
static int gus_key_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (on)
		static_key_enable(kp->arg);
	else
		static_key_disable(kp->arg);
	return 0;
}

/* A static key parameter's value, Y or N: @kp->arg is the key. */
int gus_key_param_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%c\n", static_key_enabled((struct static_key *)kp->arg) ? 'Y' : 'N');
}

static const struct kernel_param_ops gus_key_param_ops = {
	.set = gus_key_param_set,
	.get = gus_key_param_get,
};

module_param_cb(stats, &gus_key_param_ops, &gus_stats_key.key, 0644);
MODULE_PARM_DESC(stats, "count the slow paths' events in <cache>/stats (default Y)");

/* Writing 0 clears every counter. */
static ssize_t gus_cache_stats_write(struct file *file, const char __user *buf,
				     size_t len, loff_t *ppos)
{
	struct gus_cache *c = ((struct seq_file *)file->private_data)->private;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, len, 0, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	gus_cache_stats_clear(c);
	return len;
}

static const struct file_operations gus_cache_stats_fops = {
	.owner = THIS_MODULE,
	.open = gus_cache_stats_open,
	.read = seq_read,
	.write = gus_cache_stats_write,
	.llseek = seq_lseek,
	.release = single_release,
};

struct gus_cpu_snap {
	unsigned int alloc, free, size, remote;
};

/* Runs on the CPU being read, in a bound kworker. */
static long gus_cpu_snapshot(void *arg)
{
	struct gus_cache *c = ((void **)arg)[0];
	struct gus_cpu_snap *snap = ((void **)arg)[1];
	struct gus_cpu *pc;

	/* A task: no context it interrupted can hold the lock. */
	if (WARN_ON_ONCE(!gus_cpu_get(c, &pc)))
		return -EBUSY;
	snap->alloc = pc->alloc->count;
	snap->free = pc->free->count;
	snap->size = pc->alloc->size;
	snap->remote = pc->remote ? pc->remote->count : 0;
	gus_cpu_put(pc);
	return 0;
}

static int gus_cache_cpu_show(struct seq_file *m, void *unused)
{
	struct gus_cache *c = m->private;
	struct gus_cpu_snap snap;
	void *arg[2] = { c, &snap };
	int cpu;

	seq_puts(m, "# cpu alloc_objs free_objs magazine_size remote_objs\n");
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		work_on_cpu(cpu, gus_cpu_snapshot, arg);
		seq_printf(m, "%d %u %u %u %u\n", cpu, snap.alloc, snap.free, snap.size,
			   snap.remote);
	}
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_cache_cpu);

/* A gus_ring_pop_if() predicate that only records the head's stamp. */
static bool gus_peek_stamp(void *item, void *stamp)
{
	*(unsigned long *)stamp = READ_ONCE(((struct gus_mag *)item)->stamp);
	return false;
}

static int gus_cache_ring_show(struct seq_file *m, void *unused)
{
	struct gus_cache *c = m->private;
	struct gus_ring *r;
	unsigned long stamp;
	void *unused_item;
	int err, node;

	seq_printf(m, "spare_magazines %u\n", gus_ring_count(c->empty));
	for_each_node(node) {
		r = c->nodes[node]->ring;
		seq_printf(m, "node %d\nmagazines %u\ncapacity %u\nhead %u\ntail %u\n", node,
			   gus_ring_count(r), gus_ring_capacity(r),
			   atomic_read(&r->head), atomic_read(&r->tail));
		if (!c->domain)
			continue;
		/* The head magazine may be popped and freed meanwhile: magazine.c. */
		rcu_read_lock();
		err = gus_ring_pop_if(r, &unused_item, gus_peek_stamp, &stamp);
		rcu_read_unlock();
		if (err == -EBUSY)
			seq_printf(m, "head_stamp %lu\nhead_reusable %s\n", stamp,
				   gus_poll(c->domain, stamp) ? "yes" : "no");
		else
			seq_puts(m, "head_stamp -\nhead_reusable -\n");
		seq_printf(m, "overflow %s\n",
			   list_empty_careful(&c->nodes[node]->overflow) ? "empty" : "used");
	}
	if (c->domain && (c->domain->flags & GUS_LAZY))	/* stamps are RCU cookies */
		seq_printf(m, "rcu_cookie %lu\n", gus_current(c->domain));
	else if (c->domain)
		seq_printf(m, "wr_seq %lu\nrd_seq %lu\n", gus_current(c->domain),
			   atomic_long_read(&c->domain->rd_seq));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_cache_ring);

/* The debug flags as slab_debug letters, the reports, the quarantine. */
static int gus_cache_debug_show(struct seq_file *m, void *unused)
{
	struct gus_cache *c = m->private;
	char letters[8];

	seq_printf(m, "flags %s\nreports %ld\nquarantined %ld\n",
		   gus_debug_flag_letters(c, letters), atomic_long_read(&c->reports),
		   atomic_long_read(&c->quarantined));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_cache_debug);

static ssize_t gus_cache_shrink_write(struct file *file, const char __user *buf,
				      size_t len, loff_t *ppos)
{
	struct gus_cache *c = file->private_data;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, len, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	gus_cache_shrink(c);
	return len;
}

static const struct file_operations gus_cache_shrink_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = gus_cache_shrink_write,
	.llseek = noop_llseek,
};

void gus_cache_debugfs_add(struct gus_cache *c)
{
	if (IS_ERR_OR_NULL(gusslab_debugfs_root))
		return;
	c->dir = debugfs_create_dir(c->name, gusslab_debugfs_root);
	debugfs_create_file("stats", 0600, c->dir, c, &gus_cache_stats_fops);
	debugfs_create_file("cpu", 0400, c->dir, c, &gus_cache_cpu_fops);
	debugfs_create_file("ring", 0400, c->dir, c, &gus_cache_ring_fops);
	debugfs_create_file("shrink", 0200, c->dir, c, &gus_cache_shrink_fops);
	debugfs_create_file("debug", 0400, c->dir, c, &gus_cache_debug_fops);
	if (c->domain) {
		char target[48];

		snprintf(target, sizeof(target), "../gus/%s", c->domain->name);
		debugfs_create_symlink("domain", c->dir, target);
	}
}

void gus_cache_debugfs_remove(struct gus_cache *c)
{
	debugfs_remove(c->dir);
	c->dir = NULL;
}

int gus_cache_debugfs_init(void)
{
	debugfs_create_file("caches", 0400, gusslab_debugfs_root, NULL,
			    &gus_caches_fops);
	return 0;
}
