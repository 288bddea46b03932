// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_smrhash: a hash table with lock-free readers on a default-mode
 * GUS domain, the worked example of Documentation/usage.rst.
 *
 * The table is a fixed array of buckets, each a singly linked chain of
 * nodes with a spinlock for its writers.  A node maps a key, a byte string
 * of SMRHASH_KEY_MIN..SMRHASH_KEY_MAX bytes, to a value.  Nodes come from
 * an SMR cache created on gus_kmalloc_smr_domain(); keys are separate
 * objects of their length from gus_kmalloc_smr() and go back with
 * gus_kfree().  Both reclaim through that one domain, so one section
 * protects a node and its key together.
 *
 * Invariants:
 *   - a node and its key are written only before the node is published
 *     with gus_assign_pointer(); afterwards only a node's next pointer
 *     changes, and only under its bucket's lock.  So readers follow the
 *     __gus pointers (bucket heads and next) with gus_dereference() and
 *     read everything else with plain loads;
 *   - replacing a key's value publishes a new node (and key) in the old
 *     one's place: nothing is updated in place;
 *   - a writer unlinks a node, drops the lock and frees node and key at
 *     once, without waiting: the caches reuse them only once every section
 *     that could have seen them has ended.  An unlinked node's next pointer
 *     is left as it is, so a reader standing on it walks on.
 *
 * The run happens in module init.  For "duration" seconds one kthread per
 * online CPU ("threads" = 0, or that many spread over the online CPUs)
 * looks up random keys, and "update_pct" percent of the time sets (inserts
 * or replaces) or removes one instead; the loading task samples the
 * caches meanwhile.  Every node and key carries a generation from a
 * global counter, taken when it is allocated.  A reader that finds a key
 * notes its node's generation, its key's generation and length, and
 * checks them, the key bytes and the value again at the end of the
 * section (some sections are held for hold_us first): any change
 * is a generation failure.  Afterwards the table must hold exactly the
 * keys inserted less those removed, each in its own bucket.
 *
 * Measured, the loading task sampling every SMRHASH_SAMPLE_MS over the
 * node cache and the key classes: "peak waiting", objects freed and not
 * yet reusable (queued in the caches' rings and overflow lists, pending in
 * slabs, or in per-CPU free magazines not yet stamped: an upper bound, as
 * a queued magazine may already be reusable), and "peak pages", the pages
 * of their slabs (the key classes are shared: other users' objects count
 * too).  "reclaimed" is the objects freed less those still waiting when
 * the run ends.
 *
 * broken=1 takes nodes from a cache without GUS_CACHE_SMR and keys from
 * gus_kmalloc(): freed memory is reused without waiting for the readers
 * that still use it, and a multi-CPU run must count generation failures
 * (and fail its load).  busybox's insmod loads a module again with
 * init_module() when finit_module() fails: such a run prints twice.
 *
 * Output lines start with "gusslab_smrhash: "; the last one is "PASS ..."
 * or "FAIL ...", and init returns -EINVAL on FAIL.  On PASS the table,
 * its cache and its keys stay until the module is unloaded, so that the
 * demo (tools/testing/run.sh --mode demo) can show, after
 * "insmod gusslab_smrhash.ko":
 *
 *   gusstat                      the smrhash-node line (the nodes left in
 *                                use) and the gus-kmalloc-smr-* lines of
 *                                the keys, all on domain gus-kmalloc-smr
 *   gusstat smrhash-node         the node cache in detail
 *   cat /sys/kernel/debug/gusslab/gus/gus-kmalloc-smr
 *                                the shared domain: its "caches" line
 *                                names smrhash-node and the SMR classes
 *   cat /sys/kernel/debug/gusslab/smrhash-node/stats
 *
 * and check: a gusstat line whose first field is smrhash-node and last
 * gus-kmalloc-smr, and " smrhash-node" on the domain's "caches" line.
 * Then "rmmod gusslab_smrhash" (before gusslab) destroys the cache.
 */
#define pr_fmt(fmt) "gusslab_smrhash: " fmt

#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../slab/cache.h"
#include "../../slab/kmalloc.h"

GUS_IMPORT_INTERNAL();

#define SMRHASH_KEY_MIN		4	/* the key's index, little-endian, first */
#define SMRHASH_KEY_MAX		200
/*
 * One lookup in 128 holds its section for hold_us (2 ms) before its
 * checks: long enough for writers on other CPUs to free and, with
 * broken=1, reuse what it found; rare enough to leave most of the time to
 * the other lookups.
 */
#define SMRHASH_HOLD_EVERY	128
#define SMRHASH_SAMPLE_MS	10
#define SMRHASH_MAX_CACHES	8	/* the node cache and the key classes */

static unsigned int duration = 5;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds to run (default 5)");

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads, spread over the online CPUs (0: one per online CPU)");

static bool broken;
module_param(broken, bool, 0444);
MODULE_PARM_DESC(broken, "take nodes and keys from caches without SMR: must fail");

static unsigned int buckets = 64;
module_param(buckets, uint, 0444);
MODULE_PARM_DESC(buckets, "hash buckets (default 64)");

static unsigned int keys = 256;
module_param(keys, uint, 0444);
MODULE_PARM_DESC(keys, "distinct keys (default 256); half are inserted before the run");

static unsigned int hold_us = 2000;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us, "microseconds one lookup in 128 holds its section (default 2000, at most 10000; 0: none)");

static unsigned int update_pct = 20;
module_param(update_pct, uint, 0444);
MODULE_PARM_DESC(update_pct, "percent of operations that set or remove a key (default 20)");

/* A key: immutable once its node is published. */
struct smrhash_key {
	unsigned long gen;
	unsigned int len;
	u8 bytes[];
};

/* A node: only next changes while the node is in the table. */
struct smrhash_node {
	struct smrhash_node __gus *next;
	struct smrhash_key *key;
	unsigned long gen;
	unsigned long value;		/* here: the key's index */
};

struct smrhash_bucket {
	spinlock_t lock;		/* serializes the chain's writers */
	struct smrhash_node __gus *head;
};

struct smrhash_counts {
	unsigned long lookups, hits, inserts, removes, replaces;
	unsigned long frees;		/* objects, nodes and keys */
	unsigned long nomem, failures;
};

struct smrhash_thread {
	struct task_struct *task;
	u32 rnd;
	struct smrhash_counts n;
	u8 key[SMRHASH_KEY_MAX];	/* the key being looked up or set */
};

static struct smrhash_bucket *table;
static struct gus_cache *nodes;
static struct gus_domain *domain;
static atomic_long_t generation;
static struct smrhash_thread *workers;
static unsigned int nr_workers;

/* ---- keys ------------------------------------------------------------ */

/* Key @idx into @buf: 4 bytes of index, then a pattern.  Return: its length. */
static unsigned int smrhash_make_key(unsigned int idx, u8 *buf)
{
	unsigned int len = SMRHASH_KEY_MIN +
		hash_32(idx, 32) % (SMRHASH_KEY_MAX - SMRHASH_KEY_MIN + 1);
	unsigned int i;

	for (i = 0; i < SMRHASH_KEY_MIN; i++)
		buf[i] = idx >> (8 * i);
	for (; i < len; i++)
		buf[i] = idx * 7 + i;
	return len;
}

/* The index a key was made from. */
static unsigned int smrhash_key_index(const u8 *buf)
{
	return buf[0] | buf[1] << 8 | buf[2] << 16 | (u32)buf[3] << 24;
}

static struct smrhash_bucket *smrhash_bucket(const u8 *key, unsigned int len)
{
	return &table[jhash(key, len, 0) % buckets];
}

static bool smrhash_key_is(const struct smrhash_key *k, const u8 *key,
			   unsigned int len)
{
	return READ_ONCE(k->len) == len && !memcmp(k->bytes, key, len);
}

/* ---- nodes ----------------------------------------------------------- */

static void *smrhash_alloc_key(size_t size)
{
	return broken ? gus_kmalloc(size, GFP_KERNEL) : gus_kmalloc_smr(size, GFP_KERNEL);
}

/* A node for @key (@len bytes) with @value, not yet published. */
static struct smrhash_node *smrhash_node_new(const u8 *key, unsigned int len,
					     unsigned long value)
{
	struct smrhash_node *n = gus_cache_alloc(nodes, GFP_KERNEL);
	struct smrhash_key *k = smrhash_alloc_key(struct_size(k, bytes, len));

	if (!n || !k) {
		gus_kfree(k);
		if (n)
			gus_cache_free(nodes, n);
		return NULL;
	}
	k->gen = atomic_long_inc_return(&generation);
	k->len = len;
	memcpy(k->bytes, key, len);
	n->gen = atomic_long_inc_return(&generation);
	n->key = k;
	n->value = value;
	gus_assign_pointer(n->next, NULL);
	return n;
}

/* Free @n and its key; readers may still hold them.  Return: objects freed. */
static unsigned long smrhash_node_free(struct smrhash_node *n)
{
	gus_kfree(n->key);
	gus_cache_free(nodes, n);
	return 2;
}

/* ---- the three operations -------------------------------------------- */

/*
 * Look @key up and check what was found until the section ends.
 * Return: the value, or -1 if the key is absent.
 */
static long smrhash_lookup(struct smrhash_thread *t, const u8 *key,
			   unsigned int len, bool hold)
{
	struct smrhash_bucket *b = smrhash_bucket(key, len);
	unsigned long node_gen, key_gen, value;
	struct smrhash_node *n;
	struct smrhash_key *k = NULL;
	unsigned int steps = 0;

	gus_enter(domain);
	for (n = gus_dereference(b->head, domain); n;
	     n = gus_dereference(n->next, domain)) {
		node_gen = n->gen;
		k = n->key;
		key_gen = k->gen;
		if (smrhash_key_is(k, key, len))
			break;
		/* No chain is longer than the keys, but broken=1 may loop. */
		if (++steps > keys) {
			t->n.failures++;
			n = NULL;
			break;
		}
	}
	if (!n) {
		gus_exit(domain);
		return -1;
	}
	value = n->value;
	if (hold && hold_us)
		udelay(hold_us);
	/* Nothing seen in this section may have changed. */
	if (n->gen != node_gen || n->key != k || k->gen != key_gen ||
	    !smrhash_key_is(k, key, len) || n->value != value ||
	    value != smrhash_key_index(key))
		t->n.failures++;
	gus_exit(domain);
	return value;
}

/*
 * The update side: find @key in its bucket, whose lock the caller holds.
 * Return: the link that points to the node, or to NULL at the chain's end.
 */
static struct smrhash_node __gus **smrhash_find_locked(struct smrhash_bucket *b,
						       const u8 *key, unsigned int len)
{
	struct smrhash_node __gus **link = &b->head;
	struct smrhash_node *n;

	while ((n = gus_dereference_protected(*link, lockdep_is_held(&b->lock)))) {
		if (smrhash_key_is(n->key, key, len))
			break;
		link = &n->next;
	}
	return link;
}

/* Insert @key with @value, or replace the node that has it. */
static void smrhash_set(struct smrhash_thread *t, const u8 *key,
			unsigned int len, unsigned long value)
{
	struct smrhash_bucket *b = smrhash_bucket(key, len);
	struct smrhash_node __gus **link;
	struct smrhash_node *new, *old;

	new = smrhash_node_new(key, len, value);	/* may sleep: no lock yet */
	if (!new) {
		t->n.nomem++;
		return;
	}
	spin_lock(&b->lock);
	link = smrhash_find_locked(b, key, len);
	old = gus_dereference_protected(*link, lockdep_is_held(&b->lock));
	if (old) {
		/* new takes old's place; readers on old walk on from it */
		gus_assign_pointer(new->next,
				   gus_dereference_protected(old->next, lockdep_is_held(&b->lock)));
		gus_assign_pointer(*link, new);
		t->n.replaces++;
	} else {
		gus_assign_pointer(new->next,
				   gus_dereference_protected(b->head, lockdep_is_held(&b->lock)));
		gus_assign_pointer(b->head, new);
		t->n.inserts++;
	}
	spin_unlock(&b->lock);
	if (old)
		t->n.frees += smrhash_node_free(old);
}

/* Remove @key if it is in the table. */
static void smrhash_remove(struct smrhash_thread *t, const u8 *key, unsigned int len)
{
	struct smrhash_bucket *b = smrhash_bucket(key, len);
	struct smrhash_node __gus **link;
	struct smrhash_node *old;

	spin_lock(&b->lock);
	link = smrhash_find_locked(b, key, len);
	old = gus_dereference_protected(*link, lockdep_is_held(&b->lock));
	if (old) {
		gus_assign_pointer(*link,
				   gus_dereference_protected(old->next, lockdep_is_held(&b->lock)));
		t->n.removes++;
	}
	spin_unlock(&b->lock);
	if (old)
		t->n.frees += smrhash_node_free(old);
}

/* ---- the run ----------------------------------------------------------- */

static u32 smrhash_rand(u32 *s)
{
	/* xorshift32: cheap, and each thread has its own state */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int smrhash_thread_fn(void *arg)
{
	struct smrhash_thread *t = arg;
	unsigned int idx, len;
	u32 r;

	while (!kthread_should_stop()) {
		r = smrhash_rand(&t->rnd);
		idx = r % keys;
		len = smrhash_make_key(idx, t->key);
		r = smrhash_rand(&t->rnd);
		if (r % 100 < update_pct) {
			if (r & 0x10000)
				smrhash_set(t, t->key, len, idx);
			else
				smrhash_remove(t, t->key, len);
		} else {
			t->n.lookups++;
			if (smrhash_lookup(t, t->key, len,
					   !(t->n.lookups % SMRHASH_HOLD_EVERY)) >= 0)
				t->n.hits++;
		}
		cond_resched();
	}
	return 0;
}

/* The node cache and the key classes, for sampling; no duplicates. */
static struct gus_cache *sampled[SMRHASH_MAX_CACHES];
static unsigned int nr_sampled;

static void smrhash_find_caches(void)
{
	struct gus_cache *c;
	unsigned int len, i;

	sampled[nr_sampled++] = nodes;
	for (len = SMRHASH_KEY_MIN; len <= SMRHASH_KEY_MAX; len++) {
		c = gus_kmalloc_cache(struct_size((struct smrhash_key *)NULL, bytes, len),
				      !broken);
		if (!c)
			continue;
		for (i = 0; i < nr_sampled && sampled[i] != c; i++)
			;
		if (i == nr_sampled && nr_sampled < SMRHASH_MAX_CACHES)
			sampled[nr_sampled++] = c;
	}
}

/* Objects freed into @c's per-CPU free magazines: not yet stamped. */
static unsigned long smrhash_in_free_mags(struct gus_cache *c)
{
	unsigned long n = 0;
	int cpu;

	rcu_read_lock();	/* magazines are freed after a grace period */
	for_each_possible_cpu(cpu)
		/* its CPU fills it under its local lock: a racy look */
		n += data_race(READ_ONCE(per_cpu_ptr(c->cpu, cpu)->free)->count);
	rcu_read_unlock();
	return n;
}

/* Freed objects not yet reusable, and pages held, over the sampled caches. */
static void smrhash_sample(unsigned long *waiting, unsigned long *pages)
{
	struct gus_cache_usage u;
	unsigned int i;

	*waiting = 0;
	*pages = 0;
	for (i = 0; i < nr_sampled; i++) {
		gus_cache_usage(sampled[i], &u);
		*waiting += u.queued + smrhash_in_free_mags(sampled[i]);
		*pages += u.slabs << sampled[i]->order;
	}
}

static void smrhash_stop(void)
{
	unsigned int i;

	for (i = 0; workers && i < nr_workers; i++) {
		if (!IS_ERR_OR_NULL(workers[i].task))
			kthread_stop(workers[i].task);
		workers[i].task = NULL;
	}
}

static int smrhash_start(void)
{
	unsigned int i, cpu, online = num_online_cpus();

	for (i = 0; i < nr_workers; i++) {
		workers[i].rnd = get_random_u32() | 1;
		cpu = cpumask_nth(i % online, cpu_online_mask);
		workers[i].task = kthread_run_on_cpu(smrhash_thread_fn, &workers[i], cpu,
						     "gus-smrhash/%u");
		if (IS_ERR(workers[i].task))
			return PTR_ERR(workers[i].task);
	}
	return 0;
}

/* Before the run: the even keys.  Return: nodes inserted. */
static unsigned long smrhash_fill(void)
{
	struct smrhash_thread *t = &workers[0];	/* not started yet: its buffer is free */
	unsigned int idx, len;

	for (idx = 0; idx < keys; idx += 2) {
		len = smrhash_make_key(idx, t->key);
		smrhash_set(t, t->key, len, idx);
	}
	return t->n.inserts;
}

/*
 * After the run: every node is in the bucket of its key, which matches
 * its value.  Return: the nodes, or ULONG_MAX if one is misplaced.
 */
static unsigned long smrhash_count_nodes(void)
{
	u8 key[SMRHASH_KEY_MAX];
	struct smrhash_node *n;
	unsigned long count = 0;
	unsigned int i, len;

	for (i = 0; i < buckets; i++) {
		for (n = gus_dereference_protected(table[i].head, true); n;
		     n = gus_dereference_protected(n->next, true)) {
			len = smrhash_make_key(n->value, key);
			if (!smrhash_key_is(n->key, key, len) ||
			    smrhash_bucket(key, len) != &table[i])
				return ULONG_MAX;
			count++;
		}
	}
	return count;
}

static void smrhash_sum(struct smrhash_counts *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < nr_workers; i++) {
		sum->lookups += workers[i].n.lookups;
		sum->hits += workers[i].n.hits;
		sum->inserts += workers[i].n.inserts;
		sum->removes += workers[i].n.removes;
		sum->replaces += workers[i].n.replaces;
		sum->frees += workers[i].n.frees;
		sum->nomem += workers[i].n.nomem;
		sum->failures += workers[i].n.failures;
	}
}

static unsigned long smrhash_per_s(unsigned long n, unsigned long ms)
{
	return div64_ul((u64)n * 1000, max(ms, 1UL));
}

/* Run, sample, stop, check and report.  Return: true on PASS. */
static bool smrhash_run(void)
{
	unsigned long waiting, pages, peak_waiting = 0, peak_pages = 0;
	unsigned long end = jiffies + duration * HZ, t0 = jiffies;
	unsigned long live, ms, updates, errors;
	struct smrhash_counts s;

	while (time_before(jiffies, end)) {
		smrhash_sample(&waiting, &pages);
		peak_waiting = max(peak_waiting, waiting);
		peak_pages = max(peak_pages, pages);
		msleep(SMRHASH_SAMPLE_MS);
	}
	smrhash_stop();
	ms = jiffies_to_msecs(jiffies - t0);
	smrhash_sample(&waiting, &pages);
	smrhash_sum(&s);
	updates = s.inserts + s.removes + s.replaces;
	live = smrhash_count_nodes();
	errors = (live != s.inserts - s.removes) + atomic_long_read(&nodes->reports);

	pr_info("lookups %lu (%lu/s), hits %lu, inserts %lu, removes %lu, replaces %lu, updates %lu (%lu/s), nomem %lu\n",
		s.lookups, smrhash_per_s(s.lookups, ms), s.hits, s.inserts, s.removes,
		s.replaces, updates, smrhash_per_s(updates, ms), s.nomem);
	pr_info("reclaimed %lu of %lu objects freed, peak waiting %lu (queued in rings and free magazines: an upper bound), peak pages %lu\n",
		s.frees - min(waiting, s.frees), s.frees, peak_waiting, peak_pages);
	pr_info("table %lu nodes, inserts less removes %lu, node cache reports %ld\n",
		live, s.inserts - s.removes, atomic_long_read(&nodes->reports));
	pr_info("generation failures %lu\n", s.failures);
	pr_info("%s%s: %lu lookups/s, %lu updates/s, %lu generation failures, %lu errors\n",
		s.failures || errors ? "FAIL" : "PASS", broken ? " broken=1" : "",
		smrhash_per_s(s.lookups, ms), smrhash_per_s(updates, ms), s.failures, errors);
	return !s.failures && !errors;
}

/* ---- module ------------------------------------------------------------ */

static void smrhash_empty_table(void)
{
	struct smrhash_node *n, *next;
	unsigned int i;

	for (i = 0; i < buckets; i++) {
		for (n = gus_dereference_protected(table[i].head, true); n; n = next) {
			next = gus_dereference_protected(n->next, true);
			smrhash_node_free(n);
		}
		gus_assign_pointer(table[i].head, NULL);
	}
}

static void smrhash_teardown(void)
{
	smrhash_stop();
	kfree(workers);
	smrhash_empty_table();
	kvfree(table);
	gus_cache_destroy(nodes);	/* waits for the readers of its domain */
}

static struct gus_cache *smrhash_node_cache(void)
{
	struct gus_cache_args args = { .domain = domain };

	if (broken)
		return gus_cache_create("smrhash-node", sizeof(struct smrhash_node), 0, 0, NULL);
	return gus_cache_create_args("smrhash-node", sizeof(struct smrhash_node), &args,
				     GUS_CACHE_SMR);
}

static int __init smrhash_init(void)
{
	unsigned int i;
	int err;

	if (!buckets || !keys || update_pct > 100 || !duration || hold_us > 10000) {
		pr_err("FAIL buckets=%u keys=%u update_pct=%u duration=%u hold_us=%u: all > 0, update_pct <= 100, hold_us <= 10000\n",
		       buckets, keys, update_pct, duration, hold_us);
		return -EINVAL;
	}
	domain = gus_kmalloc_smr_domain();
	nodes = smrhash_node_cache();
	if (!nodes)
		return -ENOMEM;
	table = kvcalloc(buckets, sizeof(*table), GFP_KERNEL);
	if (!table) {
		gus_cache_destroy(nodes);
		return -ENOMEM;
	}
	for (i = 0; i < buckets; i++)
		spin_lock_init(&table[i].lock);
	smrhash_find_caches();
	pr_info("%u threads, %u buckets, %u keys of %u..%u bytes, %u%% updates, hold %u us, %u s, %s\n",
		threads ?: num_online_cpus(), buckets, keys, SMRHASH_KEY_MIN, SMRHASH_KEY_MAX,
		update_pct, hold_us, duration,
		broken ? "broken: caches without SMR" : "domain gus-kmalloc-smr");
	nr_workers = threads ?: num_online_cpus();
	workers = kcalloc(nr_workers, sizeof(*workers), GFP_KERNEL);
	err = workers ? 0 : -ENOMEM;
	if (!err) {
		smrhash_fill();
		err = smrhash_start();
	}
	if (!err && !smrhash_run())
		err = -EINVAL;
	if (err)
		smrhash_teardown();
	return err;
}

static void __exit smrhash_exit(void)
{
	smrhash_teardown();
}

module_init(smrhash_init);
module_exit(smrhash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab SMR hash table client: variable-length keys from gus_kmalloc_smr()");
