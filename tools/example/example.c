// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_example: a client module that uses only <gusslab.h>.
 *
 * A table of records from an SMR cache is read locklessly inside GUS
 * sections by one kthread per CPU while the loading task replaces records
 * for a moment.  The module makes the GUS domain and creates the cache on
 * it (struct gus_cache_args), as a structure with several kinds of node
 * would for each of its caches.  The table's pointers are __gus: readers
 * load them with gus_dereference(), checked under CONFIG_PROVE_RCU, and
 * the writer publishes with gus_assign_pointer().  A replaced record is
 * handed straight back with gus_cache_free(): the cache itself keeps it
 * untouched until no reader can hold it.  Cache and domain stay until the
 * module is unloaded, so their counters can be read in
 * /sys/kernel/debug/gusslab/example/stats and
 * /sys/kernel/debug/gusslab/gus/example.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <gusslab.h>

#define NR_RECORDS	8
#define REPLACEMENTS	2000

struct record {
	unsigned long value;
	unsigned long check;		/* ~value while the record is live */
};

static struct gus_cache *records;
static struct gus_domain *domain;
static struct record __gus *table[NR_RECORDS];
static struct task_struct **readers;
static atomic_long_t reads, torn;

static int reader_fn(void *unused)
{
	unsigned int i = 0;
	struct record *r;

	while (!kthread_should_stop()) {
		gus_enter(domain);
		r = gus_dereference(table[i % NR_RECORDS], domain);
		i++;
		if (READ_ONCE(r->check) != ~READ_ONCE(r->value))
			atomic_long_inc(&torn);
		gus_exit(domain);
		atomic_long_inc(&reads);
		cond_resched();
	}
	return 0;
}

static struct record *new_record(unsigned long value)
{
	struct record *r = gus_cache_alloc(records, GFP_KERNEL);

	if (r) {
		r->value = value;
		r->check = ~value;
	}
	return r;
}

static int replace_records(void)
{
	struct record *r, *old;
	unsigned long n;

	for (n = 0; n < REPLACEMENTS; n++) {
		r = new_record(n);
		if (!r)
			return -ENOMEM;
		/* Only this task writes the table. */
		old = gus_dereference_protected(table[n % NR_RECORDS], true);
		gus_assign_pointer(table[n % NR_RECORDS], r);
		gus_cache_free(records, old);	/* reused only after readers leave */
		cond_resched();
	}
	return 0;
}

static void stop_readers(void)
{
	int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (!IS_ERR_OR_NULL(readers[cpu]))
			kthread_stop(readers[cpu]);
	kfree(readers);
}

static void free_table(void)
{
	int i;

	for (i = 0; i < NR_RECORDS; i++)
		gus_cache_free(records, gus_dereference_protected(table[i], true));
}

static int __init example_init(void)
{
	struct gus_cache_args args = {};
	int cpu, i, err = -ENOMEM;

	domain = gus_domain_create("example", 0);
	if (!domain)
		return -ENOMEM;
	args.domain = domain;
	records = gus_cache_create_args("example", sizeof(struct record), &args,
					GUS_CACHE_SMR);
	if (!records)
		goto out_domain;
	for (i = 0; i < NR_RECORDS; i++) {
		gus_assign_pointer(table[i], new_record(i));
		if (!gus_access_pointer(table[i]))
			goto out_table;
	}
	readers = kcalloc(nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	if (!readers)
		goto out_table;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		readers[cpu] = kthread_run_on_cpu(reader_fn, NULL, cpu, "gus-example/%u");
	cpus_read_unlock();
	err = replace_records();
	msleep(20);
	pr_info("gusslab_example: %d replacements, %ld reads, %ld torn reads\n",
		REPLACEMENTS, atomic_long_read(&reads), atomic_long_read(&torn));
	if (!err)
		return 0;
	stop_readers();
out_table:
	free_table();
	gus_cache_destroy(records);
out_domain:
	gus_domain_destroy(domain);
	return err;
}

static void __exit example_exit(void)
{
	stop_readers();
	free_table();
	gus_cache_destroy(records);
	gus_domain_destroy(domain);	/* after the cache that uses it */
}

module_init(example_init);
module_exit(example_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab example client");
