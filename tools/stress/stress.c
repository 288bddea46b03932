// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_stress: a stress test of gusslab, run synchronously at module
 * load (tools/testing/run.sh --mode stress, or --stress SECONDS after the
 * KUnit suites).  For "duration" seconds these kthreads run together:
 *
 *   workers   "threads" of them, one per online CPU by default, each kept
 *             on its own CPU while that CPU is online.  A worker allocates
 *             from the caches, singly and in bulk, now and then with
 *             __GFP_ZERO or GFP_NOWAIT; keeps at most STRESS_LIVE objects,
 *             growing and shrinking that set in phases (one in eight single
 *             allocations asks gus_cache_alloc_node() for a random online
 *             node); frees objects singly or in bulk, or hands
 *             "remote_free" percent of them to another worker, through that
 *             worker's inbox (a gus_ring), to be freed on that worker's CPU
 *             with gus_free(), which finds the cache from the object (on
 *             the NUMA guest, often another node's object: it goes home
 *             past the magazines); replaces objects of the SMR
 *             cache in its slots of a table; and every second or two calls
 *             gus_cache_shrink() on one cache.
 *   readers   "readers" of them read random slots of the table inside
 *             gus_enter()/gus_exit() sections, some of them nested or
 *             held for tens of microseconds.
 *   hotplug   offlines a CPU other than 0 with remove_cpu() about every
 *             second and brings it back with add_cpu(); refusals are
 *             counted, not fatal.
 *   pressure  every one to three seconds grabs half of the free pages
 *             (__GFP_NORETRY), calls gusslab's shrinker as reclaim does
 *             (count, then scan in batches, in fs_reclaim context), holds
 *             the pages for a tenth of a second and lets go.  With
 *             deep_pressure, every other round grabs pages until the page
 *             allocator gives up instead: kswapd and direct reclaim then
 *             call the shrinker themselves (see stress_give_back() for why
 *             that is not the default).
 *
 * With "fail_mags", that percent of magazine allocations fail for the
 * whole run, so that SMR frees that find no magazine leave their objects
 * pending in their slabs (counted as free_deferred).
 *
 * The caches: one ordinary cache per size in "sizes", with and without
 * GUS_CACHE_HWCACHE_ALIGN and a constructor (size index bit 0 and bit 1),
 * and one SMR cache without a constructor; "debug" is ORed into the flags
 * of all of them.
 *
 * Then every thread stops, every object is freed, each cache is shrunk
 * (SMR: after waiting for its readers) and must hold no object, and is
 * destroyed.  The log ends with the summary line; any violation fails the
 * module load with -EIO, after the same cleanup.
 *
 * An object: word 0 is the owner tag; word 1 the generation, the tag it
 * was stamped with (XORed with STRESS_GEN_FLIP so that it never looks
 * like a live tag); the rest, to the last byte of the requested size, a
 * pattern derived from the generation.  A tag packs a magic number, a
 * random epoch of this load, the cache, the owner and a sequence.
 *
 * Invariants checked:
 *
 *   patterns intact  when an object is freed (by its owner, by the worker
 *                    it was handed to, or as the old object of an SMR
 *                    slot), its generation and pattern are what it was
 *                    stamped with: nothing wrote into a live object.
 *   one owner        a worker claims a new object with xchg() of its tag
 *                    into word 0 and gives it up with cmpxchg() of that
 *                    tag back to STRESS_FREE just before freeing it.
 *                    Claiming an object whose word 0 is a live tag of this
 *                    load means it was handed out while somebody held it;
 *                    a cmpxchg() that fails means somebody else claimed an
 *                    object we held.  Caches with a constructor (which
 *                    writes STRESS_FREE) must hand out exactly STRESS_FREE:
 *                    gusslab keeps no metadata in free objects and poisons
 *                    only objects of caches without one.  Other caches may
 *                    hand out anything but a live tag (fresh slab memory,
 *                    gusslab's poison).  Stale memory cannot hold a live
 *                    tag of this load: word 0 is STRESS_FREE before every
 *                    free, and generation and pattern words never look
 *                    like one.
 *   zeroed           a __GFP_ZERO object is zero over its whole length.
 *   SMR              a reader that finds an object through a slot sees it
 *                    whole (generation and pattern of an SMR object of
 *                    this load) and unchanged until its section ends,
 *                    although the writer may replace and free it at any
 *                    moment: gusslab neither reuses nor writes (poison
 *                    included) a freed SMR object while a section that
 *                    could see it lasts.  Readers use plain loads, so KCSAN
 *                    also sees a write that should not be there.
 *   accounting       allocations equal frees, gusslab refused no free, and
 *                    after the final shrink no slab of any cache still
 *                    holds an object.
 */
#define pr_fmt(fmt) "gusslab_stress: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <gusslab.h>
#include <gusslab_compat.h>
#include "../../slab/cache.h"

GUS_IMPORT_INTERNAL();

static unsigned int duration = 60;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds to run (default 60)");

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "worker kthreads, at most 255 (default 0: one per online CPU)");

static char *sizes = "16,64,192,512,1024,4096,16384";
module_param(sizes, charp, 0444);
MODULE_PARM_DESC(sizes, "object sizes, one ordinary cache each (16 to 32 KiB, at most 8)");

static unsigned int readers = 2;
module_param(readers, uint, 0444);
MODULE_PARM_DESC(readers, "SMR reader kthreads, at most 64 (default 2)");

static unsigned int remote_free = 25;
module_param(remote_free, uint, 0444);
MODULE_PARM_DESC(remote_free, "percent of single frees handed to another worker (default 25)");

static bool hotplug = true;
module_param(hotplug, bool, 0444);
MODULE_PARM_DESC(hotplug, "offline and online CPUs other than 0 (default 1)");

static bool pressure = true;
module_param(pressure, bool, 0444);
MODULE_PARM_DESC(pressure, "grab half of the free memory now and then and call the shrinker (default 1)");

static bool deep_pressure;
module_param(deep_pressure, bool, 0444);
MODULE_PARM_DESC(deep_pressure, "every other round, grab memory until the page allocator gives up (default 0: may call the OOM killer)");

static unsigned int debug;
module_param(debug, uint, 0444);
MODULE_PARM_DESC(debug, "GUS_CACHE_* debug flags ORed into every cache (0x7c: all)");

static unsigned int fail_mags;
module_param(fail_mags, uint, 0444);
MODULE_PARM_DESC(fail_mags, "percent of magazine allocations made to fail (default 0)");

#define STRESS_MAX_CACHES	8	/* ordinary caches */
#define STRESS_MAX_WORKERS	255U	/* owner ids fit in 8 bits */
#define STRESS_MAX_READERS	64U
#define STRESS_LIVE		256	/* objects a worker holds at most */
#define STRESS_BULK		16	/* objects per bulk call, at most */
#define STRESS_INBOX		256	/* remote frees waiting for a worker */
#define STRESS_SLOTS		8	/* SMR slots per worker */
#define STRESS_SMR_SIZE		248	/* SMR object size */
#define STRESS_REPORTS		5	/* violations printed; the rest counted */
#define STRESS_LONG_US		20	/* a long read section, one in 64 */
#define STRESS_CUSHION		4096	/* pressure: pages given back at once */

/*
 * A live tag: magic (bits 63..48), epoch (47..32), cache (31..28), owner
 * (27..20), sequence (19..0).
 */
#define STRESS_MAGIC		0x5354UL		/* "ST" */
#define STRESS_FREE		0x4652454546524545UL	/* "FREEFREE" */
#define STRESS_GEN_FLIP		(0xffffUL << 48)	/* word 1 = tag ^ this */

struct stress_cache {
	struct gus_cache *c;
	unsigned int size;
	bool ctor;
	char name[32];
};

/* A worker's own counters; read by the module init once it has stopped. */
struct stress_counts {
	unsigned long allocs, frees, remote, smr, shrinks;
	unsigned long bulk_allocs, bulk_frees, zeroed, failed;
};

struct stress_obj {
	unsigned long *obj;
	unsigned long tag;
};

struct stress_worker {
	struct task_struct *task;
	struct gus_ring *inbox;		/* objects other workers hand over */
	unsigned int id;
	int home;			/* the CPU it stays on while online */
	u32 rnd, seq;
	bool grow;			/* phase: mostly allocate or mostly free */
	unsigned long next_shrink;	/* jiffies */
	struct stress_counts n;
	unsigned int nr_live;
	struct stress_obj live[STRESS_LIVE];
	unsigned long slot_tag[STRESS_SLOTS];	/* tags of its SMR slots */
};

struct stress_reader {
	struct task_struct *task;
	unsigned long sections;
};

static struct stress_cache caches[STRESS_MAX_CACHES + 1];
static unsigned int nr_caches;		/* ordinary ones; caches[nr_caches] is SMR */
static unsigned int smr;		/* == nr_caches */
static unsigned long stress_epoch;

static struct stress_worker **workers;
static unsigned int nr_workers;
static struct stress_reader *rdrs;
static unsigned int nr_readers;
static struct task_struct *hotplug_task, *pressure_task;

/*
 * The SMR table: slot i belongs to worker i % nr_workers, the only one
 * that writes it; readers load it with acquire.
 */
static unsigned long **slots;
static unsigned int nr_slots;

static bool stopping;
static bool squeezing;		/* the pressure thread holds nearly all memory */
static struct stress_counts main_n;	/* the final frees, by the module init */
static unsigned long hp_ops, hp_refused, mem_rounds, mem_limits, mem_peak, mem_scans;
static atomic_long_t violations, live_now, live_peak;
static atomic_t reports;

/* ---- tags and patterns ----------------------------------------------- */

static unsigned long stress_tag(unsigned int cache, unsigned int owner, u32 seq)
{
	return STRESS_MAGIC << 48 | stress_epoch << 32 | (unsigned long)cache << 28 |
	       (unsigned long)owner << 20 | (seq & 0xfffff);
}

/* Whether @tag is a live tag of this load. */
static bool stress_tag_live(unsigned long tag)
{
	return tag >> 32 == (STRESS_MAGIC << 16 | stress_epoch);
}

static unsigned int stress_tag_cache(unsigned long tag)
{
	return (tag >> 28) & 0xf;
}

/* Word @k (from 1) of the pattern of generation @gen. */
static unsigned long stress_word(unsigned long gen, unsigned int k)
{
	unsigned long w;

	if (k == 1)
		return gen ^ STRESS_GEN_FLIP;
	w = gen * 0x9e3779b97f4a7c15UL + k * 0xc2b2ae3d27d4eb4fUL;
	w ^= w >> 29;
	/* Never a live tag: see the invariants at the top. */
	if (w >> 48 == STRESS_MAGIC)
		w ^= BIT(63);
	return w;
}

/* Stamp words 1 to the end of an object of @size bytes with @gen's pattern. */
static void stress_fill(unsigned long *o, unsigned int size, unsigned long gen)
{
	unsigned int k, n = size / sizeof(long);
	unsigned long w;

	for (k = 1; k < n; k++)
		o[k] = stress_word(gen, k);
	if (size % sizeof(long)) {
		w = stress_word(gen, n);
		memcpy(&o[n], &w, size % sizeof(long));
	}
}

/*
 * The first word (from 1) of @o that differs from @gen's pattern, with
 * what it holds and what it should, or -1 if none does.  Plain loads: an
 * SMR reader may run this on an object that was freed meanwhile.
 */
static int stress_damage(const unsigned long *o, unsigned int size, unsigned long gen,
			 unsigned long *found, unsigned long *expected)
{
	unsigned int k, n = size / sizeof(long), tail = size % sizeof(long);
	unsigned long w, v;

	for (k = 1; k < n; k++) {
		w = stress_word(gen, k);
		if (o[k] != w) {
			*found = o[k];
			*expected = w;
			return k;
		}
	}
	if (tail) {
		w = 0;
		v = 0;
		memcpy(&w, &o[n], tail);
		*expected = stress_word(gen, n);
		memcpy(&v, expected, tail);
		if (w != v) {
			*found = w;
			*expected = v;
			return n;
		}
	}
	return -1;
}

/* The first nonzero word of @o, or -1. */
static int stress_nonzero(const unsigned long *o, unsigned int size, unsigned long *found)
{
	unsigned int k, n = DIV_ROUND_UP(size, sizeof(long));
	unsigned long w;

	for (k = 0; k < n; k++) {
		w = 0;
		memcpy(&w, &o[k], min_t(unsigned int, sizeof(long), size - k * sizeof(long)));
		if (w) {
			*found = w;
			return k;
		}
	}
	return -1;
}

static void stress_violation(const char *cache, const void *obj, const char *what,
			     int word, unsigned long found, unsigned long expected)
{
	atomic_long_inc(&violations);
	if (atomic_inc_return(&reports) > STRESS_REPORTS)
		return;
	pr_err("VIOLATION: cache %s, object %p: %s (word %d: %#lx, expected %#lx)\n",
	       cache, obj, what, word, found, expected);
}

static u32 stress_rand(u32 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool stress_should_stop(void)
{
	return READ_ONCE(stopping) || kthread_should_stop();
}

/* Sleep up to @j jiffies.  Return: true if the run is over. */
static bool stress_sleep(unsigned long j)
{
	if (!stress_should_stop())
		schedule_timeout_interruptible(j);
	return stress_should_stop();
}

/* Wait for kthread_stop(); the thread must not return before it. */
static int stress_park(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void stress_live_add(long n)
{
	long v = atomic_long_add_return(n, &live_now);
	long peak = atomic_long_read(&live_peak);

	while (v > peak && !atomic_long_try_cmpxchg(&live_peak, &peak, v))
		;
}

/* ---- claiming and giving back objects -------------------------------- */

/*
 * Claim a new object of cache @ci for owner @owner and stamp it.
 * Return: its tag.
 */
static unsigned long stress_claim(unsigned int ci, unsigned long *o, unsigned int owner,
				  u32 seq, bool zeroed)
{
	struct stress_cache *sc = &caches[ci];
	unsigned long tag = stress_tag(ci, owner, seq), old, found = 0;
	int k;

	if (zeroed) {
		k = stress_nonzero(o, sc->size, &found);
		if (k >= 0)
			stress_violation(sc->name, o, "__GFP_ZERO object not zero", k, found, 0);
	}
	old = xchg(&o[0], tag);
	if (stress_tag_live(old))
		stress_violation(sc->name, o, "handed out while another owner holds it",
				 0, old, STRESS_FREE);
	else if (sc->ctor && old != STRESS_FREE && !(zeroed && !old))
		stress_violation(sc->name, o, "free object of a constructor cache written to",
				 0, old, STRESS_FREE);
	stress_fill(o, sc->size, tag);
	stress_live_add(1);
	return tag;
}

/* Check an object of cache @ci stamped with @tag and mark it free. */
static void stress_release(unsigned int ci, unsigned long *o, unsigned long tag)
{
	struct stress_cache *sc = &caches[ci];
	unsigned long found, expected, old;
	int k;

	k = stress_damage(o, sc->size, tag, &found, &expected);
	if (k >= 0)
		stress_violation(sc->name, o, "pattern damaged while live", k, found, expected);
	old = cmpxchg(&o[0], tag, STRESS_FREE);
	if (old != tag)
		stress_violation(sc->name, o, "owner tag changed while live", 0, old, tag);
	stress_live_add(-1);
}

/* Free an object another worker handed over: its tag is in the object. */
static void stress_free_foreign(struct stress_counts *n, unsigned long *o)
{
	unsigned long gen = o[1] ^ STRESS_GEN_FLIP;
	unsigned int ci = stress_tag_cache(gen);

	if (!stress_tag_live(gen) || ci >= nr_caches) {
		stress_violation("?", o, "handed over without a generation (leaked)", 1,
				 o[1], 0);
		return;
	}
	stress_release(ci, o, gen);
	gus_free(o);		/* the cache found from the object */
	n->frees++;
	n->remote++;
}

static void stress_drain_inbox(struct stress_worker *w, struct stress_counts *n,
			       unsigned int max)
{
	void *it;

	while (max-- && !gus_ring_pop(w->inbox, &it))
		stress_free_foreign(n, it);
}

/* ---- workers --------------------------------------------------------- */

static gfp_t stress_gfp(struct stress_worker *w)
{
	/* No OOM killer while the pressure thread holds nearly all memory. */
	gfp_t gfp = READ_ONCE(squeezing) ? __GFP_NORETRY : 0;

	if (!(stress_rand(&w->rnd) % 32))
		return gfp | GFP_NOWAIT | __GFP_NOWARN;
	return gfp | GFP_KERNEL | __GFP_NOWARN;
}

/* A random online node, or now and then NUMA_NO_NODE. */
static int stress_node(struct stress_worker *w)
{
	unsigned int k = stress_rand(&w->rnd) % (num_online_nodes() + 1);
	int node;

	for_each_online_node(node)
		if (!k--)
			return node;
	return NUMA_NO_NODE;
}

static void stress_keep(struct stress_worker *w, unsigned int ci, unsigned long *o,
			bool zeroed)
{
	struct stress_obj *l = &w->live[w->nr_live++];

	l->obj = o;
	l->tag = stress_claim(ci, o, w->id, ++w->seq, zeroed);
	w->n.allocs++;
	w->n.zeroed += zeroed;
}

static void stress_alloc(struct stress_worker *w)
{
	unsigned int ci = stress_rand(&w->rnd) % nr_caches, room = STRESS_LIVE - w->nr_live;
	bool zero = !caches[ci].ctor && !(stress_rand(&w->rnd) % 16);
	gfp_t gfp = stress_gfp(w) | (zero ? __GFP_ZERO : 0);
	void *p[STRESS_BULK];
	unsigned int i, n;

	if (stress_rand(&w->rnd) % 4) {
		if (stress_rand(&w->rnd) % 8)
			p[0] = gus_cache_alloc(caches[ci].c, gfp);
		else
			p[0] = gus_cache_alloc_node(caches[ci].c, gfp, stress_node(w));
		if (!p[0]) {
			w->n.failed++;
			return;
		}
		stress_keep(w, ci, p[0], zero);
		return;
	}
	n = 1 + stress_rand(&w->rnd) % min_t(unsigned int, STRESS_BULK, room);
	if (!gus_cache_alloc_bulk(caches[ci].c, gfp, n, p)) {
		w->n.failed++;
		return;
	}
	for (i = 0; i < n; i++)
		stress_keep(w, ci, p[i], zero);
	w->n.bulk_allocs++;
}

/* Free one object: here, or on another worker. */
static void stress_free_one(struct stress_worker *w)
{
	unsigned int i = stress_rand(&w->rnd) % w->nr_live, ci, to;
	struct stress_obj o = w->live[i];

	w->live[i] = w->live[--w->nr_live];
	if (nr_workers > 1 && stress_rand(&w->rnd) % 100 < remote_free) {
		to = (w->id + 1 + stress_rand(&w->rnd) % (nr_workers - 1)) % nr_workers;
		if (!gus_ring_push(workers[to]->inbox, o.obj))
			return;		/* the ring orders our stamping before its pop */
	}
	ci = stress_tag_cache(o.tag);
	stress_release(ci, o.obj, o.tag);
	gus_cache_free(caches[ci].c, o.obj);
	w->n.frees++;
}

/* Free up to STRESS_BULK objects of one cache with one call. */
static void stress_free_bulk(struct stress_worker *w)
{
	unsigned int ci = stress_tag_cache(w->live[stress_rand(&w->rnd) % w->nr_live].tag);
	unsigned int want = 1 + stress_rand(&w->rnd) % STRESS_BULK, n = 0, j;
	void *p[STRESS_BULK + 1];

	/* Downwards: what moves into slot j was looked at already. */
	for (j = w->nr_live; j-- > 0 && n < want;) {
		if (stress_tag_cache(w->live[j].tag) != ci)
			continue;
		stress_release(ci, w->live[j].obj, w->live[j].tag);
		p[n++] = w->live[j].obj;
		w->live[j] = w->live[--w->nr_live];
		w->n.frees++;
	}
	if (!(stress_rand(&w->rnd) % 8))
		p[n++] = NULL;		/* skipped by gus_cache_free_bulk() */
	gus_cache_free_bulk(caches[ci].c, n, p);
	w->n.bulk_frees++;
}

/* Replace the object in one of this worker's SMR slots and free the old one. */
static void stress_smr_replace(struct stress_worker *w)
{
	unsigned int k = stress_rand(&w->rnd) % STRESS_SLOTS;
	unsigned int i = w->id + k * nr_workers;
	unsigned long *o, *old, old_tag;

	o = gus_cache_alloc(caches[smr].c, stress_gfp(w));
	if (!o) {
		w->n.failed++;
		return;
	}
	w->n.allocs++;
	old = slots[i];			/* only this worker writes slot i */
	old_tag = w->slot_tag[k];
	w->slot_tag[k] = stress_claim(smr, o, w->id, ++w->seq, false);
	/* Pairs with the smp_load_acquire() in stress_reader_fn(). */
	smp_store_release(&slots[i], o);
	w->n.smr++;
	if (!old)
		return;
	/*
	 * Readers may still be in old: they look at words 1 and up, which
	 * stay as they are; word 0 is ours.
	 */
	stress_release(smr, old, old_tag);
	gus_cache_free(caches[smr].c, old);
	w->n.frees++;
}

/* Keep a worker on its home CPU; hotplug moves it away, this brings it back. */
static void stress_pin(struct stress_worker *w)
{
	if (w->home >= 0 && raw_smp_processor_id() != w->home && cpu_online(w->home))
		set_cpus_allowed_ptr(current, cpumask_of(w->home));
}

static void stress_step(struct stress_worker *w)
{
	unsigned int r = stress_rand(&w->rnd) % 100;

	if (w->nr_live == STRESS_LIVE || !(stress_rand(&w->rnd) % 4096))
		w->grow = false;
	else if (!w->nr_live)
		w->grow = true;
	if (r < 8) {
		stress_smr_replace(w);
		return;
	}
	if (w->nr_live < STRESS_LIVE && (!w->nr_live || r < (w->grow ? 60 : 35))) {
		stress_alloc(w);
		return;
	}
	if (stress_rand(&w->rnd) % 4)
		stress_free_one(w);
	else
		stress_free_bulk(w);
}

static int stress_worker_fn(void *arg)
{
	struct stress_worker *w = arg;
	struct stress_cache *sc;
	unsigned long iter = 0;

	stress_pin(w);
	w->next_shrink = jiffies + HZ + stress_rand(&w->rnd) % HZ;
	while (!stress_should_stop()) {
		stress_drain_inbox(w, &w->n, 64);
		stress_step(w);
		if (!(++iter % 256))
			stress_pin(w);
		if (time_after(jiffies, w->next_shrink)) {
			sc = &caches[stress_rand(&w->rnd) % (nr_caches + 1)];
			gus_cache_shrink(sc->c);
			w->n.shrinks++;
			w->next_shrink = jiffies + HZ + stress_rand(&w->rnd) % (2 * HZ);
		}
		cond_resched();
	}
	while (w->nr_live)
		stress_free_one(w);
	stress_drain_inbox(w, &w->n, UINT_MAX);
	return stress_park();
}

/* ---- SMR readers ----------------------------------------------------- */

static void stress_spin(u32 r)
{
	unsigned int i;

	if (!(r % 64)) {
		/* Preemption is off: no sleeping.  Holds reclamation back. */
		udelay(STRESS_LONG_US);
		return;
	}
	for (i = 0; i < r % 32; i++)
		cpu_relax();
	barrier();		/* the re-check loads the object again */
}

/*
 * Read an SMR object found in a slot, spin, and read it again.
 * Context: inside a section of the SMR cache's domain.
 * Return: what is wrong, or NULL.
 */
static const char *stress_smr_read(const unsigned long *o, u32 r, struct gus_domain *d,
				   int *k, unsigned long *found, unsigned long *expected)
{
	unsigned int size = caches[smr].size;
	unsigned long gen = o[1] ^ STRESS_GEN_FLIP;

	*k = 1;
	*found = o[1];
	*expected = 0;
	if (!stress_tag_live(gen) || stress_tag_cache(gen) != smr)
		return "reader found an object without a generation";
	*k = stress_damage(o, size, gen, found, expected);
	if (*k >= 0)
		return "reader found a damaged object";
	stress_spin(r);
	if (r & 0x100) {
		gus_enter(d);	/* nested: the outer section counts */
		*k = stress_damage(o, size, gen, found, expected);
		gus_exit(d);
	} else {
		*k = stress_damage(o, size, gen, found, expected);
	}
	if (*k >= 0)
		return "object changed inside a read section";
	return NULL;
}

static int stress_reader_fn(void *arg)
{
	struct gus_domain *d = gus_cache_domain(caches[smr].c);
	struct stress_reader *rd = arg;
	u32 rnd = get_random_u32() | 1, r;
	unsigned long found, expected;
	const char *what;
	unsigned long *o;
	int k = 0;

	found = 0;
	expected = 0;
	while (!stress_should_stop()) {
		r = stress_rand(&rnd);
		what = NULL;
		gus_enter(d);
		/* Pairs with the smp_store_release() in stress_smr_replace(). */
		o = smp_load_acquire(&slots[r % nr_slots]);
		if (o)
			what = stress_smr_read(o, r >> 8, d, &k, &found, &expected);
		gus_exit(d);
		rd->sections++;
		if (what)
			stress_violation(caches[smr].name, o, what, k, found, expected);
		cond_resched();
	}
	return stress_park();
}

/* ---- CPU hotplug ----------------------------------------------------- */

static int stress_hotplug_fn(void *unused)
{
	u32 rnd = get_random_u32() | 1;
	unsigned int n, cpu, tries;
	int err;

	while (!stress_sleep(HZ / 2 + stress_rand(&rnd) % HZ)) {
		n = num_online_cpus();
		if (n < 2)
			continue;
		cpu = cpumask_nth(1 + stress_rand(&rnd) % (n - 1), cpu_online_mask);
		if (!cpu || cpu >= nr_cpu_ids)
			continue;
		err = remove_cpu(cpu);
		if (err) {
			hp_refused++;
			continue;
		}
		hp_ops++;
		/* Back online even if the run is over. */
		schedule_timeout_interruptible(HZ / 10 + stress_rand(&rnd) % (HZ / 5));
		for (tries = 0; (err = add_cpu(cpu)) && tries < 50; tries++)
			msleep(100);
		if (err)
			pr_warn("CPU %u stays offline: add_cpu() says %d\n", cpu, err);
		else
			hp_ops++;
	}
	return stress_park();
}

/* ---- memory pressure ------------------------------------------------- */

/*
 * Deep rounds.  The test kernels have no compaction: once a deep round has
 * split every large block, an order-2 or -3 GFP_KERNEL allocation (a slab
 * of gusslab's 4 KiB objects, a kernel stack) can fail reclaim after
 * reclaim and call the OOM killer although pages are free.  So while a
 * deep round is on, workers allocate with __GFP_NORETRY (they may fail;
 * they never call the OOM killer), and at the limit the largest blocks go
 * back first.  That leaves a window: on 7.3 KCSAN with debug=0x7c,
 * kthreadd (a kernel stack, order 2) called the OOM killer in one of
 * seven deep runs.  Hence deep_pressure is off by default.
 */

/* Give back up to @max pages, the oldest (largest) blocks first. */
static void stress_give_back(struct list_head *held, unsigned long *pages, unsigned long max)
{
	struct page *page, *tmp;
	unsigned int order;

	list_for_each_entry_safe_reverse(page, tmp, held, lru) {
		if (!max)
			break;
		order = page_private(page);
		max -= min(max, 1UL << order);
		*pages -= 1UL << order;
		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
}

/*
 * Grab up to @target pages.  Return: true if the page allocator gave up
 * first (__GFP_NORETRY: after one round of direct reclaim, without the
 * OOM killer).
 */
static bool stress_grab(struct list_head *held, unsigned long *pages, unsigned long target)
{
	static const unsigned int orders[] = { 9, 4, 0 };	/* 2 MiB, 64 KiB, 4 KiB */
	unsigned int o = 0, order, n = 0;
	struct page *page;

	while (*pages < target && !stress_should_stop()) {
		order = orders[o];
		if (target - *pages < 1UL << order && o < ARRAY_SIZE(orders) - 1) {
			o++;
			continue;
		}
		page = alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, order);
		if (!page) {
			if (o == ARRAY_SIZE(orders) - 1)
				return true;
			o++;		/* fragmented: smaller blocks from now on */
			continue;
		}
		set_page_private(page, order);
		list_add(&page->lru, held);
		*pages += 1UL << order;
		if (!(++n % 64))
			cond_resched();
	}
	return false;
}

/*
 * Call gusslab's shrinker as shrink_slab() does under memory pressure:
 * count, then scan in batches, with the reclaim context that lockdep
 * checks allocations against.
 */
static void stress_reclaim(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long total, ret;
	unsigned int noreclaim;

	fs_reclaim_acquire(sc.gfp_mask);
	noreclaim = memalloc_noreclaim_save();
	total = gus_shrink_count(NULL, &sc);
	if (total == SHRINK_EMPTY)
		total = 0;
	while (total) {
		sc.nr_to_scan = min(total, 128UL);
		ret = gus_shrink_scan(NULL, &sc);
		mem_scans++;
		if (ret == SHRINK_STOP)
			break;
		total -= sc.nr_to_scan;
	}
	memalloc_noreclaim_restore(noreclaim);
	fs_reclaim_release(sc.gfp_mask);
}

static int stress_pressure_fn(void *unused)
{
	u32 rnd = get_random_u32() | 1;
	unsigned long pages = 0;
	struct sysinfo si;
	LIST_HEAD(held);
	bool deep;

	while (!stress_sleep(HZ + stress_rand(&rnd) % (2 * HZ))) {
		si_meminfo(&si);
		deep = deep_pressure && (mem_rounds & 1);
		WRITE_ONCE(squeezing, deep);
		if (stress_grab(&held, &pages, deep ? si.freeram : si.freeram / 2)) {
			mem_limits++;
			stress_give_back(&held, &pages, STRESS_CUSHION);
		}
		mem_peak = max(mem_peak, pages);
		stress_reclaim();
		schedule_timeout_interruptible(HZ / 10);
		stress_give_back(&held, &pages, ULONG_MAX);
		WRITE_ONCE(squeezing, false);
		mem_rounds++;
	}
	return stress_park();
}

/* ---- setup, the run, teardown ---------------------------------------- */

static void stress_ctor(void *obj)
{
	*(unsigned long *)obj = STRESS_FREE;
}

static int stress_create_caches(void)
{
	int v[STRESS_MAX_CACHES + 1], i;
	struct stress_cache *sc;
	unsigned int flags;
	char *rest;

	rest = get_options(sizes, ARRAY_SIZE(v), v);
	if (*rest || v[0] < 1 || v[0] > STRESS_MAX_CACHES) {
		pr_err("sizes=%s: give 1 to %d sizes, comma-separated\n", sizes,
		       STRESS_MAX_CACHES);
		return -EINVAL;
	}
	for (i = 1; i <= v[0]; i++) {
		if (v[i] < 2 * (int)sizeof(long) || v[i] > GUS_MAX_SIZE) {
			pr_err("size %d is not in %zu..%lu\n", v[i], 2 * sizeof(long),
			       GUS_MAX_SIZE);
			return -EINVAL;
		}
	}
	nr_caches = v[0];
	smr = nr_caches;
	for (i = 0; i <= nr_caches; i++) {
		sc = &caches[i];
		if (i == smr) {
			sc->size = STRESS_SMR_SIZE;
			flags = GUS_CACHE_SMR;
			snprintf(sc->name, sizeof(sc->name), "stress-smr");
		} else {
			sc->size = v[i + 1];
			flags = i & 1 ? GUS_CACHE_HWCACHE_ALIGN : 0;
			sc->ctor = i & 2;
			snprintf(sc->name, sizeof(sc->name), "stress%d-%u", i, sc->size);
		}
		sc->c = gus_cache_create(sc->name, sc->size, 0, flags | debug,
					 sc->ctor ? stress_ctor : NULL);
		if (!sc->c)
			return -ENOMEM;
	}
	return 0;
}

static int stress_start(void)
{
	unsigned int i;
	int cpu = -1;

	workers = kcalloc(nr_workers, sizeof(*workers), GFP_KERNEL);
	rdrs = kcalloc(max(nr_readers, 1U), sizeof(*rdrs), GFP_KERNEL);
	nr_slots = nr_workers * STRESS_SLOTS;
	slots = kcalloc(nr_slots, sizeof(*slots), GFP_KERNEL);
	if (!workers || !rdrs || !slots)
		return -ENOMEM;
	for (i = 0; i < nr_workers; i++) {
		workers[i] = kzalloc(sizeof(*workers[i]), GFP_KERNEL);
		if (!workers[i])
			return -ENOMEM;
		workers[i]->inbox = gus_ring_create(STRESS_INBOX, GFP_KERNEL);
		if (!workers[i]->inbox)
			return -ENOMEM;
		workers[i]->id = i;
		workers[i]->rnd = get_random_u32() | 1;
		workers[i]->grow = true;
	}
	cpus_read_lock();
	for (i = 0; i < nr_workers; i++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		workers[i]->home = cpu;
	}
	cpus_read_unlock();

	for (i = 0; i < nr_workers; i++) {
		workers[i]->task = kthread_create(stress_worker_fn, workers[i],
						  "gus-stress/%u", i);
		if (IS_ERR(workers[i]->task))
			return PTR_ERR(workers[i]->task);
	}
	for (i = 0; i < nr_readers; i++) {
		rdrs[i].task = kthread_create(stress_reader_fn, &rdrs[i], "gus-stress-rd/%u", i);
		if (IS_ERR(rdrs[i].task))
			return PTR_ERR(rdrs[i].task);
	}
	if (hotplug) {
		hotplug_task = kthread_create(stress_hotplug_fn, NULL, "gus-stress-hp");
		if (IS_ERR(hotplug_task))
			return PTR_ERR(hotplug_task);
	}
	if (pressure) {
		pressure_task = kthread_create(stress_pressure_fn, NULL, "gus-stress-mem");
		if (IS_ERR(pressure_task))
			return PTR_ERR(pressure_task);
	}
	for (i = 0; i < nr_workers; i++)
		wake_up_process(workers[i]->task);
	for (i = 0; i < nr_readers; i++)
		wake_up_process(rdrs[i].task);
	if (hotplug_task)
		wake_up_process(hotplug_task);
	if (pressure_task)
		wake_up_process(pressure_task);
	return 0;
}

static void stress_stop_task(struct task_struct *t)
{
	if (!IS_ERR_OR_NULL(t))
		kthread_stop(t);
}

/*
 * Stop every thread (kthread_stop() on one that was created but never
 * woken does not run its function at all), then free what is still held.
 */
static void stress_stop(void)
{
	unsigned int i, k;

	WRITE_ONCE(stopping, true);
	stress_stop_task(pressure_task);
	stress_stop_task(hotplug_task);
	for (i = 0; rdrs && i < nr_readers; i++)
		stress_stop_task(rdrs[i].task);
	for (i = 0; workers && i < nr_workers && workers[i]; i++)
		stress_stop_task(workers[i]->task);
	/* Objects handed over after their new owner emptied its inbox. */
	for (i = 0; workers && i < nr_workers && workers[i]; i++) {
		if (workers[i]->inbox)
			stress_drain_inbox(workers[i], &main_n, UINT_MAX);
	}
	for (i = 0; slots && i < nr_slots; i++) {
		if (!slots[i])
			continue;
		k = i / nr_workers;
		stress_release(smr, slots[i], workers[i % nr_workers]->slot_tag[k]);
		gus_cache_free(caches[smr].c, slots[i]);
		main_n.frees++;
	}
}

/* Every object was freed: no cache may hold one any more. */
static void stress_check_caches(void)
{
	struct gus_cache_usage u;
	struct stress_cache *sc;
	unsigned long live = 0;
	unsigned int i, tries;

	for (i = 0; i <= nr_caches && caches[i].c; i++) {
		sc = &caches[i];
		for (tries = 0; tries < 3; tries++) {
			gus_cache_shrink(sc->c);
			/* SMR: the last magazines wait for their stamps. */
			gus_cache_reclaim(sc->c, true);
			live = gus_depot_live(sc->c);
			if (!live)
				break;
		}
		if (live) {
			gus_cache_usage(sc->c, &u);
			stress_violation(sc->name, NULL, "live objects left (in cpus, queued)", -1,
					 u.in_cpus, u.queued);
			pr_err("cache %s: %lu objects still live\n", sc->name, live);
		}
		if (gus_cache_event_sum(sc->c, GUS_BAD_FREE))
			stress_violation(sc->name, NULL, "gusslab refused frees", -1,
					 gus_cache_event_sum(sc->c, GUS_BAD_FREE), 0);
	}
}

static void stress_free_all(void)
{
	unsigned int i;

	for (i = 0; i <= nr_caches; i++) {
		gus_cache_destroy(caches[i].c);
		caches[i].c = NULL;
	}
	for (i = 0; workers && i < nr_workers; i++) {
		if (workers[i])
			gus_ring_destroy(workers[i]->inbox);
		kfree(workers[i]);
	}
	kfree(workers);
	kfree(rdrs);
	kfree(slots);
}

static void stress_sum(struct stress_counts *t, const struct stress_counts *n)
{
	t->allocs += n->allocs;
	t->frees += n->frees;
	t->remote += n->remote;
	t->smr += n->smr;
	t->shrinks += n->shrinks;
	t->bulk_allocs += n->bulk_allocs;
	t->bulk_frees += n->bulk_frees;
	t->zeroed += n->zeroed;
	t->failed += n->failed;
}

static void stress_report(unsigned long secs)
{
	struct stress_counts t = main_n;
	unsigned long sections = 0, scans = 0, freed = 0, deferred = 0;
	unsigned long home = 0, on_node = 0, fallback = 0;
	unsigned int i;

	for (i = 0; i < nr_workers; i++)
		stress_sum(&t, &workers[i]->n);
	for (i = 0; i < nr_readers; i++)
		sections += rdrs[i].sections;
	for (i = 0; i <= nr_caches; i++) {
		scans += gus_cache_event_sum(caches[i].c, GUS_SHRINK_SCAN);
		freed += gus_cache_event_sum(caches[i].c, GUS_SHRINK_FREED);
		deferred += gus_cache_event_sum(caches[i].c, GUS_FREE_DEFERRED);
		home += gus_cache_event_sum(caches[i].c, GUS_FREE_REMOTE);
		on_node += gus_cache_event_sum(caches[i].c, GUS_ALLOC_NODE);
		fallback += gus_cache_event_sum(caches[i].c, GUS_ORDER_FALLBACK);
	}
	if (t.allocs != t.frees)
		stress_violation("all", NULL, "allocations and frees differ", -1, t.allocs,
				 t.frees);
	pr_info("debug %#x; bulk allocs %lu, bulk frees %lu, zeroed %lu, failed allocs %lu, hotplug refused %lu, pressure peak %lu MiB, %lu rounds to the limit; shrinker: %lu cache scans, %lu slabs freed, %lu scan calls by the pressure thread; %lu SMR frees deferred (fail_mags %u%%)\n",
		debug, t.bulk_allocs, t.bulk_frees, t.zeroed, t.failed, hp_refused,
		mem_peak >> (20 - PAGE_SHIFT), mem_limits, scans, freed, mem_scans,
		deferred, fail_mags);
	pr_info("%u nodes: %lu frees of another node's object sent home, %lu allocations from another node; %lu slabs at the fallback order\n",
		num_online_nodes(), home, on_node, fallback);
	pr_info("%lu s, %u workers, %lu allocations, %lu frees, %lu remote frees, %lu SMR replacements, %lu reader sections, %lu hotplug ops, %lu pressure rounds, %lu shrinks, peak live objects %ld, violations %ld\n",
		secs, nr_workers, t.allocs, t.frees, t.remote, t.smr, sections, hp_ops,
		mem_rounds, t.shrinks, atomic_long_read(&live_peak),
		atomic_long_read(&violations));
}

static int __init stress_init(void)
{
	unsigned long start, end;
	int err;

	if (debug & ~GUS_CACHE_DEBUG) {
		pr_err("debug=%#x: only GUS_CACHE_DEBUG flags (%#x) are allowed\n", debug,
		       GUS_CACHE_DEBUG);
		return -EINVAL;
	}
	nr_workers = min(threads ?: num_online_cpus(), STRESS_MAX_WORKERS);
	nr_readers = min(readers, STRESS_MAX_READERS);
	remote_free = min(remote_free, 100U);
	stress_epoch = get_random_u32() & 0xffff;

	err = stress_create_caches();
	if (!err)
		err = stress_start();
	if (err) {
		pr_err("cannot set up: %d\n", err);
		if (workers)
			stress_stop();
		stress_free_all();
		return err;
	}
	pr_info("%u s: %u workers, %u readers, %u caches, remote_free %u%%, hotplug %d, pressure %d%s, debug %#x, fail_mags %u%%\n",
		duration, nr_workers, nr_readers, nr_caches + 1, remote_free, hotplug,
		pressure, pressure && deep_pressure ? " (deep)" : "", debug, fail_mags);
	WRITE_ONCE(gus_fail_mag_percent, min(fail_mags, 100U));
	start = jiffies;
	end = start + duration * HZ;
	while (time_before(jiffies, end) && !atomic_long_read(&violations))
		msleep(100);
	WRITE_ONCE(gus_fail_mag_percent, 0);
	stress_stop();
	stress_check_caches();
	stress_report((jiffies - start) / HZ);
	stress_free_all();
	return atomic_long_read(&violations) ? -EIO : 0;
}

static void __exit stress_exit(void)
{
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab stress test");
