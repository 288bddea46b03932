/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUS internals shared by the gus/ files, the slab layer and the test module.
 */
#ifndef _GUS_INTERNAL_H
#define _GUS_INTERNAL_H

#include <linux/debugfs.h>
#include <gusslab.h>
#include <gusslab_compat.h>

/* Per-CPU event counters of a domain, summed when read. */
enum gus_event {
	GUS_EV_ADVANCE,		/* gus_advance() calls */
	GUS_EV_POLL,		/* gus_poll() calls */
	GUS_EV_POLL_FAIL,	/* polls that found the goal not reached */
	GUS_EV_SCAN,		/* polls that scanned the CPUs */
	GUS_EV_WAIT,		/* gus_wait() calls */
	GUS_EV_MISUSE,		/* misuse reports */
	GUS_EV_CALL,		/* gus_call() calls */
	GUS_EV_CB_RUN,		/* callbacks invoked */
	GUS_EV_BARRIER,		/* gus_barrier() calls */
	GUS_NR_EVENTS
};

struct gus_stats {
	unsigned long ev[GUS_NR_EVENTS];
};

/*
 * Sum over every possible CPU of the i-th unsigned long counter in a
 * per-CPU array of counters (struct gus_stats, struct gus_cpu).
 */
static inline unsigned long gus_percpu_sum(unsigned long __percpu *counters,
					   unsigned int i)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		/* Counters are statistics: a racy sum is good enough. */
		sum += data_race(per_cpu_ptr(counters, cpu)[i]);
	}
	return sum;
}

static inline void gus_count(struct gus_domain *d, enum gus_event e)
{
	this_cpu_inc(d->stats->ev[e]);
}

unsigned long gus_event_sum(struct gus_domain *d, enum gus_event e);

/*
 * Tell lockdep that the caller waits for every section of @d to end: it
 * then reports a wait inside a section of @d, and a cycle through a lock
 * held here that some reader takes inside its section.  A sync, not an
 * acquisition, so a wait with interrupts on does not clash with readers
 * in interrupt context (who hold the map as recursive readers).
 */
static inline void gus_lock_sync(struct gus_domain *d)
{
	gus_lock_map_sync(&d->dep_map);
}

/*
 * Test hook: create a domain whose sequences start at @start, e.g. just
 * below the wrap point.  @start must be odd.
 */
struct gus_domain *__gus_domain_create(const char *name, unsigned int flags,
				       unsigned long start);

/* gus_poll() that never scans: the cached read sequence only. */
bool gus_poll_cached(struct gus_domain *d, unsigned long goal);

/*
 * A cache that reclaims through a domain holds it with one of these; the
 * domain refuses to be destroyed while any is attached.  Attach, detach
 * and walks of a domain's users hold gus_users_lock.
 */
struct gus_domain_user {
	struct list_head node;
	const char *name;
};

extern struct mutex gus_users_lock;

void gus_domain_attach(struct gus_domain *d, struct gus_domain_user *u);
void gus_domain_detach(struct gus_domain *d, struct gus_domain_user *u);
unsigned int gus_domain_users(struct gus_domain *d);

/* Wait out the sections still open when a domain is destroyed. */
void gus_domain_quiesce(struct gus_domain *d);

/* True if this CPU is inside a section of @d.  Context: preemption off. */
bool gus_in_section(struct gus_domain *d);

/*
 * When set, misuse is counted but not printed as a warning: KUnit cases
 * that provoke misuse on purpose set it so that the runner's scan of the
 * console for WARNING lines stays meaningful.
 */
extern bool gus_quiet_misuse;

/* The module's debugfs root, /sys/kernel/debug/gusslab (may be an error). */
extern struct dentry *gusslab_debugfs_root;

/* gus/callback.c: a domain's callback queues (gus_call(), gus_barrier()). */
int gus_callbacks_init(struct gus_domain *d);
void gus_callbacks_exit(struct gus_domain *d);
unsigned long gus_callbacks_pending(struct gus_domain *d);

/*
 * Test hook: while set, callback timers re-arm without polling or
 * invoking anything, so that a test can keep callbacks queued, e.g.
 * across taking their CPU offline.
 */
extern bool gus_callbacks_hold;

int gus_debugfs_init(void);
void gus_debugfs_exit(void);
void gus_debugfs_add(struct gus_domain *d);
void gus_debugfs_remove(struct gus_domain *d);

#endif /* _GUS_INTERNAL_H */
