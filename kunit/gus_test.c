// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for GUS domains (gus/gus.c):
 *
 *   gus_seq     wrap-safe sequence arithmetic and advancing across the wrap;
 *   gus_domain  poll/wait semantics of each mode on one CPU, nesting,
 *               argument checks and misuse reports;
 *   gus_smp     readers on every CPU validate objects that writers retire
 *               through the domain and then scribble on: a reader that sees
 *               its object change inside one section fails the suite.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "kunit_util.h"
#include "../gus/gus_internal.h"

GUS_IMPORT_INTERNAL();

/* ---- gus_seq -------------------------------------------------------- */

static void gus_seq_compare_across_wrap(struct kunit *test)
{
	unsigned long a = ULONG_MAX - 2, b = a + 4;	/* b wrapped to 1 */

	KUNIT_EXPECT_EQ(test, b, 1UL);
	KUNIT_EXPECT_TRUE(test, gus_seq_before(a, b));
	KUNIT_EXPECT_FALSE(test, gus_seq_before(b, a));
	KUNIT_EXPECT_TRUE(test, gus_seq_after_eq(b, a));
	KUNIT_EXPECT_TRUE(test, gus_seq_after_eq(a, a));
	KUNIT_EXPECT_FALSE(test, gus_seq_before(a, a));
	KUNIT_EXPECT_EQ(test, gus_seq_max(a, b), b);
	KUNIT_EXPECT_EQ(test, gus_seq_max(b, a), b);
}

/* The documented limit: exact up to LONG_MAX apart, reversed beyond. */
static void gus_seq_compare_distance_limit(struct kunit *test)
{
	unsigned long a = ULONG_MAX - 10;

	KUNIT_EXPECT_TRUE(test, gus_seq_before(a, a + LONG_MAX));
	KUNIT_EXPECT_FALSE(test, gus_seq_before(a + LONG_MAX, a));
	KUNIT_EXPECT_FALSE(test, gus_seq_before(a, a + LONG_MAX + 2UL));
}

static void gus_seq_advance_across_wrap(struct kunit *test)
{
	struct gus_domain *d = __gus_domain_create("kunit-wrap", 0,
						   ULONG_MAX - 4);
	unsigned long prev, g;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	prev = gus_current(d);
	KUNIT_EXPECT_EQ(test, prev, ULONG_MAX - 4);
	for (i = 0; i < 6; i++) {
		g = gus_advance(d);
		KUNIT_EXPECT_NE(test, g, GUS_SEQ_INVALID);
		KUNIT_EXPECT_TRUE(test, g & 1);
		KUNIT_EXPECT_TRUE(test, gus_seq_before(prev, g));
		KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
		prev = g;
	}
	KUNIT_EXPECT_EQ(test, prev, 7UL);	/* ..., ULONG_MAX, 1, 3, 5, 7 */
	gus_domain_destroy(d);
}

/* A domain created with the public call starts where start_near_wrap says. */
static void gus_seq_start_is_odd(struct kunit *test)
{
	struct gus_domain *d = gus_domain_create("kunit-start", 0);

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_TRUE(test, gus_current(d) & 1);
	gus_domain_destroy(d);
}

static struct kunit_case gus_seq_cases[] = {
	KUNIT_CASE(gus_seq_compare_across_wrap),
	KUNIT_CASE(gus_seq_compare_distance_limit),
	KUNIT_CASE(gus_seq_advance_across_wrap),
	KUNIT_CASE(gus_seq_start_is_odd),
	{}
};

static struct kunit_suite gus_seq_suite = {
	.name = "gus_seq",
	.test_cases = gus_seq_cases,
};

/* ---- gus_domain ----------------------------------------------------- */

struct gus_mode {
	const char *name;
	unsigned int flags;
	unsigned long start;
};

static const struct gus_mode gus_modes[] = {
	{ "default", 0, GUS_SEQ_INIT },
	{ "deferred", GUS_DEFERRED, GUS_SEQ_INIT },
	{ "lazy", GUS_LAZY, GUS_SEQ_INIT },
	{ "default-wrap", 0, ULONG_MAX - 2 * 100 },
	{ "deferred-wrap", GUS_DEFERRED, ULONG_MAX - 2 * 100 },
};

static void gus_mode_desc(const struct gus_mode *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gus_mode, gus_modes, gus_mode_desc);

static struct gus_domain *gus_test_domain(struct kunit *test)
{
	const struct gus_mode *m = test->param_value;
	struct gus_domain *d;
	char name[32];

	snprintf(name, sizeof(name), "kunit-%s", m->name);
	d = __gus_domain_create(name, m->flags, m->start);
	KUNIT_ASSERT_NOT_NULL(test, d);
	return d;
}

static void gus_poll_without_readers(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	unsigned long g = gus_advance(d);

	if (d->flags & GUS_LAZY)
		gus_wait(d, g);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_domain_destroy(d);
}

/* A section open before the goal holds it until the section ends. */
static void gus_poll_blocked_by_older_reader(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	unsigned long g;

	gus_enter(d);
	g = gus_advance(d);
	KUNIT_EXPECT_FALSE(test, gus_poll(d, g));
	KUNIT_EXPECT_FALSE(test, gus_poll(d, g));
	gus_exit(d);
	gus_wait(d, g);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_domain_destroy(d);
}

/*
 * A section opened after a goal was issued does not hold it, except in
 * deferred mode before the first poll (the documented lag).
 */
static void gus_poll_not_blocked_by_newer_reader(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	unsigned long g;

	if (d->flags & GUS_LAZY) {
		gus_domain_destroy(d);
		kunit_skip(test, "lazy goals are RCU grace periods");
	}
	g = gus_advance(d);
	if (d->flags & GUS_DEFERRED) {
		gus_enter(d);
		KUNIT_EXPECT_FALSE(test, gus_poll(d, g));
		gus_exit(d);
		KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
		g = gus_advance(d);
		KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	}
	gus_enter(d);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_exit(d);
	gus_domain_destroy(d);
}

static void gus_sections_nest(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	unsigned long g;

	gus_enter(d);
	gus_enter(d);
	g = gus_advance(d);
	gus_exit(d);
	KUNIT_EXPECT_FALSE(test, gus_poll(d, g));
	if (!(d->flags & GUS_LAZY))
		KUNIT_EXPECT_TRUE(test, gus_in_section(d));
	gus_exit(d);
	KUNIT_EXPECT_FALSE(test, gus_in_section(d));
	gus_wait(d, g);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_domain_destroy(d);
}

struct gus_holder {
	struct gus_domain *d;
	struct completion entered;
	unsigned int hold_ms;
	int left;		/* set just before the section ends */
};

static int gus_holder_fn(void *arg)
{
	struct gus_holder *h = arg;

	gus_enter(h->d);
	complete(&h->entered);
	mdelay(h->hold_ms);
	WRITE_ONCE(h->left, 1);
	gus_exit(h->d);
	return gus_test_park();
}

/* gus_synchronize() returns only after a reader on another CPU has left. */
static void gus_synchronize_waits_for_remote_reader(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	struct gus_holder h = { .d = d, .hold_ms = 50 };
	struct task_struct *t;
	int cpu;

	cpu = cpumask_next(raw_smp_processor_id(), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	init_completion(&h.entered);
	t = kthread_create(gus_holder_fn, &h, "gus-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&h.entered);
	gus_synchronize(d);
	KUNIT_EXPECT_EQ(test, READ_ONCE(h.left), 1);
	kthread_stop(t);
	gus_domain_destroy(d);
}

static void gus_create_rejects_bad_arguments(struct kunit *test)
{
	struct gus_domain *d;

	KUNIT_EXPECT_NULL(test, gus_domain_create(NULL, 0));
	KUNIT_EXPECT_NULL(test, gus_domain_create("", 0));
	KUNIT_EXPECT_NULL(test, gus_domain_create("a/b", 0));
	KUNIT_EXPECT_NULL(test, gus_domain_create("a-name-that-is-far-too-long-for-gus", 0));
	KUNIT_EXPECT_NULL(test, gus_domain_create("kunit-bad", 0x100));
	KUNIT_EXPECT_NULL(test, gus_domain_create("kunit-bad", GUS_LAZY | GUS_DEFERRED));
	KUNIT_EXPECT_NULL(test, __gus_domain_create("kunit-bad", 0, 2));
	d = gus_domain_create("kunit-dup", 0);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_NULL(test, gus_domain_create("kunit-dup", GUS_LAZY));
	gus_domain_destroy(d);
	d = gus_domain_create("kunit-dup", GUS_LAZY);
	KUNIT_EXPECT_NOT_NULL(test, d);
	gus_domain_destroy(d);
	gus_domain_destroy(NULL);
}

/* Misuse is reported (counted here, quietly) and does not hang. */
static void gus_misuse_is_reported(struct kunit *test)
{
	struct gus_domain *d = gus_domain_create("kunit-misuse", 0);
	unsigned long g;

	KUNIT_ASSERT_NOT_NULL(test, d);
	WRITE_ONCE(gus_quiet_misuse, true);
	gus_enter(d);
	g = gus_advance(d);
	gus_wait(d, g);			/* would wait for itself */
	gus_exit(d);
	KUNIT_EXPECT_EQ(test, gus_event_sum(d, GUS_EV_MISUSE), 1UL);
	KUNIT_EXPECT_FALSE(test, gus_poll(d, gus_current(d) + 100));
	KUNIT_EXPECT_EQ(test, gus_event_sum(d, GUS_EV_MISUSE), 2UL);
	WRITE_ONCE(gus_quiet_misuse, false);
	KUNIT_EXPECT_TRUE(test, gus_poll(d, g));
	gus_domain_destroy(d);
}

/* After gus_wait() on a goal, gus_poll() on it is true, expedited or not. */
static void gus_wait_then_poll_agree(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	unsigned int i, bad = 0;
	unsigned long g;

	for (i = 0; i < 200; i++) {
		if (i == 100)
			rcu_expedite_gp();
		g = gus_advance(d);
		gus_wait(d, g);
		bad += !gus_poll(d, g);
	}
	rcu_unexpedite_gp();
	KUNIT_EXPECT_EQ(test, bad, 0U);
	gus_domain_destroy(d);
}

/* Each CPU's reader slot has a cache line of its own. */
static void gus_reader_slots_own_lines(struct kunit *test)
{
	struct gus_domain *d = gus_test_domain(test);
	int cpu;

	KUNIT_EXPECT_EQ(test, sizeof(struct gus_reader) % SMP_CACHE_BYTES, 0UL);
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)per_cpu_ptr(d->readers, cpu),
						   SMP_CACHE_BYTES));
	gus_domain_destroy(d);
}

/* Back-to-back sections, each 200 us: hardly ever none open. */
int gus_test_churner_fn(void *arg)
{
	struct gus_test_churner *ch = arg;

	atomic_inc(&ch->running);
	while (!READ_ONCE(ch->stop)) {
		u64 end = ktime_get_ns() + 200 * NSEC_PER_USEC;

		gus_enter(ch->d);
		while (ktime_get_ns() < end)
			cpu_relax();
		gus_exit(ch->d);
		if (ch->yield)
			cond_resched();
	}
	atomic_dec(&ch->running);
	return gus_test_park();
}

struct gus_domain *gus_test_mode_domain(struct kunit *test, const char *prefix)
{
	const struct gus_test_mode *m = test->param_value;
	struct gus_domain *d;
	char name[32];

	snprintf(name, sizeof(name), "%s-%s", prefix, m->name);
	d = gus_domain_create(name, m->flags);
	KUNIT_ASSERT_NOT_NULL(test, d);
	return d;
}

struct gus_quiescer {
	struct gus_domain *d;
	struct completion done;
};

static int gus_quiesce_fn(void *arg)
{
	struct gus_quiescer *q = arg;

	gus_domain_quiesce(q->d);
	complete(&q->done);
	return gus_test_park();
}

/*
 * Destroying a domain waits for the sections open at that moment, not for
 * an instant with none open: under continuous readers it still returns.
 */
static void gus_destroy_under_continuous_readers(struct kunit *test)
{
	const struct gus_mode *m = test->param_value;
	struct gus_test_churner ch = {};
	struct gus_quiescer q = {};
	struct task_struct *t[3], *qt;
	unsigned int i, n = 0;
	bool returned;
	int cpu;

	if (m->flags & GUS_LAZY)
		kunit_skip(test, "lazy sections are RCU readers");
	if (num_online_cpus() < 3)
		kunit_skip(test, "needs three CPUs");
	ch.d = gus_test_domain(test);
	q.d = ch.d;
	for_each_online_cpu(cpu) {
		if (n == ARRAY_SIZE(t) || cpu == raw_smp_processor_id())
			continue;
		t[n] = kthread_run_on_cpu(gus_test_churner_fn, &ch, cpu, "gus-churner/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[n]));
		n++;
	}
	while (atomic_read(&ch.running) != n)
		usleep_range(1000, 2000);
	init_completion(&q.done);
	WRITE_ONCE(gus_quiet_misuse, true);
	qt = kthread_run(gus_quiesce_fn, &q, "gus-quiesce");
	KUNIT_ASSERT_FALSE(test, IS_ERR(qt));
	returned = wait_for_completion_timeout(&q.done, 5 * HZ);
	WRITE_ONCE(ch.stop, true);
	if (!returned)
		wait_for_completion(&q.done);
	WRITE_ONCE(gus_quiet_misuse, false);
	kthread_stop(qt);
	for (i = 0; i < n; i++)
		kthread_stop(t[i]);
	KUNIT_EXPECT_TRUE(test, returned);
	KUNIT_EXPECT_GE(test, gus_event_sum(ch.d, GUS_EV_MISUSE), 1UL);
	gus_domain_destroy(ch.d);
}

static struct kunit_case gus_domain_cases[] = {
	KUNIT_CASE_PARAM(gus_poll_without_readers, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_poll_blocked_by_older_reader, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_poll_not_blocked_by_newer_reader, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_sections_nest, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_synchronize_waits_for_remote_reader, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_wait_then_poll_agree, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_reader_slots_own_lines, gus_mode_gen_params),
	KUNIT_CASE_PARAM(gus_destroy_under_continuous_readers, gus_mode_gen_params),
	KUNIT_CASE(gus_create_rejects_bad_arguments),
	KUNIT_CASE(gus_misuse_is_reported),
	{}
};

static struct kunit_suite gus_domain_suite = {
	.name = "gus_domain",
	.test_cases = gus_domain_cases,
};

/* ---- gus_smp -------------------------------------------------------- */

#define SMP_SLOTS	16
#define SMP_OBJS	256
#define SMP_LIVE	0x4c495645U	/* "LIVE" */
#define SMP_DEAD	0x44454144U	/* "DEAD" */
#define SMP_MIN_OPS	2000		/* reads and recycles wanted */
#define SMP_MIN_MS	500		/* and at least this long */
#define SMP_MAX_MS	30000		/* but never longer than this */

struct smp_obj {
	unsigned int state;
	unsigned long gen;
	struct smp_obj *next;		/* writer-private free/retire lists */
	unsigned long goal;
};

struct smp_ctx {
	struct gus_domain *d;
	struct smp_obj __gus *slot[SMP_SLOTS];
	atomic_long_t reads, bad_reads, recycled, gens;
	bool stop_readers, stop_writers;
};

struct smp_writer {
	struct smp_ctx *ctx;
	struct smp_obj *free, *retired, **retired_tail;
	unsigned int id;
};

static int smp_reader_fn(void *arg)
{
	struct smp_ctx *ctx = arg;
	u32 rnd = get_random_u32() | 1;
	unsigned long bad = 0;
	unsigned int spin;
	struct smp_obj *o;
	unsigned long g1;

	while (!READ_ONCE(ctx->stop_readers)) {
		gus_enter(ctx->d);
		/* Pairs with gus_assign_pointer() in smp_publish(). */
		o = gus_dereference(ctx->slot[gus_test_rand(&rnd) % SMP_SLOTS], ctx->d);
		g1 = READ_ONCE(o->gen);
		if (READ_ONCE(o->state) != SMP_LIVE)
			bad++;
		for (spin = gus_test_rand(&rnd) % 64; spin; spin--)
			cpu_relax();
		if (READ_ONCE(o->gen) != g1 || READ_ONCE(o->state) != SMP_LIVE)
			bad++;
		gus_exit(ctx->d);
		atomic_long_inc(&ctx->reads);
		cond_resched();
	}
	atomic_long_add(bad, &ctx->bad_reads);
	return gus_test_park();
}

/* Objects whose goal is reached are scribbled on and reused. */
static void smp_reclaim(struct smp_writer *w, bool wait)
{
	struct smp_obj *o;

	while ((o = w->retired)) {
		if (wait)
			gus_wait(w->ctx->d, o->goal);
		else if (!gus_poll(w->ctx->d, o->goal))
			return;
		w->retired = o->next;
		if (!w->retired)
			w->retired_tail = &w->retired;
		WRITE_ONCE(o->state, SMP_DEAD);
		WRITE_ONCE(o->gen, 0);
		o->next = w->free;
		w->free = o;
		atomic_long_inc(&w->ctx->recycled);
	}
}

static void smp_publish(struct smp_writer *w, unsigned int i, struct smp_obj *o)
{
	struct smp_ctx *ctx = w->ctx;
	/* Slot i is ours alone. */
	struct smp_obj *old = gus_dereference_protected(ctx->slot[i], true);

	WRITE_ONCE(o->gen, atomic_long_inc_return(&ctx->gens));
	WRITE_ONCE(o->state, SMP_LIVE);
	/* Pairs with gus_dereference() in smp_reader_fn(). */
	gus_assign_pointer(ctx->slot[i], o);
	old->goal = gus_advance(ctx->d);
	old->next = NULL;
	*w->retired_tail = old;
	w->retired_tail = &old->next;
}

static int smp_writer_fn(void *arg)
{
	struct smp_writer *w = arg;
	unsigned int n = 0;
	struct smp_obj *o;

	while (!READ_ONCE(w->ctx->stop_writers)) {
		smp_reclaim(w, !w->free);
		o = w->free;
		w->free = o->next;
		/* Writer w owns the slots congruent to its id. */
		smp_publish(w, (n++ * 2 + w->id) % SMP_SLOTS, o);
		cond_resched();
	}
	return gus_test_park();
}

static void gus_smp_readers_never_see_reuse(struct kunit *test)
{
	struct smp_writer w[2] = {};
	struct task_struct *tw[2], **tr;
	unsigned int nr = 0, i;
	struct smp_ctx *ctx;
	struct smp_obj *objs;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	objs = kunit_kcalloc(test, SMP_OBJS, sizeof(*objs), GFP_KERNEL);
	tr = kunit_kcalloc(test, nr_cpu_ids, sizeof(*tr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, tr);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	ctx->d = gus_test_domain(test);

	/* Slots start filled; the rest of the objects are split in two. */
	for (i = 0; i < SMP_SLOTS; i++) {
		objs[i].state = SMP_LIVE;
		objs[i].gen = atomic_long_inc_return(&ctx->gens);
		gus_assign_pointer(ctx->slot[i], &objs[i]);
	}
	for (i = 0; i < 2; i++) {
		w[i].ctx = ctx;
		w[i].id = i;
		w[i].retired_tail = &w[i].retired;
	}
	for (i = SMP_SLOTS; i < SMP_OBJS; i++) {
		objs[i].next = w[i & 1].free;
		w[i & 1].free = &objs[i];
	}

	for_each_online_cpu(cpu) {
		tr[nr] = kthread_create(smp_reader_fn, ctx, "gus-reader/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tr[nr]));
		kthread_bind(tr[nr], cpu);
		wake_up_process(tr[nr++]);
	}
	for (i = 0; i < 2; i++) {
		tw[i] = kthread_create(smp_writer_fn, &w[i], "gus-writer/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tw[i]));
		kthread_bind(tw[i], cpumask_nth(i, cpu_online_mask));
		wake_up_process(tw[i]);
	}
	/* Run until both sides did enough work, whatever the host's speed. */
	for (i = 0; i < SMP_MAX_MS / 20; i++) {
		msleep(20);
		if (i * 20 >= SMP_MIN_MS &&
		    atomic_long_read(&ctx->reads) >= SMP_MIN_OPS &&
		    atomic_long_read(&ctx->recycled) >= SMP_MIN_OPS)
			break;
	}
	WRITE_ONCE(ctx->stop_writers, true);
	for (i = 0; i < 2; i++)
		kthread_stop(tw[i]);
	WRITE_ONCE(ctx->stop_readers, true);
	for (i = 0; i < nr; i++)
		kthread_stop(tr[i]);
	for (i = 0; i < 2; i++)
		smp_reclaim(&w[i], true);

	kunit_info(test, "reads %ld recycled %ld bad %ld\n",
		   atomic_long_read(&ctx->reads),
		   atomic_long_read(&ctx->recycled),
		   atomic_long_read(&ctx->bad_reads));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->bad_reads), 0L);
	/* The test means something only if both sides did real work. */
	KUNIT_EXPECT_GE(test, atomic_long_read(&ctx->reads), (long)SMP_MIN_OPS);
	KUNIT_EXPECT_GE(test, atomic_long_read(&ctx->recycled), (long)SMP_MIN_OPS);
	gus_domain_destroy(ctx->d);
}

static struct kunit_case gus_smp_cases[] = {
	KUNIT_CASE_PARAM(gus_smp_readers_never_see_reuse, gus_mode_gen_params),
	{}
};

static struct kunit_suite gus_smp_suite = {
	.name = "gus_smp",
	.test_cases = gus_smp_cases,
};

kunit_test_suites(&gus_seq_suite, &gus_domain_suite, &gus_smp_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for gusslab");
