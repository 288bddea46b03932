/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The size classes (slab/kmalloc.c): their setup for slab/module.c, and
 * what the tests look at.
 */
#ifndef _GUS_KMALLOC_H
#define _GUS_KMALLOC_H

#include <linux/atomic.h>
#include <linux/types.h>

struct gus_cache;

#define GUS_KMALLOC_CLASSES	15	/* 8 bytes to GUS_KMALLOC_MAX_SIZE */

int gus_kmalloc_init(void);
void gus_kmalloc_exit(void);

/* The cache that serves @size (1..GUS_KMALLOC_MAX_SIZE) in one family. */
struct gus_cache *gus_kmalloc_cache(size_t size, bool smr);

/* Requests refused for being larger than GUS_KMALLOC_MAX_SIZE. */
extern atomic_long_t gus_kmalloc_refused;

#endif /* _GUS_KMALLOC_H */
