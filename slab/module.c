// SPDX-License-Identifier: GPL-2.0
/*
 * gusslab module entry: creates /sys/kernel/debug/gusslab and brings the
 * layers up in order (GUS domains, then caches) and down in reverse.
 * Clients pin the module through their symbol references, so it cannot
 * be unloaded while a client module that uses it is loaded.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "../gus/gus_internal.h"

struct dentry *gusslab_debugfs_root;

static int __init gusslab_init(void)
{
	gusslab_debugfs_root = debugfs_create_dir("gusslab", NULL);
	gus_debugfs_init();
	pr_info("gusslab: loaded\n");
	return 0;
}

static void __exit gusslab_exit(void)
{
	gus_debugfs_exit();
	debugfs_remove(gusslab_debugfs_root);
	rcu_barrier();	/* no lazy-domain callback may outlive our text */
}

module_init(gusslab_init);
module_exit(gusslab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gusslab: slab caches with GUS safe memory reclamation");
