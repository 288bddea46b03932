// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes: kmalloc()-style allocation from gusslab caches created at
 * module load, for callers who want an object of some size rather than a
 * cache of their own.
 *
 * Fifteen classes, 8 to GUS_KMALLOC_MAX_SIZE bytes (the powers of two and,
 * as kmalloc has them, 96 and 192), in two families: plain caches
 * "gus-kmalloc-<size>" (gus_kmalloc()) and SMR caches
 * "gus-kmalloc-smr-<size>" (gus_kmalloc_smr()) that all reclaim through one
 * default-mode domain, "gus-kmalloc-smr" (gus_kmalloc_smr_domain()), so a
 * reader protects objects of every class with one section.  Sizes read
 * "1k" to "32k" from 1024 bytes up.
 *
 * Invariants:
 *   - a request of 1..GUS_KMALLOC_MAX_SIZE bytes gets the smallest class
 *     that holds it; its usable size (gus_ksize()) is the class size;
 *   - power-of-two classes are naturally aligned up to PAGE_SIZE, as
 *     kmalloc() guarantees; 96 and 192 get the caches' minimum alignment;
 *   - every cache of both families exists from gus_kmalloc_init() to
 *     gus_kmalloc_exit(): the allocation paths test no pointer;
 *   - an object freed with gus_kfree() goes back to its own cache
 *     (gus_free() finds it from the pointer), so an SMR object is reused
 *     only once the readers of gus_kmalloc_smr_domain() that might see it
 *     have left their sections.
 *
 * The class of a size is a lookup in a 24-entry table up to 192 bytes and
 * fls() above, as kmalloc_index() does: no search over the caches.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <gusslab_compat.h>
#include "../gus/gus_internal.h"
#include "cache.h"
#include "kmalloc.h"

static const unsigned int gus_kmalloc_sizes[GUS_KMALLOC_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096,
	8192, 16384, 32768,
};

/* The class of sizes 1..192, indexed by (size - 1) / 8. */
static const u8 gus_kmalloc_small[24] = {
	0,				/*   1..8   ->   8 */
	1,				/*   9..16  ->  16 */
	2, 2,				/*  17..32  ->  32 */
	3, 3, 3, 3,			/*  33..64  ->  64 */
	4, 4, 4, 4,			/*  65..96  ->  96 */
	5, 5, 5, 5,			/*  97..128 -> 128 */
	6, 6, 6, 6, 6, 6, 6, 6,		/* 129..192 -> 192 */
};

/* [0]: plain family, [1]: SMR family. */
static struct gus_cache *gus_kmalloc_caches[2][GUS_KMALLOC_CLASSES] __ro_after_init;
static struct gus_domain *gus_kmalloc_domain __ro_after_init;

atomic_long_t gus_kmalloc_refused = ATOMIC_LONG_INIT(0);

GUS_EXPORT_INTERNAL(gus_kmalloc_refused);

/* @size: 1..GUS_KMALLOC_MAX_SIZE.  Return: its class. */
static __always_inline unsigned int gus_kmalloc_index(size_t size)
{
	if (size <= 192)
		return gus_kmalloc_small[(size - 1) / 8];
	/* 193..256 -> 7 (256), 257..512 -> 8, ..., 16k+1..32k -> 14 */
	return fls((unsigned int)size - 1) - 1;
}

struct gus_cache *gus_kmalloc_cache(size_t size, bool smr)
{
	if (!size || size > GUS_KMALLOC_MAX_SIZE)
		return NULL;
	return gus_kmalloc_caches[smr][gus_kmalloc_index(size)];
}

GUS_EXPORT_INTERNAL(gus_kmalloc_cache);

/* Larger than any class: a caller bug, reported once (every time, quietly, in tests). */
static noinline void *gus_kmalloc_too_large(const char *fn, size_t size)
{
	atomic_long_inc(&gus_kmalloc_refused);
	if (READ_ONCE(gus_quiet_misuse))
		pr_err("gusslab: %s(%zu): larger than %u bytes, refused\n",
		       fn, size, GUS_KMALLOC_MAX_SIZE);
	else
		WARN_ONCE(1, "gusslab: %s(%zu): larger than %u bytes, refused\n",
			  fn, size, GUS_KMALLOC_MAX_SIZE);
	return NULL;
}

static __always_inline void *gus_kmalloc_family(const char *fn, size_t size,
						gfp_t gfp, bool smr)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > GUS_KMALLOC_MAX_SIZE))
		return gus_kmalloc_too_large(fn, size);
	return gus_cache_alloc(gus_kmalloc_caches[smr][gus_kmalloc_index(size)], gfp);
}

/**
 * gus_kmalloc() - allocate @size bytes from a plain size class.
 * @size: bytes wanted, up to GUS_KMALLOC_MAX_SIZE.
 * @gfp: GFP flags, as for gus_cache_alloc(); __GFP_ZERO zeroes the whole
 *       class-sized object.
 *
 * The object comes from the smallest class of at least @size bytes
 * (gus_ksize() tells its size) and is naturally aligned if that size is a
 * power of two.  Free it with gus_kfree() or gus_free().
 *
 * Context: as gus_cache_alloc(): wherever kmalloc() may be called with @gfp.
 * Return: the object; ZERO_SIZE_PTR for @size 0; NULL if no memory could
 * be had, or (reported once) if @size is larger than GUS_KMALLOC_MAX_SIZE.
 */
void *gus_kmalloc(size_t size, gfp_t gfp)
{
	return gus_kmalloc_family("gus_kmalloc", size, gfp, false);
}
EXPORT_SYMBOL_GPL(gus_kmalloc);

/**
 * gus_kmalloc_smr() - allocate @size bytes from an SMR size class.
 * @size: bytes wanted, up to GUS_KMALLOC_MAX_SIZE.
 * @gfp: GFP flags, as for gus_cache_alloc().
 *
 * As gus_kmalloc(), from the SMR family: once freed with gus_kfree() or
 * gus_free(), the object is reused only after every reader inside a
 * section of gus_kmalloc_smr_domain() at the time of the free has left it.
 *
 * Context: as gus_cache_alloc(): wherever kmalloc() may be called with @gfp.
 * Return: the object; ZERO_SIZE_PTR for @size 0; NULL if no memory could
 * be had, or (reported once) if @size is larger than GUS_KMALLOC_MAX_SIZE.
 */
void *gus_kmalloc_smr(size_t size, gfp_t gfp)
{
	return gus_kmalloc_family("gus_kmalloc_smr", size, gfp, true);
}
EXPORT_SYMBOL_GPL(gus_kmalloc_smr);

/**
 * gus_kmalloc_smr_domain() - the domain of the SMR size classes.
 *
 * Readers of objects from gus_kmalloc_smr() bracket their accesses with
 * gus_enter() and gus_exit() on it.  It is a default-mode domain shared by
 * every SMR class, named "gus-kmalloc-smr".
 *
 * Context: any context.
 * Return: the domain; the same one for as long as gusslab is loaded.
 */
struct gus_domain *gus_kmalloc_smr_domain(void)
{
	return gus_kmalloc_domain;
}
EXPORT_SYMBOL_GPL(gus_kmalloc_smr_domain);

/**
 * gus_kfree() - free an object of either size-class family.
 * @p: the object, NULL or ZERO_SIZE_PTR.
 *
 * gus_free() of @p: an SMR object waits for the readers of
 * gus_kmalloc_smr_domain() before it is reused.  A pointer that is not a
 * gusslab object is reported and left alone, as gus_free() does.
 *
 * Context: as gus_cache_free(): any context but NMI.
 */
void gus_kfree(const void *p)
{
	gus_free(p);
}
EXPORT_SYMBOL_GPL(gus_kfree);

/* "gus-kmalloc-<size>" or "gus-kmalloc-smr-<size>", 1k and up in k. */
static void gus_kmalloc_name(char *buf, size_t len, unsigned int size, bool smr)
{
	const char *family = smr ? "gus-kmalloc-smr" : "gus-kmalloc";

	if (size >= 1024)
		snprintf(buf, len, "%s-%uk", family, size / 1024);
	else
		snprintf(buf, len, "%s-%u", family, size);
}

static struct gus_cache *gus_kmalloc_create(unsigned int size, bool smr)
{
	struct gus_cache_args args = {
		/* kmalloc's guarantee; 96 and 192 take the minimum */
		.align = is_power_of_2(size) ? min_t(unsigned int, size, PAGE_SIZE) : 0,
		.domain = smr ? gus_kmalloc_domain : NULL,
	};
	char name[sizeof_field(struct gus_cache, name)];

	gus_kmalloc_name(name, sizeof(name), size, smr);
	return gus_cache_create_args(name, size, &args, smr ? GUS_CACHE_SMR : 0);
}

/**
 * gus_kmalloc_exit() - destroy the size classes and their domain.
 *
 * Also undoes a gus_kmalloc_init() that stopped half way (the pointers
 * not yet set are NULL).  Nothing is cleared: after init they are
 * read-only.
 *
 * Context: module exit (or a failed init); may sleep.
 */
void gus_kmalloc_exit(void)
{
	unsigned int i, smr;

	for (smr = 0; smr < 2; smr++)
		for (i = 0; i < GUS_KMALLOC_CLASSES; i++)
			gus_cache_destroy(gus_kmalloc_caches[smr][i]);
	gus_domain_destroy(gus_kmalloc_domain);
}

/**
 * gus_kmalloc_init() - create the shared domain and every class's caches.
 *
 * Context: module init; may sleep.
 * Return: 0, or -ENOMEM with nothing left behind.
 */
int __init gus_kmalloc_init(void)
{
	unsigned int i, smr;

	gus_kmalloc_domain = gus_domain_create("gus-kmalloc-smr", 0);
	if (!gus_kmalloc_domain)
		return -ENOMEM;
	for (smr = 0; smr < 2; smr++)
		for (i = 0; i < GUS_KMALLOC_CLASSES; i++) {
			gus_kmalloc_caches[smr][i] = gus_kmalloc_create(gus_kmalloc_sizes[i], smr);
			if (!gus_kmalloc_caches[smr][i])
				goto fail;
		}
	return 0;

fail:
	gus_kmalloc_exit();
	return -ENOMEM;
}
