// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab_kmemleak: memory referenced only from gusslab objects, for
 * kmemleak to find (tools/testing/run.sh --kmemleak).
 *
 * At load, "count" objects are allocated from a gusslab cache, and each
 * gets a kmalloc'd buffer whose only pointer it holds.  The objects
 * themselves are reachable: their pointers sit in a module-static array,
 * which kmemleak scans with the module's data.  So kmemleak reports the
 * buffers as unreferenced unless it scans gusslab's objects, which it can
 * only if gusslab tells it about them.  The guest script then makes
 * kmemleak scan (twice: a fresh object is not reported before its
 * contents have been seen unchanged) and lists what it reports.
 *
 * Everything stays allocated until the module is unloaded; then every
 * buffer is checked (a wrong pattern is logged and counted), freed with
 * its object, and the cache destroyed.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <gusslab.h>

#define KML_MAX		4096
#define KML_BUF_SIZE	96

static unsigned int count = 2000;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "objects, each holding the only pointer to a buffer (max 4096)");

struct kml_obj {
	unsigned long magic;
	u8 *buf;			/* the only pointer to the buffer */
};

static struct gus_cache *kml_cache;
static struct kml_obj *kml_objs[KML_MAX];	/* scanned by kmemleak */
static unsigned int kml_n;

static u8 kml_pattern(unsigned int i)
{
	return 0x5a ^ (u8)i;
}

static void kml_free_all(void)
{
	unsigned int i, bad = 0;
	struct kml_obj *o;

	for (i = 0; i < kml_n; i++) {
		o = kml_objs[i];
		if (o->magic != ~(unsigned long)i ||
		    memchr_inv(o->buf, kml_pattern(i), KML_BUF_SIZE))
			bad++;
		kfree(o->buf);
		gus_cache_free(kml_cache, o);
		kml_objs[i] = NULL;
	}
	if (bad)
		pr_err("gusslab_kmemleak: %u of %u objects damaged\n", bad, kml_n);
	kml_n = 0;
}

/* Not __init: kmemleak names this function as the buffers' allocator. */
static noinline int kml_fill(void)
{
	struct kml_obj *o;

	for (kml_n = 0; kml_n < count; kml_n++) {
		o = gus_cache_alloc(kml_cache, GFP_KERNEL);
		if (!o)
			return -ENOMEM;
		o->magic = ~(unsigned long)kml_n;
		o->buf = kmalloc(KML_BUF_SIZE, GFP_KERNEL);
		if (!o->buf) {
			gus_cache_free(kml_cache, o);
			return -ENOMEM;
		}
		memset(o->buf, kml_pattern(kml_n), KML_BUF_SIZE);
		kml_objs[kml_n] = o;
	}
	return 0;
}

static int __init kml_init(void)
{
	int err;

	if (count > KML_MAX)
		return -EINVAL;
	kml_cache = gus_cache_create("kmemleak", sizeof(struct kml_obj), 0, 0, NULL);
	if (!kml_cache)
		return -ENOMEM;
	err = kml_fill();
	if (err) {
		kml_free_all();
		gus_cache_destroy(kml_cache);
		return err;
	}
	pr_info("gusslab_kmemleak: %u objects, each holding the only pointer to a %u-byte buffer\n",
		kml_n, KML_BUF_SIZE);
	return 0;
}

static void __exit kml_exit(void)
{
	kml_free_all();
	gus_cache_destroy(kml_cache);
}

module_init(kml_init);
module_exit(kml_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab: memory referenced only from gusslab objects, for kmemleak");
