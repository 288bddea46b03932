// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab module entry: creates /sys/kernel/debug/gusslab and brings the
 * layers up in order (GUS debugfs, cache debugfs, the CPU-dead hotplug
 * state, the shrinker, the size classes) and down in reverse.
 * Clients pin the module through their symbol references, so it cannot
 * be unloaded while a client module that uses it is loaded.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "../gus/gus_internal.h"
#include "cache.h"
#include "kmalloc.h"

struct dentry *gusslab_debugfs_root;

static int __init gusslab_init(void)
{
	int ret;

	ret = gus_debug_init();
	if (ret)
		return ret;
	gusslab_debugfs_root = debugfs_create_dir("gusslab", NULL);
	gus_debugfs_init();
	gus_cache_debugfs_init();
	gus_fault_debugfs_init();
	ret = gus_caches_init();
	if (ret)
		goto out_debugfs;
	ret = gus_shrinker_init();
	if (ret)
		goto out_caches;
	ret = gus_kmalloc_init();
	if (ret)
		goto out_shrinker;
	pr_info("gusslab: version %s loaded\n", GUSSLAB_VERSION);
	return 0;

out_shrinker:
	gus_shrinker_exit();
out_caches:
	gus_caches_exit();
out_debugfs:
	gus_debugfs_exit();
	debugfs_remove(gusslab_debugfs_root);
	return ret;
}

static void __exit gusslab_exit(void)
{
	gus_kmalloc_exit();
	gus_shrinker_exit();
	gus_caches_exit();
	gus_debugfs_exit();
	debugfs_remove(gusslab_debugfs_root);
	rcu_barrier();	/* no lazy-domain callback may outlive our text */
}

module_init(gusslab_init);
module_exit(gusslab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab: slab caches with GUS safe memory reclamation");
MODULE_VERSION(GUSSLAB_VERSION);	/* from dkms.conf, by Kbuild */
