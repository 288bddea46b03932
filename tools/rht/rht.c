// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_rht: the kernel's own rhashtable (lib/rhashtable.c) with its
 * objects from gusslab, run synchronously at module load
 * (tools/testing/run.sh: after the stress module, and in the bench).
 *
 * For "duration" seconds, "threads" kthreads (0: one bound to every online
 * CPU) each look up random keys of the whole key space and, "updates"
 * percent of the time, update one of their own keys: a key is owned by
 * the thread key % threads, so only its owner inserts, removes or replaces
 * (rhashtable_replace_fast()) it and the owner's own lookup of it is
 * stable.  Readers are what rhashtable users write: rcu_read_lock(),
 * rhashtable_lookup(), rcu_read_unlock(), with no gusslab call.
 *
 * "backend" says where objects come from and how a removed one is freed:
 *
 *   gus        a GUS_CACHE_SMR gus_cache on a GUS_LAZY domain, whose
 *              readers are plain RCU readers; gus_cache_free() at once, no
 *              rcu_head: the cache reuses the object after a grace period.
 *   kfree_rcu  a kmem_cache, kfree_rcu() (the baseline).  Before 6.12
 *              nothing waits for kfree_rcu() of a kmem_cache's objects
 *              before the cache is destroyed: there the objects come from
 *              kmalloc() (include/gusslab_compat.h).
 *   call_rcu   a kmem_cache, call_rcu() of a callback that frees the
 *              object and counts it: the RCU side's "waiting" measured.
 *
 * "broken=1" frees with no grace period (gus: a cache without
 * GUS_CACHE_SMR; the others: kmem_cache_free() at once), so that readers
 * see objects reused under them: the check below must then fail.
 *
 * Invariant checked: an object's key and generation (a global counter,
 * stamped at each allocation) do not change while a reader that found it
 * is inside its read section.  A change is a generation failure.
 *
 * Measured: "waiting", objects freed and not yet reusable (gus: objects
 * queued in the cache's rings plus those in per-CPU free magazines, an
 * upper bound; call_rcu: callbacks queued and not yet run, exact;
 * kfree_rcu: not observable), and "pages", the growth of the kernel's
 * unreclaimable slab pages since the load (the table's buckets, and
 * kmem_cache objects) plus, for gus, the pages of the gus cache's slabs;
 * both sampled every millisecond or two by the loading thread, which
 * reports their peaks.  "reclaimed" is the objects freed that had become
 * reusable when the run ended (gus: those freed less those still
 * waiting, a lower bound).
 *
 * The last line is "gusslab_rht: PASS ..." or "gusslab_rht: FAIL ..."; the
 * load fails with -EINVAL on FAIL.
 */
#define pr_fmt(fmt) "gusslab_rht: " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>	/* global_node_page_state_pages() */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../slab/cache.h"

GUS_IMPORT_INTERNAL();

static unsigned int duration = 5;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds to run");

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads (0: one per online CPU)");

static char *backend = "gus";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "gus, kfree_rcu or call_rcu");

static bool broken;
module_param(broken, bool, 0444);
MODULE_PARM_DESC(broken, "free with no grace period: generation failures must follow");

static unsigned int keys = 1024;
module_param(keys, uint, 0444);
MODULE_PARM_DESC(keys, "size of the key space");

static unsigned int updates = 10;
module_param(updates, uint, 0444);
MODULE_PARM_DESC(updates, "percent of operations that update a key");

#define RHT_MAX_THREADS	64
#define RHT_REREADS	16	/* re-reads of a found object in its section */

enum rht_backend { RHT_GUS, RHT_KFREE_RCU, RHT_CALL_RCU };

static const char *const rht_backends[] = {
	[RHT_GUS] = "gus", [RHT_KFREE_RCU] = "kfree_rcu", [RHT_CALL_RCU] = "call_rcu",
};

struct rht_obj {
	struct rhash_head node;
	u32 key;
	unsigned long gen;
	struct rcu_head rcu;	/* kfree_rcu and call_rcu only: gus objects end here */
};

/* One kthread's counters; only it writes them. */
struct rht_thread {
	struct task_struct *task;
	unsigned int id;
	u32 rnd;
	unsigned long lookups, hits, inserts, removes, replaces, insert_failed, errors;
};

static const struct rhashtable_params rht_params = {
	.head_offset = offsetof(struct rht_obj, node),
	.key_offset = offsetof(struct rht_obj, key),
	.key_len = sizeof(u32),
	.automatic_shrinking = true,
};

static enum rht_backend rht_mode;
static unsigned int nr_threads;
static struct rhashtable rht_table;
static struct gus_domain *rht_domain;
static struct gus_cache *rht_gus;
static struct kmem_cache *rht_kmem;
static struct rht_thread rht_threads[RHT_MAX_THREADS];
static atomic_long_t rht_gen, rht_failures;
static bool rht_done;	/* the run is over: every thread stops at once */
static DEFINE_PER_CPU(long, rht_queued);	/* call_rcu: queued on this CPU */
static DEFINE_PER_CPU(long, rht_reclaimed);	/* call_rcu: callbacks run here */

static u32 rht_random(struct rht_thread *t)
{
	/* xorshift32: cheap, per thread, good enough to spread keys. */
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

static struct rht_obj *rht_alloc(u32 key)
{
	struct rht_obj *o;

	if (rht_gus)
		o = gus_cache_alloc(rht_gus, GFP_KERNEL);
	else if (rht_kmem)
		o = kmem_cache_alloc(rht_kmem, GFP_KERNEL);
	else
		o = kmalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return NULL;
	/* Readers of a wrongly reused object race with these: marked. */
	WRITE_ONCE(o->key, key);
	WRITE_ONCE(o->gen, atomic_long_inc_return(&rht_gen));
	return o;
}

/* Free an object no reader can reach (never published, or torn down). */
static void rht_free_now(void *ptr, void *unused)
{
	if (rht_gus)
		gus_cache_free(rht_gus, ptr);
	else if (rht_kmem)
		kmem_cache_free(rht_kmem, ptr);
	else
		kfree(ptr);
}

static void rht_rcu_free(struct rcu_head *head)
{
	kmem_cache_free(rht_kmem, container_of(head, struct rht_obj, rcu));
	this_cpu_inc(rht_reclaimed);
	this_cpu_dec(rht_queued);
}

/* Free an object just removed from the table: readers may still see it. */
static void rht_retire(struct rht_obj *o)
{
	if (broken || rht_mode == RHT_GUS) {
		rht_free_now(o, NULL);	/* gus: reused after a grace period */
	} else if (rht_mode == RHT_KFREE_RCU) {
		kfree_rcu(o, rcu);
	} else {
		this_cpu_inc(rht_queued);
		call_rcu(&o->rcu, rht_rcu_free);
	}
}

/* A lookup: the object found must keep its key and generation. */
static void rht_read(struct rht_thread *t, u32 key)
{
	struct rht_obj *o;
	unsigned long gen;
	bool ok = true;
	int i;

	rcu_read_lock();
	o = rhashtable_lookup(&rht_table, &key, rht_params);
	if (o) {
		t->hits++;
		gen = READ_ONCE(o->gen);
		for (i = 0; i < RHT_REREADS && ok; i++) {
			ok = READ_ONCE(o->key) == key && READ_ONCE(o->gen) == gen;
			cpu_relax();
		}
	}
	rcu_read_unlock();
	t->lookups++;
	if (!ok)
		atomic_long_inc(&rht_failures);
}

/* An update of a key @t owns: insert if absent, else remove or replace. */
static void rht_update(struct rht_thread *t, u32 key)
{
	struct rht_obj *old, *new;

	/* Stable: only this thread inserts or removes @key. */
	old = rhashtable_lookup_fast(&rht_table, &key, rht_params);
	if (old && (rht_random(t) & 1)) {
		if (rhashtable_remove_fast(&rht_table, &old->node, rht_params)) {
			t->errors++;
			return;
		}
		rht_retire(old);
		t->removes++;
		return;
	}
	new = rht_alloc(key);
	if (!new) {
		t->errors++;
		return;
	}
	if (!old) {
		if (rhashtable_insert_fast(&rht_table, &new->node, rht_params)) {
			rht_free_now(new, NULL);	/* never published */
			t->insert_failed++;
			return;
		}
		t->inserts++;
		return;
	}
	if (rhashtable_replace_fast(&rht_table, &old->node, &new->node, rht_params)) {
		rht_free_now(new, NULL);
		t->errors++;
		return;
	}
	rht_retire(old);
	t->replaces++;
}

static int rht_thread_fn(void *arg)
{
	struct rht_thread *t = arg;
	unsigned int own = max(keys / nr_threads, 1U);
	unsigned long n = 0;
	u32 r;

	while (!READ_ONCE(rht_done)) {
		r = rht_random(t);
		if (r % 100 < updates)
			rht_update(t, t->id + nr_threads * (rht_random(t) % own));
		else
			rht_read(t, rht_random(t) % (own * nr_threads));
		if (!(++n % 64))
			cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 10);
	return 0;
}

static unsigned long rht_slab_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

/* Objects freed and not yet reusable; -1 where not observable. */
static long rht_waiting(void)
{
	struct gus_cache_usage u;
	long n = 0;
	int cpu;

	if (rht_mode == RHT_CALL_RCU && !broken) {
		for_each_possible_cpu(cpu)
			n += per_cpu(rht_queued, cpu);
		return max(n, 0L);
	}
	if (!rht_gus || broken)
		return -1;
	gus_cache_usage(rht_gus, &u);
	rcu_read_lock();	/* magazines are freed after a grace period */
	for_each_possible_cpu(cpu) {
		/* Its owner fills it under its local lock: a racy look. */
		n += data_race(READ_ONCE(per_cpu_ptr(rht_gus->cpu, cpu)->free)->count);
	}
	rcu_read_unlock();
	return u.queued + n;
}

static unsigned long rht_gus_pages(void)
{
	struct gus_cache_usage u;

	if (!rht_gus)
		return 0;
	gus_cache_usage(rht_gus, &u);
	return u.slabs << rht_gus->order;
}

static int rht_create(void)
{
	int err;

	if (rht_mode == RHT_GUS) {
		rht_domain = gus_domain_create("rht", GUS_LAZY);
		if (!rht_domain)
			return -ENOMEM;
		/* No rcu_head: the cache's grace period replaces it. */
		if (broken)
			rht_gus = gus_cache_create("rht", offsetof(struct rht_obj, rcu), 0, 0,
						   NULL);
		else
			rht_gus = gus_cache_create_args("rht", offsetof(struct rht_obj, rcu),
							&(struct gus_cache_args){
								.domain = rht_domain },
							GUS_CACHE_SMR);
		if (!rht_gus)
			return -ENOMEM;
	} else if (GUS_KFREE_RCU_CACHE_DESTROY || rht_mode != RHT_KFREE_RCU) {
		rht_kmem = kmem_cache_create("rht", sizeof(struct rht_obj), 0, 0, NULL);
		if (!rht_kmem)
			return -ENOMEM;
	}
	err = rhashtable_init(&rht_table, &rht_params);
	return err;
}

static void rht_destroy(bool table)
{
	if (table)
		rhashtable_free_and_destroy(&rht_table, rht_free_now, NULL);
	rcu_barrier();	/* call_rcu: every callback has run */
	/* From 6.12 this waits for kfree_rcu() of the cache's objects. */
	kmem_cache_destroy(rht_kmem);
	gus_cache_destroy(rht_gus);
	if (rht_domain && gus_domain_destroy(rht_domain))
		pr_err("the domain rht is still in use\n");
}

static int rht_start(void)
{
	unsigned int i;
	int cpu = -1;

	for (i = 0; i < nr_threads; i++) {
		struct rht_thread *t = &rht_threads[i];

		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		t->id = i;
		t->rnd = get_random_u32() | 1;
		t->task = kthread_create(rht_thread_fn, t, "gusslab_rht/%u", i);
		if (IS_ERR(t->task)) {
			t->task = NULL;
			return -ENOMEM;
		}
		kthread_bind(t->task, cpu);
	}
	for (i = 0; i < nr_threads; i++)
		wake_up_process(rht_threads[i].task);
	return 0;
}

static void rht_stop(void)
{
	unsigned int i;

	WRITE_ONCE(rht_done, true);

	for (i = 0; i < nr_threads; i++) {
		if (rht_threads[i].task)
			kthread_stop(rht_threads[i].task);
	}
}

static void rht_sum(struct rht_thread *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < nr_threads; i++) {
		struct rht_thread *t = &rht_threads[i];

		s->lookups += t->lookups;
		s->hits += t->hits;
		s->inserts += t->inserts;
		s->removes += t->removes;
		s->replaces += t->replaces;
		s->insert_failed += t->insert_failed;
		s->errors += t->errors;
	}
}

static unsigned long rht_per_s(unsigned long n, unsigned long ms)
{
	return div64_ul((u64)n * 1000, max(ms, 1UL));
}

static int rht_parse(void)
{
	int i;

	i = match_string(rht_backends, ARRAY_SIZE(rht_backends), backend);
	if (i < 0) {
		pr_err("FAIL backend=%s: gus, kfree_rcu or call_rcu\n", backend);
		return -EINVAL;
	}
	rht_mode = i;
	nr_threads = min(threads ?: num_online_cpus(), RHT_MAX_THREADS);
	if (!keys || updates > 100) {
		pr_err("FAIL keys=%u updates=%u: keys > 0, updates <= 100\n", keys, updates);
		return -EINVAL;
	}
	return 0;
}

static int __init rht_init(void)
{
	unsigned long start, end, ms, slab0, retired, reclaimed = 0;
	long waiting, peak_waiting = -1, pages, peak_pages = 0;
	struct rht_thread s;
	long failures;
	bool pass;
	int err, cpu;

	err = rht_parse();
	if (err)
		return err;
	err = rht_create();
	if (err) {
		pr_err("FAIL backend=%s: cannot set up: %d\n", backend, err);
		rht_destroy(false);
		return -EINVAL;
	}
	pr_info("backend %s%s, %u threads, %u keys, %u%% updates, %u s\n", backend,
		broken ? " (broken: no grace period)" : "", nr_threads, keys, updates,
		duration);
	slab0 = rht_slab_pages();
	err = rht_start();
	start = jiffies;
	end = start + duration * HZ;
	while (!err && time_before(jiffies, end)) {
		waiting = rht_waiting();
		peak_waiting = max(peak_waiting, waiting);
		pages = (long)(rht_slab_pages() - slab0) + rht_gus_pages();
		peak_pages = max(peak_pages, pages);
		usleep_range(1000, 2000);
	}
	rht_stop();
	ms = jiffies_to_msecs(jiffies - start);
	rht_sum(&s);
	retired = s.removes + s.replaces;
	/* What had become reusable by the end of the run; a last sample. */
	waiting = rht_waiting();
	peak_waiting = max(peak_waiting, waiting);
	if (rht_mode == RHT_GUS)
		reclaimed = retired - min_t(unsigned long, max(waiting, 0L), retired);
	for_each_possible_cpu(cpu)
		reclaimed += per_cpu(rht_reclaimed, cpu);
	rht_destroy(true);
	failures = atomic_long_read(&rht_failures);

	pr_info("lookups %lu (%lu/s), hits %lu, inserts %lu, removes %lu, replaces %lu, updates %lu (%lu/s), insert failures %lu, errors %lu\n",
		s.lookups, rht_per_s(s.lookups, ms), s.hits, s.inserts, s.removes,
		s.replaces, s.inserts + s.removes + s.replaces,
		rht_per_s(s.inserts + s.removes + s.replaces, ms), s.insert_failed,
		s.errors);
	if (rht_mode == RHT_CALL_RCU && !broken)
		pr_info("reclaimed %lu of %lu objects freed, peak waiting %ld (callbacks queued, not run), peak pages %ld\n",
			reclaimed, retired, peak_waiting, peak_pages);
	else if (peak_waiting >= 0)
		pr_info("reclaimed %lu of %lu objects freed, peak waiting %ld (queued in rings and free magazines: an upper bound), peak pages %ld\n",
			reclaimed, retired, peak_waiting, peak_pages);
	else
		pr_info("reclaimed - of %lu objects freed, peak waiting - (not observable), peak pages %ld\n",
			retired, peak_pages);
	pr_info("generation failures %ld\n", failures);
	pass = !err && !failures && !s.errors && s.lookups;
	pr_info("%s backend=%s%s: %lu lookups/s, %lu updates/s, %ld generation failures, %lu errors\n",
		pass ? "PASS" : "FAIL", backend, broken ? " broken=1" : "",
		rht_per_s(s.lookups, ms), rht_per_s(s.inserts + s.removes + s.replaces, ms),
		failures, s.errors + (err ? 1 : 0));
	return pass ? 0 : -EINVAL;
}

static void __exit rht_exit(void)
{
}

module_init(rht_init);
module_exit(rht_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab client: the kernel's rhashtable on a lazy GUS domain");
