// SPDX-License-Identifier: GPL-2.0
/*
 * gusstat: a table of gusslab caches, read from debugfs, in the manner of
 * tools/mm/slabinfo.c.
 *
 *   gusstat [-s name|size|mem|fast] [-r]   one line per cache, sorted
 *   gusstat CACHE                          one cache in detail
 *   gusstat -d SECONDS [-n COUNT]          every SECONDS, what changed
 *   gusstat -D, --domains                  one line per GUS domain
 *   gusstat -j, --json                     caches and domains as JSON
 *   --root DIR                             read DIR instead of debugfs
 *
 * Everything comes from /sys/kernel/debug/gusslab/ (or --root): the
 * "caches" file (one line per cache, header first), each cache's "stats"
 * (a counter per line, its total then per-CPU values) and "ring" files,
 * and the domains' gus/<domain> files.
 *
 * Sequences wrap, and debug kernels start every domain just below the
 * wrap, so a raw sequence says little.  Next to each one gusstat shows a
 * distance in advances (GUS_SEQ_INCR steps, compared modulo 2^64 as
 * gus_seq_before() does): the write sequence from the domain's start,
 * every other sequence (read sequences, stamps) behind the write sequence.
 * A lazy domain's sequences are RCU cookies and are shown raw.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUGFS		"/sys/kernel/debug"
#define GUSDIR		DEBUGFS "/gusslab"
#define MAX_CACHES	256
#define MAX_DOMAINS	64
#define MAX_EVENTS	32
#define MAX_SECTIONS	256
#define PATH_LEN	4096
#define SEQ_INCR	2UL	/* GUS_SEQ_INCR: one advance */

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

/* A CPU inside a section of the domain, and the sequence it published. */
struct section {
	int cpu;
	unsigned long seq;
};

/* One gus/<domain> file. */
struct domain {
	char name[40];
	char mode[16];
	char caches[512];		/* the users, space-separated */
	int lazy, has_start;
	unsigned long start, wr_seq, rd_seq, rcu_cookie, pending;
	struct section sect[MAX_SECTIONS];
	int nr_sect;
	struct event ev[MAX_EVENTS];
	int nr_ev;
};

static struct cache caches[MAX_CACHES];
static int nr_caches;
static struct domain domains[MAX_DOMAINS];
static int nr_domains;
static const char *root = GUSDIR;
static int root_given;
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

/* Explain why the root is missing: no debugfs, no permission, or no module. */
static void check_debugfs(void)
{
	struct stat st;

	if (stat(root, &st) == 0)
		return;
	if (root_given)
		err(1, "%s", root);
	if (errno == EACCES)
		errx(1, "cannot read %s: run as root", DEBUGFS);
	if (!debugfs_mounted())
		errx(1, "debugfs is not mounted at %s (mount -t debugfs none %s)",
		     DEBUGFS, DEBUGFS);
	errx(1, "%s does not exist: is gusslab.ko loaded?", GUSDIR);
}

/* Open @rel, a path under the root; NULL if it is not there. */
static FILE *open_rel(const char *rel)
{
	char path[PATH_LEN];

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return NULL;
	return fopen(path, "r");
}

/* Read all of @rel into @buf, NUL-terminated; 0 if it is not there. */
static size_t slurp(const char *rel, char *buf, size_t len)
{
	FILE *f = open_rel(rel);
	size_t n;

	buf[0] = '\0';
	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static unsigned long long event(const struct event *ev, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(ev[i].name, name))
			return ev[i].total;
	return 0;
}

static unsigned long long cache_event(const struct cache *c, const char *name)
{
	return event(c->ev, c->nr_ev, name);
}

static void read_stats(struct cache *c)
{
	char rel[64], line[4096];
	FILE *f;

	c->nr_ev = 0;
	snprintf(rel, sizeof(rel), "%s/stats", c->name);
	f = open_rel(rel);
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
	f = open_rel("caches");
	if (!f)
		errx(1, "cannot open %s/caches", root);
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

/* One line of a gus/<domain> file: "key value" or "key" alone. */
static void parse_domain_line(struct domain *d, const char *key, const char *val)
{
	unsigned long v = strtoul(val, NULL, 10);
	int cpu;

	if (!strcmp(key, "name")) {
		snprintf(d->name, sizeof(d->name), "%s", val);
	} else if (!strcmp(key, "mode")) {
		snprintf(d->mode, sizeof(d->mode), "%s", val);
		d->lazy = !strcmp(val, "lazy");
	} else if (!strcmp(key, "start")) {
		d->start = v;
		d->has_start = 1;
	} else if (!strcmp(key, "wr_seq")) {
		d->wr_seq = v;
	} else if (!strcmp(key, "rd_seq")) {
		d->rd_seq = v;
	} else if (!strcmp(key, "rcu_cookie")) {
		d->rcu_cookie = v;
	} else if (!strcmp(key, "callbacks_pending")) {
		d->pending = v;
	} else if (!strcmp(key, "caches")) {
		snprintf(d->caches, sizeof(d->caches), "%s", val);
	} else if (sscanf(key, "cpu%d", &cpu) == 1) {
		if (strcmp(val, "idle") && d->nr_sect < MAX_SECTIONS) {
			d->sect[d->nr_sect].cpu = cpu;
			d->sect[d->nr_sect++].seq = v;
		}
	} else if (d->nr_ev < MAX_EVENTS) {
		snprintf(d->ev[d->nr_ev].name, sizeof(d->ev[0].name), "%s", key);
		d->ev[d->nr_ev++].total = v;
	}
}

static int read_domain(struct domain *d, const char *file)
{
	static char buf[1 << 16];
	char rel[PATH_LEN], *line, *next, *val;

	snprintf(rel, sizeof(rel), "gus/%s", file);
	if (!slurp(rel, buf, sizeof(buf)))
		return 0;	/* destroyed since the directory was read */
	memset(d, 0, sizeof(*d));
	if (snprintf(d->name, sizeof(d->name), "%s", file) >= (int)sizeof(d->name))
		return 0;	/* not a name gusslab gives (31 bytes at most) */
	for (line = buf; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		val = line + strcspn(line, " ");
		if (*val)
			*val++ = '\0';
		parse_domain_line(d, line, val);
	}
	return 1;
}

static int compare_domains(const void *a, const void *b)
{
	return strcmp(((const struct domain *)a)->name,
		      ((const struct domain *)b)->name);
}

/* Read every gus/<domain> file. */
static void read_domains(void)
{
	char path[PATH_LEN];
	struct dirent *de;
	DIR *dir;

	check_debugfs();
	nr_domains = 0;
	snprintf(path, sizeof(path), "%s/gus", root);
	dir = opendir(path);
	if (!dir)
		return;
	while (nr_domains < MAX_DOMAINS && (de = readdir(dir)))
		if (de->d_name[0] != '.' && read_domain(&domains[nr_domains], de->d_name))
			nr_domains++;
	closedir(dir);
	qsort(domains, nr_domains, sizeof(domains[0]), compare_domains);
}

static const struct domain *find_domain(const char *name)
{
	int i;

	for (i = 0; i < nr_domains; i++)
		if (!strcmp(domains[i].name, name))
			return &domains[i];
	return NULL;
}

/* Advances from @from to @to, modulo 2^64: negative if @to is older. */
static long advances(unsigned long from, unsigned long to)
{
	return (long)(to - from) / (long)SEQ_INCR;
}

/* How far the write sequence has come since the domain's start. */
static long advanced(const struct domain *d)
{
	return advances(d->start, d->wr_seq);
}

/* How far the CPUs' sections lag: the oldest one's distance, or -1. */
static long oldest_section(const struct domain *d)
{
	long oldest = -1, lag;
	int i;

	for (i = 0; i < d->nr_sect; i++) {
		lag = advances(d->sect[i].seq, d->wr_seq);
		if (lag > oldest)
			oldest = lag;
	}
	return oldest;
}

static unsigned long long memory(const struct cache *c)
{
	return (unsigned long long)c->slabs * c->pages_per_slab * page_size;
}

/* Share of allocations served by the per-CPU magazine, in percent. */
static double fast_pct(const struct cache *c)
{
	unsigned long long fast = cache_event(c, "alloc_fast");
	unsigned long long all = fast + cache_event(c, "alloc_slow");

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

/* The Name column: 17 wide, or the longest name (gus-kmalloc-smr-128). */
static int name_width(void)
{
	int i, w = 17;

	for (i = 0; i < nr_caches; i++)
		if ((int)strlen(caches[i].name) > w)
			w = strlen(caches[i].name);
	for (i = 0; i < nr_domains; i++)
		if ((int)strlen(domains[i].name) > w)
			w = strlen(domains[i].name);
	return w;
}

static void print_table(void)
{
	int i, w = name_width();

	qsort(caches, nr_caches, sizeof(caches[0]), compare);
	printf("%-*s %7s %9s %9s %7s %9s %6s %8s %8s %s\n", w, "Name", "ObjSize",
	       "Active", "Objects", "Slabs", "Memory", "Fast%", "CPUObjs",
	       "Queued", "Domain");
	for (i = 0; i < nr_caches; i++) {
		const struct cache *c = &caches[i];

		/* SMR caches: their domain; several may share one. */
		printf("%-*s %7lu %9lu %9lu %7lu %8lluK %6.1f %8lu %8lu %s\n",
		       w, c->name, c->objsize, c->active, c->objects, c->slabs,
		       memory(c) / 1024, fast_pct(c), c->cpu_objs, c->queued,
		       c->domain);
	}
}

/*
 * One line per domain: the write sequence and how far it has come, how
 * far the cached read sequence lags, the CPUs in a section and the
 * oldest one's lag, the callbacks queued, the caches.
 */
static void print_domains(void)
{
	int i, w = name_width();

	printf("%-*s %-8s %20s %9s %8s %8s %6s %7s %s\n", w, "Name", "Mode",
	       "WrSeq", "Advanced", "RdBehind", "Sections", "Oldest", "Pending",
	       "Caches");
	for (i = 0; i < nr_domains; i++) {
		const struct domain *d = &domains[i];
		char adv[24] = "-", rd[24] = "-", old[24] = "-", sect[24] = "-";

		if (!d->lazy) {
			if (d->has_start)
				snprintf(adv, sizeof(adv), "%ld", advanced(d));
			snprintf(rd, sizeof(rd), "%ld", advances(d->rd_seq, d->wr_seq));
			snprintf(sect, sizeof(sect), "%d", d->nr_sect);
			if (d->nr_sect)
				snprintf(old, sizeof(old), "%ld", oldest_section(d));
		}
		printf("%-*s %-8s %20lu %9s %8s %8s %6s %7lu %s\n", w, d->name,
		       d->mode, d->lazy ? d->rcu_cookie : d->wr_seq, adv, rd,
		       sect, old, d->pending, d->caches[0] ? d->caches : "-");
	}
}

static const char *plural(long n)
{
	return n == 1 || n == -1 ? "" : "s";
}

/* "(N advances behind wr_seq)" for @seq of a domain at @wr. */
static void print_behind(unsigned long seq, unsigned long wr)
{
	long n = advances(seq, wr);

	printf(" (%ld advance%s %s wr_seq)", n < 0 ? -n : n, plural(n),
	       n < 0 ? "ahead of" : "behind");
}

/*
 * Print @rel (a cache's ring, a domain's file) indented, each sequence
 * with its distance: wr_seq from @d's start, the others behind wr_seq.
 */
static void print_seq_file(const char *rel, const struct domain *d)
{
	static char buf[1 << 16];
	char *line, *next, key[64];
	unsigned long v, wr = 0;
	int have_wr = 0, cpu;

	if (!slurp(rel, buf, sizeof(buf)))
		return;
	/* The file's own wr_seq: read in the same instant as the rest. */
	line = strstr(buf, "wr_seq ");
	if (line && (line == buf || line[-1] == '\n'))
		have_wr = sscanf(line, "wr_seq %lu", &wr) == 1;
	for (line = buf; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		printf("  %s", line);
		if (have_wr && sscanf(line, "%63s %lu", key, &v) == 2) {
			if (!strcmp(key, "wr_seq") && d && d->has_start)
				printf(" (%ld advance%s from start)", advances(d->start, v),
				       plural(advances(d->start, v)));
			else if (!strcmp(key, "rd_seq") || !strcmp(key, "head_stamp") ||
				 sscanf(key, "cpu%d", &cpu) == 1)
				print_behind(v, wr);
		}
		putchar('\n');
	}
}

static void print_detail(const char *name)
{
	const struct cache *c = NULL;
	const struct domain *d = NULL;
	unsigned long idle;
	char rel[PATH_LEN];
	int i;

	for (i = 0; i < nr_caches; i++)
		if (!strcmp(caches[i].name, name))
			c = &caches[i];
	if (!c)
		errx(1, "no gusslab cache named '%s'", name);
	if (strcmp(c->domain, "-")) {
		read_domains();
		d = find_domain(c->domain);
	}
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
	snprintf(rel, sizeof(rel), "%s/ring", c->name);
	print_seq_file(rel, d);
	if (strcmp(c->domain, "-")) {
		printf("GUS domain:\n");
		snprintf(rel, sizeof(rel), "gus/%s", c->domain);
		print_seq_file(rel, d);
	}
}

/* @s as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_events(const struct event *ev, int nr)
{
	int i;

	printf("\"counters\": {");
	for (i = 0; i < nr; i++) {
		printf("%s", i ? ", " : "");
		json_str(ev[i].name);
		printf(": %llu", ev[i].total);
	}
	putchar('}');
}

/* ", "key": @v" */
static void json_num(const char *key, unsigned long long v)
{
	printf(", \"%s\": %llu", key, v);
}

/* The table's fields and the rest of the caches line, and the counters. */
static void json_cache(const struct cache *c)
{
	printf("{\"name\": ");
	json_str(c->name);
	json_num("objsize", c->objsize);
	json_num("active", c->active);
	json_num("objects", c->objects);
	json_num("per_slab", c->per_slab);
	json_num("pages_per_slab", c->pages_per_slab);
	json_num("active_slabs", c->active_slabs);
	json_num("slabs", c->slabs);
	json_num("memory", memory(c));
	printf(", \"fast_pct\": %.1f", fast_pct(c));
	json_num("cpu_objs", c->cpu_objs);
	json_num("queued", c->queued);
	json_num("ring_mags", c->ring_mags);
	printf(", \"domain\": ");
	if (strcmp(c->domain, "-"))
		json_str(c->domain);
	else
		printf("null");
	printf(", ");
	json_events(c->ev, c->nr_ev);
	putchar('}');
}

/* Sequences raw and as distances (advanced, *_behind); lazy: the cookie. */
static void json_domain(const struct domain *d)
{
	char users[sizeof(d->caches)], *u;
	int i;

	printf("{\"name\": ");
	json_str(d->name);
	printf(", \"mode\": ");
	json_str(d->mode);
	if (d->lazy) {
		printf(", \"rcu_cookie\": %lu", d->rcu_cookie);
	} else {
		if (d->has_start)
			printf(", \"start\": %lu, \"advanced\": %ld", d->start, advanced(d));
		else
			printf(", \"start\": null, \"advanced\": null");
		printf(", \"wr_seq\": %lu, \"rd_seq\": %lu, \"rd_behind\": %ld, \"sections\": [",
		       d->wr_seq, d->rd_seq, advances(d->rd_seq, d->wr_seq));
		for (i = 0; i < d->nr_sect; i++)
			printf("%s{\"cpu\": %d, \"seq\": %lu, \"behind\": %ld}",
			       i ? ", " : "", d->sect[i].cpu, d->sect[i].seq,
			       advances(d->sect[i].seq, d->wr_seq));
		putchar(']');
	}
	printf(", \"callbacks_pending\": %lu, ", d->pending);
	json_events(d->ev, d->nr_ev);
	printf(", \"caches\": [");
	snprintf(users, sizeof(users), "%s", d->caches);
	for (i = 0, u = strtok(users, " "); u; u = strtok(NULL, " "), i++) {
		printf("%s", i ? ", " : "");
		json_str(u);
	}
	printf("]}");
}

/* {"caches": [...], "domains": [...]}, one object per line. */
static void print_json(void)
{
	int i;

	qsort(caches, nr_caches, sizeof(caches[0]), compare);
	read_domains();
	printf("{\"caches\": [");
	for (i = 0; i < nr_caches; i++) {
		printf("%s\n  ", i ? "," : "");
		json_cache(&caches[i]);
	}
	printf("%s],\n \"domains\": [", nr_caches ? "\n " : "");
	for (i = 0; i < nr_domains; i++) {
		printf("%s\n  ", i ? "," : "");
		json_domain(&domains[i]);
	}
	printf("%s]}\n", nr_domains ? "\n " : "");
}

/* How much counter @name grew from @p to @c (all of it, if it was cleared). */
static unsigned long long delta(const struct cache *c, const struct cache *p,
				const char *name)
{
	unsigned long long now = cache_event(c, name), then = cache_event(p, name);

	return now >= then ? now - then : now;
}

/* Every @secs seconds, per cache, what the counters did in between. */
static void watch(unsigned int secs, long count)
{
	static struct cache prev[MAX_CACHES];
	int nr_prev, i, j, w;

	read_caches();
	for (; count != 0; count--) {
		memcpy(prev, caches, sizeof(caches));
		nr_prev = nr_caches;
		sleep(secs);
		read_caches();
		w = name_width();
		printf("%-*s %10s %10s %6s %8s %8s %9s\n", w, "Name", "Allocs/s",
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
			printf("%-*s %10llu %10llu %6.1f %8llu %8llu %9lu\n",
			       w, c->name, (fast + slow) / secs,
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
		"       gusstat -d SECONDS [-n COUNT]          changes every SECONDS\n"
		"       gusstat -D | --domains                 all GUS domains\n"
		"       gusstat -j | --json                    caches and domains as JSON\n"
		"       --root DIR                             read DIR, not %s\n", GUSDIR);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "domains", no_argument, NULL, 'D' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt, json = 0, show_domains = 0;
	unsigned int secs = 0;
	long count = -1;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt_long(argc, argv, "s:rd:n:jDh", longopts, NULL)) != -1) {
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
		case 'j':
			json = 1;
			break;
		case 'D':
			show_domains = 1;
			break;
		case 'R':
			root = optarg;
			root_given = 1;
			break;
		default:
			help();
		}
	}
	if ((json || show_domains) && (secs || optind < argc))
		help();
	if (secs) {
		watch(secs, count);
		return 0;
	}
	if (show_domains && !json) {
		read_domains();
		print_domains();
		return 0;
	}
	read_caches();
	if (json)
		print_json();
	else if (optind < argc)
		print_detail(argv[optind]);
	else
		print_table();
	return 0;
}
