// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gus_numa: where objects come from on a machine with several
 * nodes (check-all boots one guest with numa=fake=2).  On one node every
 * case skips.
 *
 *   - a CPU gets objects of its own node;
 *   - an object freed on another node goes back to its own node, past
 *     the freeing CPU's magazines: in a remote magazine queued on its
 *     node's ring when full (the rest on a flush), so that the freeing
 *     node never hands it out (SMR caches: once its goal is reached);
 *   - gus_cache_alloc_node() serves each node from that node's memory,
 *     and refuses a node that does not exist;
 *   - when the local node is full (the page allocator hands out another
 *     node's pages, imitated by the fault hook gus_fault_full_node), each
 *     slab grown serves the allocation that grew it and objects already
 *     free on other nodes are used first: growth stays bounded by the
 *     objects asked for.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "../slab/cache.h"

GUS_IMPORT_INTERNAL();

#define NUMA_OBJS	200

struct numa_work {
	struct gus_cache *c;
	void *objs[NUMA_OBJS];
	unsigned int got, on_node;
	int node;
};

static int numa_obj_node(const void *obj)
{
	return page_to_nid(virt_to_page(obj));
}

/*
 * A CPU of @node, or -1.  By cpu_to_node(): under numa=fake every fake
 * node's cpumask_of_node() lists all the CPUs of its physical node.
 */
static int numa_cpu_of(int node)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (cpu_to_node(cpu) == node)
			return cpu;
	return -1;
}

static void numa_need_two_nodes(struct kunit *test)
{
	int node, with_cpus = 0;

	for_each_online_node(node)
		with_cpus += numa_cpu_of(node) >= 0;
	if (with_cpus < 2)
		kunit_skip(test, "needs two nodes with CPUs (boot with numa=fake=2)");
}

/* On the CPU: allocate NUMA_OBJS objects, count those of its node. */
static long numa_alloc_fn(void *arg)
{
	struct numa_work *w = arg;
	unsigned int i;

	w->node = numa_mem_id();
	for (i = 0; i < NUMA_OBJS; i++) {
		w->objs[i] = gus_cache_alloc(w->c, GFP_KERNEL);
		if (!w->objs[i])
			break;
		w->on_node += numa_obj_node(w->objs[i]) == w->node;
	}
	w->got = i;
	return 0;
}

static long numa_free_fn(void *arg)
{
	struct numa_work *w = arg;

	gus_cache_free_bulk(w->c, w->got, w->objs);
	return 0;
}

/* Each node's CPUs get that node's memory. */
static void numa_objects_from_local_node(struct kunit *test)
{
	struct numa_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	int node, cpu;

	numa_need_two_nodes(test);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->c = gus_cache_create("kunit-numa-local", 256, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->c);
	for_each_online_node(node) {
		cpu = numa_cpu_of(node);
		if (cpu < 0)
			continue;
		w->on_node = 0;
		work_on_cpu(cpu, numa_alloc_fn, w);
		kunit_info(test, "cpu %d node %d: %u of %u objects local\n",
			   cpu, w->node, w->on_node, w->got);
		KUNIT_EXPECT_EQ(test, w->got, NUMA_OBJS);
		KUNIT_EXPECT_EQ(test, w->on_node, NUMA_OBJS);
		work_on_cpu(cpu, numa_free_fn, w);
	}
	gus_cache_destroy(w->c);
}

/* Objects of node A freed by a CPU of node B return to node A's slabs. */
static void numa_remote_free_returns_home(struct kunit *test)
{
	struct numa_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned long before, after;
	int a = first_online_node, b, node;
	struct gus_node *gn;

	numa_need_two_nodes(test);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->c = gus_cache_create("kunit-numa-home", 256, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->c);
	b = a;
	for_each_online_node(node)
		if (node != a && numa_cpu_of(node) >= 0)
			b = node;
	work_on_cpu(numa_cpu_of(a), numa_alloc_fn, w);
	KUNIT_ASSERT_EQ(test, w->got, NUMA_OBJS);
	gn = w->c->nodes[a];
	before = READ_ONCE(gn->nr_free);
	work_on_cpu(numa_cpu_of(b), numa_free_fn, w);
	gus_cache_shrink(w->c);		/* magazines into the slabs */
	after = READ_ONCE(w->c->nodes[a]->nr_free);
	/* The shrink gave node a's empty slabs back: count what is left. */
	KUNIT_EXPECT_EQ(test, gus_depot_live(w->c), 0UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->c->nodes[b]->nr_slabs), 0UL);
	kunit_info(test, "node %d free %lu -> %lu after frees on node %d\n",
		   a, before, after, b);
	gus_cache_destroy(w->c);
}

/* On the CPU: allocate NUMA_OBJS objects; count those in w->objs too. */
static long numa_alloc_count_fn(void *arg)
{
	struct numa_work *w = arg;
	unsigned int i, j, again = 0;
	void **fresh;

	fresh = kcalloc(NUMA_OBJS, sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < NUMA_OBJS; i++) {
		fresh[i] = gus_cache_alloc(w->c, GFP_KERNEL);
		for (j = 0; fresh[i] && j < w->got; j++)
			again += fresh[i] == w->objs[j];
	}
	gus_cache_free_bulk(w->c, NUMA_OBJS, fresh);
	kfree(fresh);
	return again;
}

/*
 * Free w->objs one by one, then in bulk: both free paths.  The first one
 * is freed twice in a row: the second must be refused as a double free.
 */
static long numa_free_each_fn(void *arg)
{
	struct numa_work *w = arg;
	unsigned int i, half = w->got / 2;

	for (i = 0; i < half; i++) {
		gus_cache_free(w->c, w->objs[i]);
		if (i == 0) {
			WRITE_ONCE(gus_quiet_misuse, true);
			gus_cache_free(w->c, w->objs[0]);
			WRITE_ONCE(gus_quiet_misuse, false);
		}
	}
	gus_cache_free_bulk(w->c, w->got - half, w->objs + half);
	return 0;
}

/* Node a's objects, freed on a CPU of node b; @smr for an SMR cache. */
static void numa_remote_free_case(struct kunit *test, bool smr)
{
	struct numa_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned int home, on_the_way;
	int a = first_online_node, b = a, node;
	struct gus_cache_usage u;
	unsigned long free_before;
	struct gus_node *gn;
	struct gus_cpu *pc;
	long again;

	numa_need_two_nodes(test);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->c = gus_cache_create(smr ? "kunit-numa-away-smr" : "kunit-numa-away", 256, 0,
				smr ? GUS_CACHE_SMR : 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->c);
	for_each_online_node(node)
		if (node != a && numa_cpu_of(node) >= 0)
			b = node;
	work_on_cpu(numa_cpu_of(a), numa_alloc_fn, w);
	KUNIT_ASSERT_EQ(test, w->got, NUMA_OBJS);
	KUNIT_ASSERT_EQ(test, w->on_node, NUMA_OBJS);
	gn = w->c->nodes[a];
	free_before = READ_ONCE(gn->nr_free);
	work_on_cpu(numa_cpu_of(b), numa_free_each_fn, w);
	/*
	 * Full remote magazines on node a's ring (SMR: stamped), none on
	 * node b's; the last, partial one still with node b's CPU.
	 */
	pc = per_cpu_ptr(w->c->cpu, numa_cpu_of(b));
	on_the_way = NUMA_OBJS % w->c->mag_size;
	home = NUMA_OBJS - on_the_way;
	gus_cache_usage(w->c, &u);
	kunit_info(test, "node %d: %u magazines on its ring, %lu objects queued, %lu on their way, after %u frees on node %d\n",
		   a, gus_ring_count(gn->ring), u.queued,
		   pc->remote ? pc->remote->count : 0, NUMA_OBJS, b);
	KUNIT_EXPECT_EQ(test, gus_cache_event_sum(w->c, GUS_FREE_REMOTE),
			(unsigned long)NUMA_OBJS);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&w->c->reports), 1L);	/* the double free */
	KUNIT_ASSERT_NOT_NULL(test, pc->remote);
	KUNIT_EXPECT_EQ(test, pc->remote->count, on_the_way);
	KUNIT_EXPECT_EQ(test, u.queued, (unsigned long)home);
	KUNIT_EXPECT_EQ(test, gus_ring_count(gn->ring), home / w->c->mag_size);
	KUNIT_EXPECT_EQ(test, gus_ring_count(w->c->nodes[b]->ring), 0U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gn->nr_free), free_before);
	/* Node b's CPU never gets them; node a's does. */
	again = work_on_cpu(numa_cpu_of(b), numa_alloc_count_fn, w);
	KUNIT_EXPECT_EQ(test, again, 0L);
	if (smr)
		gus_synchronize(gus_cache_domain(w->c));
	again = work_on_cpu(numa_cpu_of(a), numa_alloc_count_fn, w);
	kunit_info(test, "node %d reused %ld of them\n", a, again);
	KUNIT_EXPECT_GT(test, again, 0L);
	/* A flush sends the partial batch home: nothing left outside. */
	gus_cache_shrink(w->c);
	if (smr) {
		gus_synchronize(gus_cache_domain(w->c));
		gus_cache_shrink(w->c);
	}
	KUNIT_EXPECT_NULL(test, READ_ONCE(pc->remote));
	KUNIT_EXPECT_EQ(test, gus_depot_live(w->c), 0UL);
	gus_cache_destroy(w->c);
}

static void numa_remote_free_skips_magazines(struct kunit *test)
{
	numa_remote_free_case(test, false);
}

static void numa_remote_free_smr_waits_at_home(struct kunit *test)
{
	numa_remote_free_case(test, true);
}

struct numa_node_work {
	struct gus_cache *c;
	int node, got, on_node;
};

/* On some CPU: NUMA_OBJS objects of w->node, by gus_cache_alloc_node(). */
static long numa_alloc_node_fn(void *arg)
{
	struct numa_node_work *w = arg;
	void **objs = kcalloc(NUMA_OBJS, sizeof(*objs), GFP_KERNEL);
	int i;

	if (!objs)
		return -ENOMEM;
	for (i = 0; i < NUMA_OBJS; i++) {
		objs[i] = gus_cache_alloc_node(w->c, GFP_KERNEL, w->node);
		if (!objs[i])
			break;
		w->on_node += numa_obj_node(objs[i]) == w->node;
	}
	w->got = i;
	gus_cache_free_bulk(w->c, i, objs);
	kfree(objs);
	return 0;
}

/* Each node asked for, from a CPU of each node: that node's memory. */
static void numa_alloc_node_each_node(struct kunit *test)
{
	struct numa_node_work w = {};
	int node, from;
	void *obj;

	numa_need_two_nodes(test);
	w.c = gus_cache_create("kunit-numa-node", 512, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w.c);
	for_each_online_node(from) {
		if (numa_cpu_of(from) < 0)
			continue;
		for_each_node_state(node, N_MEMORY) {
			w.node = node;
			w.got = 0;
			w.on_node = 0;
			work_on_cpu(numa_cpu_of(from), numa_alloc_node_fn, &w);
			kunit_info(test, "from node %d, node %d asked: %d of %d there\n",
				   from, node, w.on_node, w.got);
			KUNIT_EXPECT_EQ(test, w.got, NUMA_OBJS);
			KUNIT_EXPECT_EQ(test, w.on_node, NUMA_OBJS);
		}
	}
	KUNIT_EXPECT_GT(test, gus_cache_event_sum(w.c, GUS_ALLOC_NODE), 0UL);
	obj = gus_cache_alloc_node(w.c, GFP_KERNEL, NUMA_NO_NODE);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	gus_cache_free(w.c, obj);
	WRITE_ONCE(gus_quiet_misuse, true);
	KUNIT_EXPECT_NULL(test, gus_cache_alloc_node(w.c, GFP_KERNEL, nr_node_ids));
	WRITE_ONCE(gus_quiet_misuse, false);
	gus_cache_shrink(w.c);
	KUNIT_EXPECT_EQ(test, gus_depot_live(w.c), 0UL);
	gus_cache_destroy(w.c);
}

/* Node full: growth bounded by the objects asked for; free ones reused. */
static void numa_full_node_falls_back_bounded(struct kunit *test)
{
	struct numa_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned long slabs, free, bound;
	int cpu = numa_cpu_of(first_online_node);

	numa_need_two_nodes(test);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->c = gus_cache_create("kunit-numa-full", 256, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, w->c);
	bound = DIV_ROUND_UP(NUMA_OBJS, w->c->objects) + 1;
	WRITE_ONCE(gus_fault_full_node, cpu_to_mem(cpu));
	atomic_set(&gus_fault_full_budget, 2000);
	work_on_cpu(cpu, numa_alloc_fn, w);
	gus_depot_totals(w->c, &slabs, &free);
	kunit_info(test, "node %d full: %u objects, %u local, %lu slabs (bound %lu)\n",
		   w->node, w->got, w->on_node, slabs, bound);
	KUNIT_EXPECT_EQ(test, w->got, NUMA_OBJS);
	KUNIT_EXPECT_LE(test, slabs, bound);
	/* Freed, then asked for again: the free remote objects serve. */
	work_on_cpu(cpu, numa_free_fn, w);
	gus_cache_reclaim(w->c, false);
	w->on_node = 0;
	work_on_cpu(cpu, numa_alloc_fn, w);
	gus_depot_totals(w->c, &slabs, &free);
	kunit_info(test, "again: %u objects, %lu slabs\n", w->got, slabs);
	KUNIT_EXPECT_EQ(test, w->got, NUMA_OBJS);
	KUNIT_EXPECT_LE(test, slabs, bound + 1);
	atomic_set(&gus_fault_full_budget, 0);
	WRITE_ONCE(gus_fault_full_node, NUMA_NO_NODE);
	work_on_cpu(cpu, numa_free_fn, w);
	gus_cache_destroy(w->c);
}

static struct kunit_case numa_cases[] = {
	KUNIT_CASE(numa_objects_from_local_node),
	KUNIT_CASE(numa_remote_free_returns_home),
	KUNIT_CASE(numa_full_node_falls_back_bounded),
	KUNIT_CASE(numa_remote_free_skips_magazines),
	KUNIT_CASE(numa_remote_free_smr_waits_at_home),
	KUNIT_CASE(numa_alloc_node_each_node),
	{}
};

static struct kunit_suite numa_suite = {
	.name = "gus_numa",
	.test_cases = numa_cases,
};

kunit_test_suites(&numa_suite);
