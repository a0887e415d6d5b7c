// SPDX-License-Identifier: GPL-2.0
/*
 * What only the out-of-tree bcache.ko has: the bypass tracker's module
 * parameter, the module's version, and a load message.
 *
 * The tracker itself is the upstream series (src/series/); this file and
 * the patch next to it are the DKMS build's own additions, so that a user
 * can set the default chunk size at load time and tell this module from
 * the in-tree one (modinfo, /sys/module/bcache/version, the kernel log).
 */

#define pr_fmt(fmt) "bcache: " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "bypass_tracker.h"
#include "bypass_tracker_version.h"
#include "util.h"

static int chunk_size_param_set(const char *val, const struct kernel_param *kp)
{
	u64 bytes;

	if (bch_bypass_tracker_parse_chunk_size(val, val ? strlen(val) : 0,
						&bytes)) {
		pr_err("bypass_tracker_chunk_size=%s is invalid: use a power of two from 4k to 1G, e.g. 1M\n",
		       val ? val : "");
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, ilog2(bytes) - SECTOR_SHIFT);
	return 0;
}

static int chunk_size_param_get(char *buf, const struct kernel_param *kp)
{
	unsigned int shift = READ_ONCE(*(unsigned int *)kp->arg);
	ssize_t n = bch_hprint(buf, 1ULL << (shift + SECTOR_SHIFT));

	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static const struct kernel_param_ops chunk_size_param_ops = {
	.set	= chunk_size_param_set,
	.get	= chunk_size_param_get,
};

module_param_cb(bypass_tracker_chunk_size, &chunk_size_param_ops,
		&bch_bypass_tracker_default_chunk_shift, 0644);
MODULE_PARM_DESC(bypass_tracker_chunk_size,
		 "bypass tracker chunk size for backing devices registered from now on: a power of two from 4k to 1G (default 128k)");

MODULE_VERSION(BYPASS_TRACKER_VERSION);
/* The kernel version of the bcache source this module was built from. */
MODULE_INFO(bcache_source, BYPASS_TRACKER_BCACHE_SOURCE);

/* Says in the kernel log which bcache was loaded, and with what default. */
void bch_bypass_tracker_module_init(void)
{
	unsigned int shift = READ_ONCE(bch_bypass_tracker_default_chunk_shift);
	char size[16];

	bch_hprint(size, 1ULL << (shift + SECTOR_SHIFT));
	pr_info("bypass tracker %s, default chunk size %s\n",
		BYPASS_TRACKER_VERSION, size);
}
