// SPDX-License-Identifier: GPL-2.0
/*
 * Debug caches: checks on every allocation and free, for caches created
 * with GUS_CACHE_CHECK and friends or named in the "debug" module
 * parameter (Documentation/debugging.rst).
 *
 * A debug cache's slot holds more than the object:
 *
 *   [object][right red zone][alloc track][free track][state][left red zone
 *                                                            of the next]
 *
 * The left red zone of each object is the word just before it: the tail
 * of the previous slot, or for the first object the bytes after the slab
 * header (c->offset leaves room).  Metadata never sits inside the object,
 * so an SMR reader still finds a freed object as its writer left it.
 *
 * Invariants:
 *  - an object's metadata is touched only once gus_obj_to_slab() has said
 *    the pointer is an object start of this cache: every debug flag
 *    implies GUS_CACHE_CHECK;
 *  - the state word says where the object is: ACTIVE (a user holds it),
 *    FREE (freed, contents as the user left them: SMR objects before their
 *    stamp is reached, or no poisoning), POISONED (freed and poisoned) or
 *    QUARANTINED (found damaged; never handed out or given back again);
 *  - the state moves only on the user's calls (alloc, free) and, for SMR
 *    caches, when a magazine's stamp is reached (FREE -> POISONED): no
 *    reader can see the object any more, so poisoning it is safe.
 *
 * A damaged object is reported ("BUG gusslab <cache>: ..."), with what was
 * found against what was expected, the last callers and a hex dump, then
 * quarantined; the caller gets another object, or its free is refused.
 *
 * On a generic-KASAN kernel the red zones and poisoned objects are also
 * poisoned in KASAN's shadow, so KASAN reports a stray access when it
 * happens; gusslab's own checks of those bytes run with KASAN's reports
 * off for the current task (kasan_disable_current()).
 * With no debug cache, the checks cost the fast paths one patched-out jump
 * (gus_debug_key).
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/moduleparam.h>
#include <linux/poison.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"

/* State words; any other value is damage. */
#define GUS_OBJ_ACTIVE		0x41435456UL	/* "ACTV" */
#define GUS_OBJ_FREE		0x46524545UL	/* "FREE" */
#define GUS_OBJ_POISONED	0x504f4953UL	/* "POIS" */
#define GUS_OBJ_QUARANTINED	0x51524e54UL	/* "QRNT" */

#define GUS_RED			0xcc		/* red zone bytes */
#define GUS_RED_LEFT		sizeof(long)	/* bytes before each object */
#define GUS_STACK_DEPTH		16

DEFINE_STATIC_KEY_FALSE(gus_debug_key);

static char gus_debug_param[128];
module_param_string(debug, gus_debug_param, sizeof(gus_debug_param), 0444);
MODULE_PARM_DESC(debug,
		 "debug checks, as slab_debug=: FLAGS[,cache,...] with F (check frees), Z (red zones), P (poison), U (callers), T (stack traces)");

/* A caller, recorded at allocation and at free (GUS_CACHE_STORE_USER). */
struct gus_track {
	unsigned long addr;		/* the caller, 0 if never */
	unsigned long when;		/* jiffies */
	int cpu;
	int pid;
	unsigned int nr;		/* stack entries, GUS_CACHE_STORE_STACK */
	unsigned long stack[];
};

enum gus_track_item { GUS_TRACK_ALLOC, GUS_TRACK_FREE };

static const struct {
	char letter;
	unsigned int flag;
} gus_debug_letters[] = {
	{ 'F', GUS_CACHE_CHECK },
	{ 'Z', GUS_CACHE_RED_ZONE },
	{ 'P', GUS_CACHE_POISON },
	{ 'U', GUS_CACHE_STORE_USER },
	{ 'T', GUS_CACHE_STORE_STACK },
};

/**
 * gus_debug_parse() - the debug flags a "debug" parameter gives a cache.
 * @param: "FLAGS" for every cache, or "FLAGS,name,name..." for those named.
 * @name: the cache's name.
 * @flags: set to the flags for @name (0 if it is not named).
 *
 * Return: 0, or -EINVAL for an unknown flag letter.
 */
int gus_debug_parse(const char *param, const char *name, unsigned int *flags)
{
	const char *p = param, *end;
	unsigned int f = 0, i;
	bool named = false;

	*flags = 0;
	for (; *p && *p != ','; p++) {
		for (i = 0; i < ARRAY_SIZE(gus_debug_letters); i++)
			if (gus_debug_letters[i].letter == *p)
				break;
		if (i == ARRAY_SIZE(gus_debug_letters))
			return -EINVAL;
		f |= gus_debug_letters[i].flag;
	}
	if (!*p) {			/* no names: every cache */
		*flags = f;
		return 0;
	}
	while (*p == ',') {
		p++;
		end = strchrnul(p, ',');
		if (end - p == strlen(name) && !strncmp(p, name, end - p))
			named = true;
		p = end;
	}
	if (named)
		*flags = f;
	return 0;
}

GUS_EXPORT_INTERNAL(gus_debug_parse);

/**
 * gus_debug_init() - check the "debug" module parameter.
 *
 * Return: 0, or -EINVAL (logged) if it cannot be parsed.
 */
int gus_debug_init(void)
{
	unsigned int flags;

	if (gus_debug_parse(gus_debug_param, "", &flags)) {
		pr_err("gusslab: debug=%s: flags are letters among FZPUT, then ,cache names\n",
		       gus_debug_param);
		return -EINVAL;
	}
	return 0;
}

/**
 * gus_debug_flags() - the debug flags a new cache gets.
 * @name: its name.
 * @flags: the flags it was created with.
 * @ctor: whether it has a constructor.
 *
 * Adds what the module parameter names it for.  Any debug flag implies
 * GUS_CACHE_CHECK, a stack trace implies the caller; a cache with a
 * constructor is not poisoned (its objects keep their constructed state).
 *
 * Return: @flags with the debug flags settled.
 */
unsigned int gus_debug_flags(const char *name, unsigned int flags, bool ctor)
{
	unsigned int extra;

	if (!gus_debug_parse(gus_debug_param, name, &extra))
		flags |= extra;
	if (flags & GUS_CACHE_STORE_STACK)
		flags |= GUS_CACHE_STORE_USER;
	if (ctor)
		flags &= ~GUS_CACHE_POISON;
	if (flags & GUS_CACHE_DEBUG)
		flags |= GUS_CACHE_CHECK;
	return flags;
}

/**
 * gus_debug_layout() - place a debug cache's metadata in its slots.
 * @c: the cache, with object_size, align and flags set.
 *
 * Sets c->meta, c->track_size and c->red_left, and returns the slot size.
 *
 * Return: the size of a slot, a multiple of c->align.
 */
unsigned int gus_debug_layout(struct gus_cache *c)
{
	unsigned int end;

	c->red_left = 0;
	c->track_size = 0;
	if (!(c->flags & GUS_CACHE_DEBUG))
		return ALIGN(c->object_size, c->align);
	end = ALIGN(c->object_size, sizeof(long));
	if (c->flags & GUS_CACHE_RED_ZONE) {
		end += sizeof(long);	/* at least a word of right red zone */
		c->red_left = GUS_RED_LEFT;
	}
	c->meta = end;
	if (c->flags & GUS_CACHE_STORE_USER) {
		c->track_size = sizeof(struct gus_track);
		if (c->flags & GUS_CACHE_STORE_STACK)
			c->track_size += GUS_STACK_DEPTH * sizeof(unsigned long);
	}
	end += 2 * c->track_size + sizeof(unsigned long);	/* + the state */
	return ALIGN(end + c->red_left, c->align);
}

static unsigned long *gus_state(struct gus_cache *c, void *obj)
{
	return obj + c->meta + 2 * c->track_size;
}

static struct gus_track *gus_track(struct gus_cache *c, void *obj,
				   enum gus_track_item t)
{
	return obj + c->meta + t * c->track_size;
}

/* Record the caller (the API call's _RET_IP_) and, with T, a stack trace. */
static void gus_track_set(struct gus_cache *c, void *obj, enum gus_track_item t,
			  unsigned long caller)
{
	struct gus_track *tr;

	if (!(c->flags & GUS_CACHE_STORE_USER))
		return;
	tr = gus_track(c, obj, t);
	tr->addr = caller;
	tr->when = jiffies;
	tr->cpu = raw_smp_processor_id();
	tr->pid = current->pid;
	tr->nr = 0;
	if (c->flags & GUS_CACHE_STORE_STACK)
		tr->nr = stack_trace_save(tr->stack, GUS_STACK_DEPTH, 2);
}

/**
 * gus_debug_caller() - the recorded allocation or free caller of @obj.
 * @c: a cache with GUS_CACHE_STORE_USER.
 * @obj: one of its objects.
 * @freed: the free caller rather than the allocation's.
 * @nr_stack: set to the number of stack entries recorded (may be NULL).
 *
 * Return: the caller's address, 0 if none is recorded.
 */
unsigned long gus_debug_caller(struct gus_cache *c, void *obj, bool freed,
			       unsigned int *nr_stack)
{
	struct gus_track *tr;

	if (!(c->flags & GUS_CACHE_STORE_USER))
		return 0;
	tr = gus_track(c, obj, freed ? GUS_TRACK_FREE : GUS_TRACK_ALLOC);
	if (nr_stack)
		*nr_stack = tr->nr;
	return tr->addr;
}

GUS_EXPORT_INTERNAL(gus_debug_caller);

/* @now: jiffies when the report began (printing to a console takes time). */
static void gus_print_track(struct gus_cache *c, void *obj, enum gus_track_item t,
			    unsigned long now)
{
	struct gus_track *tr = gus_track(c, obj, t);
	const char *what = t == GUS_TRACK_ALLOC ? "Allocated" : "Freed";
	unsigned int i;

	if (!(c->flags & GUS_CACHE_STORE_USER))
		return;
	if (!tr->addr) {
		pr_err("%s: never\n", what);
		return;
	}
	pr_err("%s in %pS age=%u ms cpu=%d pid=%d\n", what, (void *)tr->addr,
	       jiffies_to_msecs(now - tr->when), tr->cpu, tr->pid);
	for (i = 0; i < tr->nr; i++)
		pr_err(" %pS\n", (void *)tr->stack[i]);
}

/* Hex dump of @len bytes at @at, each line headed by its offset in @obj. */
static void gus_dump(const void *obj, const u8 *at, size_t len)
{
	char line[16 * 3 + 1];
	size_t i;

	for (i = 0; i < len; i += 16) {
		hex_dump_to_buffer(at + i, min_t(size_t, 16, len - i), 16, 1,
				   line, sizeof(line), false);
		pr_err("Bytes %+5td: %s\n", at + i - (const u8 *)obj, line);
	}
}

/*
 * The report: a header naming the cache and the trouble, the object, what
 * was found, the callers, a hex dump of @len bytes at @at (if any), then a
 * warning with this stack unless a test provokes it on purpose.
 */
static void gus_debug_report(struct gus_cache *c, void *obj, const char *what,
			     const void *at, size_t len, const char *fmt, ...)
{
	unsigned long now = jiffies;
	struct va_format vaf;
	va_list args;

	atomic_long_inc(&c->reports);
	pr_err("=============================================================================\n");
	pr_err("BUG gusslab %s: %s\n", c->name, what);
	pr_err("-----------------------------------------------------------------------------\n");
	pr_err("Object %p (%u bytes, slot of %u)\n", obj, c->object_size, c->size);
	if (fmt) {
		va_start(args, fmt);
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_err("%pV\n", &vaf);
		va_end(args);
	}
	if (gus_obj_to_slab(c, obj)) {
		gus_print_track(c, obj, GUS_TRACK_ALLOC, now);
		gus_print_track(c, obj, GUS_TRACK_FREE, now);
	}
	if (at && len)
		gus_dump(obj, at, len);
	WARN(!READ_ONCE(gus_quiet_misuse), "gusslab %s: %s: object %p\n", c->name, what, obj);
}

/* Dump @len bytes around @bad, inside [@start, @start + @size). */
static void gus_report_bytes(struct gus_cache *c, void *obj, const char *what,
			     u8 *start, size_t size, u8 *bad, u8 expected)
{
	u8 *from = max(start, (u8 *)((unsigned long)bad & ~15UL));
	size_t len = min_t(size_t, 64, start + size - from);

	gus_debug_report(c, obj, what, from, len,
			 "found 0x%02x at offset %td, expected 0x%02x", *bad, bad - (u8 *)obj,
			 expected);
}

static void gus_red_fill(struct gus_cache *c, void *obj)
{
	unsigned int end = round_up(c->object_size, GUS_KASAN_GRANULE);

	if (!(c->flags & GUS_CACHE_RED_ZONE))
		return;
	memset(obj - c->red_left, GUS_RED, c->red_left);
	memset(obj + c->object_size, GUS_RED, c->meta - c->object_size);
	gus_kasan_mark(obj - c->red_left, c->red_left, GUS_KASAN_REDZONE);
	gus_kasan_mark(obj + end, c->meta - end, GUS_KASAN_REDZONE);
	gus_kasan_unpoison(obj, c->object_size);	/* exact to the byte */
}

/* Whether both red zones of @obj are intact; reported if not. */
static bool gus_red_ok(struct gus_cache *c, void *obj)
{
	u8 *bad;

	if (!(c->flags & GUS_CACHE_RED_ZONE))
		return true;
	bad = memchr_inv(obj - c->red_left, GUS_RED, c->red_left);
	if (bad) {
		gus_report_bytes(c, obj, "left red zone overwritten",
				 obj - c->red_left, c->red_left, bad, GUS_RED);
		return false;
	}
	bad = memchr_inv(obj + c->object_size, GUS_RED, c->meta - c->object_size);
	if (bad) {
		gus_report_bytes(c, obj, "right red zone overwritten", obj + c->object_size,
				 c->meta - c->object_size, bad, GUS_RED);
		return false;
	}
	return true;
}

/* Context: @obj is accessible to KASAN (not yet poisoned). */
static void gus_poison(struct gus_cache *c, void *obj)
{
	memset(obj, POISON_FREE, c->object_size - 1);
	*(u8 *)(obj + c->object_size - 1) = POISON_END;
	*gus_state(c, obj) = GUS_OBJ_POISONED;
	gus_kasan_mark(obj, round_up(c->object_size, GUS_KASAN_GRANULE), GUS_KASAN_FREE);
}

/* Whether @obj's poison is intact; reported if not. */
static bool gus_poison_ok(struct gus_cache *c, void *obj)
{
	u8 *last = obj + c->object_size - 1;
	u8 *bad;

	bad = memchr_inv(obj, POISON_FREE, c->object_size - 1);
	if (!bad && *last == POISON_END)
		return true;
	if (!bad)
		bad = last;
	gus_report_bytes(c, obj, "poison overwritten: written after free", obj,
			 c->object_size, bad, bad == last ? POISON_END : POISON_FREE);
	return false;
}

static void gus_quarantine(struct gus_cache *c, void *obj)
{
	*gus_state(c, obj) = GUS_OBJ_QUARANTINED;
	atomic_long_inc(&c->quarantined);
	pr_err("gusslab %s: object %p quarantined: never handed out or freed again\n",
	       c->name, obj);
}

/**
 * gus_debug_init_obj() - set up a new object of a debug cache.
 * @c: the cache.
 * @obj: the object, just constructed (if the cache has a constructor).
 *
 * Context: any context; the slab is not yet visible to anyone else.
 */
void gus_debug_init_obj(struct gus_cache *c, void *obj)
{
	memset(obj + c->meta, 0, 2 * c->track_size);
	gus_red_fill(c, obj);
	if (c->flags & GUS_CACHE_POISON)
		gus_poison(c, obj);
	else
		*gus_state(c, obj) = GUS_OBJ_FREE;
}

/**
 * gus_debug_alloc() - check an object about to be handed out.
 * @c: a debug cache.
 * @obj: the object, taken from a magazine.
 * @caller: the allocation's caller.
 *
 * Context: any context.
 * Return: true if @obj may be handed out; false if it was found damaged,
 * reported and quarantined.
 */
bool gus_debug_alloc(struct gus_cache *c, void *obj, unsigned long caller)
{
	unsigned long *state = gus_state(c, obj);
	bool ok = false;

	kasan_disable_current();	/* we read poisoned bytes on purpose */
	if (*state != GUS_OBJ_FREE && *state != GUS_OBJ_POISONED)
		gus_debug_report(c, obj, "free object's state damaged", state, sizeof(*state),
				 "state %#lx, expected %#lx or %#lx", *state,
				 GUS_OBJ_FREE, GUS_OBJ_POISONED);
	else
		ok = gus_red_ok(c, obj) &&
		     (*state != GUS_OBJ_POISONED || gus_poison_ok(c, obj));
	kasan_enable_current();
	if (!ok) {
		gus_quarantine(c, obj);	/* and KASAN keeps it poisoned */
		return false;
	}
	if (*state == GUS_OBJ_POISONED)
		gus_kasan_unpoison(obj, c->object_size);
	*state = GUS_OBJ_ACTIVE;
	gus_track_set(c, obj, GUS_TRACK_ALLOC, caller);
	return true;
}

/*
 * Why @obj is not an object of @c, for the report.  Context: RCU reader;
 * caches leave gus_caches with list_del_rcu() and are freed after a grace
 * period, so *@owner stays readable until rcu_read_unlock().
 */
static const char *gus_foreign_why(struct gus_cache *c, const void *obj,
				   struct gus_cache **owner)
{
	struct gus_cache *o;

	*owner = NULL;
	list_for_each_entry_rcu(o, &gus_caches, list) {
		if (o != c && gus_obj_to_slab(o, obj)) {
			*owner = o;
			return "object of another cache";
		}
	}
	return "not an object start of this cache";
}

/**
 * gus_debug_free() - check an object being freed.
 * @c: a debug cache.
 * @obj: the pointer passed to gus_cache_free().
 * @caller: the free's caller.
 *
 * A pointer that is not an object of @c, an object already free, and an
 * object whose red zones were overwritten are reported and not freed (the
 * damaged one is quarantined).  Otherwise the object is marked free and,
 * unless SMR readers may still see it, poisoned.
 *
 * Context: any context.
 * Return: true if @obj may go into a magazine.
 */
bool gus_debug_free(struct gus_cache *c, void *obj, unsigned long caller)
{
	unsigned long *state, old;
	struct gus_cache *owner;
	const char *why;

	if (!gus_obj_to_slab(c, obj)) {
		gus_cache_count(c, GUS_BAD_FREE);
		rcu_read_lock();
		why = gus_foreign_why(c, obj, &owner);
		gus_debug_report(c, obj, why, NULL, 0, "%s%s: free refused",
				 owner ? "it belongs to cache " : "",
				 owner ? owner->name : "not ours");
		rcu_read_unlock();
		return false;
	}
	state = gus_state(c, obj);
	/* One free claims the object: one racing it on another CPU fails here. */
	old = cmpxchg(state, GUS_OBJ_ACTIVE, GUS_OBJ_FREE);
	if (old != GUS_OBJ_ACTIVE) {
		gus_cache_count(c, GUS_BAD_FREE);
		gus_debug_report(c, obj, old == GUS_OBJ_QUARANTINED ?
				 "free of a quarantined object" : "double free", NULL, 0,
				 "state %#lx, expected %#lx: refused", old, GUS_OBJ_ACTIVE);
		return false;
	}
	kasan_disable_current();	/* the last granule's red zone bytes */
	if (!gus_red_ok(c, obj)) {
		kasan_enable_current();
		kmemleak_free(obj);	/* freed by its user: not a leak */
		gus_quarantine(c, obj);
		return false;
	}
	kasan_enable_current();
	gus_track_set(c, obj, GUS_TRACK_FREE, caller);
	if ((c->flags & GUS_CACHE_POISON) && !gus_cache_is_smr(c))
		gus_poison(c, obj);
	return true;
}

/**
 * gus_debug_reached() - SMR: objects that can no longer be read.
 * @c: a debug SMR cache.
 * @objs: objects whose stamp is reached, or those of a drained alloc magazine.
 * @n: how many.
 *
 * Poisons the objects freed since (state FREE); objects already poisoned
 * keep their poison, so damage to it is still found at allocation.
 *
 * Context: any context.
 */
void gus_debug_reached(struct gus_cache *c, void **objs, unsigned int n)
{
	unsigned int i;

	if (!(c->flags & GUS_CACHE_POISON))
		return;
	for (i = 0; i < n; i++)
		if (*gus_state(c, objs[i]) == GUS_OBJ_FREE)
			gus_poison(c, objs[i]);
}

/**
 * gus_debug_quarantined() - whether @obj was quarantined.
 * @c: a debug cache.
 * @obj: one of its objects.
 *
 * Return: true if @obj is quarantined.
 */
bool gus_debug_quarantined(struct gus_cache *c, void *obj)
{
	return gus_cache_debug(c) && *gus_state(c, obj) == GUS_OBJ_QUARANTINED;
}

/**
 * gus_debug_leak() - name an object still allocated at destroy.
 * @c: the cache.
 * @obj: the object.
 *
 * Context: any context.
 */
void gus_debug_leak(struct gus_cache *c, void *obj)
{
	unsigned long addr = gus_debug_caller(c, obj, false, NULL);

	if (addr)
		pr_err("gusslab %s: object %p still allocated, by %pS (%u ms ago)\n",
		       c->name, obj, (void *)addr,
		       jiffies_to_msecs(jiffies - gus_track(c, obj, GUS_TRACK_ALLOC)->when));
	else
		pr_err("gusslab %s: object %p still allocated\n", c->name, obj);
}

/**
 * gus_debug_flag_letters() - a cache's debug flags as slab_debug letters.
 * @c: the cache.
 * @buf: at least 6 bytes.
 *
 * Return: @buf, "-" if the cache has none.
 */
char *gus_debug_flag_letters(struct gus_cache *c, char *buf)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(gus_debug_letters); i++)
		if (c->flags & gus_debug_letters[i].flag)
			buf[n++] = gus_debug_letters[i].letter;
	if (!n)
		buf[n++] = '-';
	buf[n] = '\0';
	return buf;
}
