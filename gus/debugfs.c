// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of GUS domains: /sys/kernel/debug/gusslab/gus/<domain>.
 *
 * One read-only file per domain with its sequences (the first one too,
 * so that tools can show how far a domain has come), every CPU's read
 * sequence, the summed per-CPU counters and the caches that reclaim
 * through the domain (read under gus_users_lock).  Files are added and
 * removed under gus_domains_lock by gus.c, which show() therefore never
 * takes; debugfs itself keeps a file's show() from running after
 * gus_debugfs_remove() returns.
 */
#include <linux/seq_file.h>

#include "gus_internal.h"

static struct dentry *gus_dir;

static const char *gus_mode_name(unsigned int flags)
{
	if (flags & GUS_LAZY)
		return "lazy";
	if (flags & GUS_DEFERRED)
		return "deferred";
	return "default";
}

static const char *const gus_event_names[GUS_NR_EVENTS] = {
	[GUS_EV_ADVANCE] = "advances",
	[GUS_EV_POLL] = "polls",
	[GUS_EV_POLL_FAIL] = "poll_fails",
	[GUS_EV_SCAN] = "scans",
	[GUS_EV_WAIT] = "waits",
	[GUS_EV_MISUSE] = "misuses",
	[GUS_EV_CALL] = "calls",
	[GUS_EV_CB_RUN] = "callbacks_run",
	[GUS_EV_BARRIER] = "barriers",
};

static int gus_domain_show(struct seq_file *m, void *unused)
{
	struct gus_domain *d = m->private;
	struct gus_domain_user *u;
	enum gus_event e;
	int cpu;

	seq_printf(m, "name %s\nmode %s\n", d->name, gus_mode_name(d->flags));
	if (d->flags & GUS_LAZY) {
		seq_printf(m, "rcu_cookie %lu\n", gus_current(d));
	} else {
		seq_printf(m, "start %lu\nwr_seq %lu\nrd_seq %lu\n", d->start,
			   atomic_long_read(&d->wr_seq),
			   atomic_long_read(&d->rd_seq));
		for_each_possible_cpu(cpu) {
			unsigned long s = READ_ONCE(per_cpu_ptr(d->readers, cpu)->seq);

			if (s == GUS_SEQ_INVALID)
				seq_printf(m, "cpu%d idle\n", cpu);
			else
				seq_printf(m, "cpu%d %lu\n", cpu, s);
		}
	}
	seq_printf(m, "callbacks_pending %lu\n", gus_callbacks_pending(d));
	for (e = 0; e < GUS_NR_EVENTS; e++)
		seq_printf(m, "%s %lu\n", gus_event_names[e], gus_event_sum(d, e));
	seq_puts(m, "caches");
	mutex_lock(&gus_users_lock);
	list_for_each_entry(u, &d->users, node)
		seq_printf(m, " %s", u->name);
	mutex_unlock(&gus_users_lock);
	seq_putc(m, '\n');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gus_domain);

void gus_debugfs_add(struct gus_domain *d)
{
	if (!IS_ERR_OR_NULL(gus_dir))
		d->dir = debugfs_create_file(d->name, 0400, gus_dir, d,
					     &gus_domain_fops);
}

void gus_debugfs_remove(struct gus_domain *d)
{
	debugfs_remove(d->dir);
	d->dir = NULL;
}

int gus_debugfs_init(void)
{
	gus_dir = debugfs_create_dir("gus", gusslab_debugfs_root);
	return 0;
}

void gus_debugfs_exit(void)
{
	debugfs_remove(gus_dir);
	gus_dir = NULL;
}
