// SPDX-License-Identifier: GPL-2.0
/*
 * gusstat: a table of gusslab caches, read from debugfs, in the manner of
 * tools/mm/slabinfo.c.
 *
 *   gusstat [-s name|size|mem|fast] [-r]   one line per cache, sorted
 *   gusstat CACHE                          one cache in detail
 *   gusstat -d SECONDS [-n COUNT]          every SECONDS, what changed
 *
 * Everything comes from /sys/kernel/debug/gusslab/: the "caches" file
 * (one line per cache, header first) and each cache's "stats" (a counter
 * per line, its total then per-CPU values) and "ring" files.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUGFS		"/sys/kernel/debug"
#define GUSDIR		DEBUGFS "/gusslab"
#define MAX_CACHES	256
#define MAX_EVENTS	32

struct event {
	char name[32];
	unsigned long long total;
};

struct cache {
	char name[32];
	char domain[40];
	unsigned long active, objects, objsize, per_slab, pages_per_slab;
	unsigned long active_slabs, slabs, cpu_objs, queued, ring_mags;
	struct event ev[MAX_EVENTS];
	int nr_ev;
};

static struct cache caches[MAX_CACHES];
static int nr_caches;
static long page_size;
static int reverse;
static char sort_key = 'n';

/* Whether /proc/mounts lists debugfs at DEBUGFS. */
static int debugfs_mounted(void)
{
	char dir[256], type[64];
	int found = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return 1;	/* cannot tell: let the next error speak */
	while (!found && fscanf(f, "%*s %255s %63s %*[^\n]", dir, type) == 2)
		found = !strcmp(dir, DEBUGFS) && !strcmp(type, "debugfs");
	fclose(f);
	return found;
}

/* Explain why GUSDIR is missing: no debugfs, no permission, or no module. */
static void check_debugfs(void)
{
	struct stat st;

	if (stat(GUSDIR, &st) == 0)
		return;
	if (errno == EACCES)
		errx(1, "cannot read %s: run as root", DEBUGFS);
	if (!debugfs_mounted())
		errx(1, "debugfs is not mounted at %s (mount -t debugfs none %s)",
		     DEBUGFS, DEBUGFS);
	errx(1, "%s does not exist: is gusslab.ko loaded?", GUSDIR);
}

static unsigned long long event(const struct cache *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr_ev; i++)
		if (!strcmp(c->ev[i].name, name))
			return c->ev[i].total;
	return 0;
}

static void read_stats(struct cache *c)
{
	char path[128], line[4096];
	FILE *f;

	c->nr_ev = 0;
	snprintf(path, sizeof(path), GUSDIR "/%s/stats", c->name);
	f = fopen(path, "r");
	if (!f)
		return;		/* destroyed since the caches file was read */
	while (c->nr_ev < MAX_EVENTS && fgets(line, sizeof(line), f)) {
		struct event *e = &c->ev[c->nr_ev];

		if (sscanf(line, "%31s %llu", e->name, &e->total) == 2)
			c->nr_ev++;
	}
	fclose(f);
}

/* Read the caches file and every cache's counters. */
static void read_caches(void)
{
	char line[512];
	FILE *f;

	check_debugfs();
	f = fopen(GUSDIR "/caches", "r");
	if (!f)
		errx(1, "cannot open %s", GUSDIR "/caches");
	nr_caches = 0;
	while (nr_caches < MAX_CACHES && fgets(line, sizeof(line), f)) {
		struct cache *c = &caches[nr_caches];

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%31s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %39s",
			   c->name, &c->active, &c->objects, &c->objsize,
			   &c->per_slab, &c->pages_per_slab, &c->active_slabs,
			   &c->slabs, &c->cpu_objs, &c->queued, &c->ring_mags,
			   c->domain) != 12)
			errx(1, "unexpected line in the caches file: %.80s", line);
		read_stats(c);
		nr_caches++;
	}
	fclose(f);
}

static unsigned long long memory(const struct cache *c)
{
	return (unsigned long long)c->slabs * c->pages_per_slab * page_size;
}

/* Share of allocations served by the per-CPU magazine, in percent. */
static double fast_pct(const struct cache *c)
{
	unsigned long long fast = event(c, "alloc_fast");
	unsigned long long all = fast + event(c, "alloc_slow");

	return all ? 100.0 * fast / all : 0.0;
}

static int compare(const void *a, const void *b)
{
	const struct cache *x = a, *y = b;
	int r;

	switch (sort_key) {
	case 's':
		r = (x->objsize > y->objsize) - (x->objsize < y->objsize);
		break;
	case 'm':
		r = (memory(x) > memory(y)) - (memory(x) < memory(y));
		break;
	case 'f':
		r = (fast_pct(x) > fast_pct(y)) - (fast_pct(x) < fast_pct(y));
		break;
	default:
		r = 0;
	}
	if (!r)
		r = strcmp(x->name, y->name);
	return reverse ? -r : r;
}

static void print_table(void)
{
	int i;

	qsort(caches, nr_caches, sizeof(caches[0]), compare);
	printf("%-17s %7s %9s %9s %7s %9s %6s %8s %8s %s\n", "Name", "ObjSize",
	       "Active", "Objects", "Slabs", "Memory", "Fast%", "CPUObjs",
	       "Queued", "Domain");
	for (i = 0; i < nr_caches; i++) {
		const struct cache *c = &caches[i];

		/* SMR caches: their domain; several may share one. */
		printf("%-17s %7lu %9lu %9lu %7lu %8lluK %6.1f %8lu %8lu %s\n",
		       c->name, c->objsize, c->active, c->objects, c->slabs,
		       memory(c) / 1024, fast_pct(c), c->cpu_objs, c->queued,
		       c->domain);
	}
}

static void print_file(const char *name, const char *file)
{
	char path[128], line[512];
	FILE *f;

	snprintf(path, sizeof(path), GUSDIR "/%s", name);
	if (file)
		snprintf(path, sizeof(path), GUSDIR "/%s/%s", name, file);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
}

static void print_detail(const char *name)
{
	const struct cache *c = NULL;
	unsigned long idle;
	char gus[64];
	int i;

	for (i = 0; i < nr_caches; i++)
		if (!strcmp(caches[i].name, name))
			c = &caches[i];
	if (!c)
		errx(1, "no gusslab cache named '%s'", name);
	printf("%s: %lu-byte objects, %lu per slab of %lu page(s)\n", c->name,
	       c->objsize, c->per_slab, c->pages_per_slab);
	idle = c->active + c->cpu_objs + c->queued;
	printf("objects: %lu in use, %lu in per-CPU magazines, %lu queued, %lu free in slabs\n",
	       c->active, c->cpu_objs, c->queued,
	       c->objects > idle ? c->objects - idle : 0);
	printf("slabs: %lu (%lu with objects in use), memory %lluK\n",
	       c->slabs, c->active_slabs, memory(c) / 1024);
	printf("allocations served by the magazine: %.1f%%\n", fast_pct(c));
	printf("counters:\n");
	for (i = 0; i < c->nr_ev; i++)
		printf("  %-16s %llu\n", c->ev[i].name, c->ev[i].total);
	printf("ring:\n");
	print_file(c->name, "ring");
	if (strcmp(c->domain, "-")) {
		printf("GUS domain:\n");
		snprintf(gus, sizeof(gus), "gus/%s", c->domain);
		print_file(gus, NULL);
	}
}

/* How much counter @name grew from @p to @c (all of it, if it was cleared). */
static unsigned long long delta(const struct cache *c, const struct cache *p,
				const char *name)
{
	unsigned long long now = event(c, name), then = event(p, name);

	return now >= then ? now - then : now;
}

/* Every @secs seconds, per cache, what the counters did in between. */
static void watch(unsigned int secs, long count)
{
	static struct cache prev[MAX_CACHES];
	int nr_prev, i, j;

	read_caches();
	for (; count != 0; count--) {
		memcpy(prev, caches, sizeof(caches));
		nr_prev = nr_caches;
		sleep(secs);
		read_caches();
		printf("%-17s %10s %10s %6s %8s %8s %9s\n", "Name", "Allocs/s",
		       "Frees/s", "Fast%", "SlabsIn", "SlabsOut", "Active");
		for (i = 0; i < nr_caches; i++) {
			const struct cache *c = &caches[i], *p = NULL;
			unsigned long long fast, slow;

			for (j = 0; j < nr_prev; j++)
				if (!strcmp(prev[j].name, c->name))
					p = &prev[j];
			if (!p)
				continue;	/* new since the last round */
			fast = delta(c, p, "alloc_fast");
			slow = delta(c, p, "alloc_slow");
			printf("%-17s %10llu %10llu %6.1f %8llu %8llu %9lu\n",
			       c->name, (fast + slow) / secs,
			       (delta(c, p, "free_fast") + delta(c, p, "free_slow")) / secs,
			       fast + slow ? 100.0 * fast / (fast + slow) : 0.0,
			       delta(c, p, "slab_alloc"), delta(c, p, "slab_free"),
			       c->active);
		}
		fflush(stdout);
	}
}

static void help(void)
{
	fprintf(stderr,
		"usage: gusstat [-s name|size|mem|fast] [-r]   all caches\n"
		"       gusstat CACHE                          one cache\n"
		"       gusstat -d SECONDS [-n COUNT]          changes every SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long count = -1;
	unsigned int secs = 0;
	int opt;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "s:rd:n:h")) != -1) {
		switch (opt) {
		case 's':
			if (!strchr("nsmf", optarg[0]))
				help();
			sort_key = optarg[0];
			break;
		case 'r':
			reverse = 1;
			break;
		case 'd':
			secs = strtoul(optarg, NULL, 10);
			if (!secs)
				help();
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		default:
			help();
		}
	}
	if (secs) {
		watch(secs, count);
		return 0;
	}
	read_caches();
	if (optind < argc)
		print_detail(argv[optind]);
	else
		print_table();
	return 0;
}
