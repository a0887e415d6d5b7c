// SPDX-License-Identifier: GPL-2.0
/*
 * bcache bypass tracker: sysfs knobs, module parameter and module version.
 *
 * Each backing device gets /sys/block/<dev>/bcache/bypass_tracker/, the
 * ABI in docs/sysfs-bcache-bypass-tracker.  The directory exists only in
 * this module, never in the in-tree bcache, which is how a user can tell
 * which of the two is loaded.
 */

#define pr_fmt(fmt) "bcache: " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "bypass_tracker.h"
#include "bypass_tracker_version.h"
#include "util.h"

struct bypass_tracker_attribute {
	struct attribute	attr;
	ssize_t (*show)(struct bypass_tracker *bt, char *buf);
	ssize_t (*store)(struct bypass_tracker *bt, const char *buf,
			 size_t count);
};

static ssize_t enabled_show(struct bypass_tracker *bt, char *buf)
{
	return sysfs_emit(buf, "%d\n", bypass_tracker_enabled(bt));
}

static ssize_t enabled_store(struct bypass_tracker *bt, const char *buf,
			     size_t count)
{
	bool enabled;

	/* sysfs_streq() would stop at an embedded NUL. */
	if (strnlen(buf, count) != count)
		return -EINVAL;
	if (sysfs_streq(buf, "1"))
		enabled = true;
	else if (sysfs_streq(buf, "0"))
		enabled = false;
	else
		return -EINVAL;

	bypass_tracker_set_enabled(bt, enabled);
	return count;
}

/* Same form as bcache's own sizes, e.g. sequential_cutoff: "1.0M". */
static ssize_t chunk_size_show(struct bypass_tracker *bt, char *buf)
{
	ssize_t n = bch_hprint(buf, bypass_tracker_chunk_size(bt));

	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static ssize_t chunk_size_store(struct bypass_tracker *bt, const char *buf,
				size_t count)
{
	u64 bytes;
	int ret;

	ret = bypass_tracker_parse_chunk_size(buf, count, &bytes);
	if (!ret)
		ret = bypass_tracker_set_chunk_size(bt, bytes);
	return ret ? ret : count;
}

static ssize_t inflight_writes_show(struct bypass_tracker *bt, char *buf)
{
	return sysfs_emit(buf, "%llu\n", bypass_tracker_inflight_writes(bt));
}

static ssize_t tracked_writes_show(struct bypass_tracker *bt, char *buf)
{
	return sysfs_emit(buf, "%llu\n", bypass_tracker_tracked_writes(bt));
}

static ssize_t skipped_fills_show(struct bypass_tracker *bt, char *buf)
{
	return sysfs_emit(buf, "%llu\n", bypass_tracker_skipped_fills(bt));
}

static ssize_t memory_bytes_show(struct bypass_tracker *bt, char *buf)
{
	return sysfs_emit(buf, "%llu\n", bypass_tracker_memory_bytes(bt));
}

#define BYPASS_TRACKER_ATTR_RW(_name)					\
static struct bypass_tracker_attribute bypass_tracker_attr_##_name =	\
	__ATTR(_name, 0644, _name##_show, _name##_store)
#define BYPASS_TRACKER_ATTR_RO(_name)					\
static struct bypass_tracker_attribute bypass_tracker_attr_##_name =	\
	__ATTR(_name, 0444, _name##_show, NULL)

BYPASS_TRACKER_ATTR_RW(enabled);
BYPASS_TRACKER_ATTR_RW(chunk_size);
BYPASS_TRACKER_ATTR_RO(inflight_writes);
BYPASS_TRACKER_ATTR_RO(tracked_writes);
BYPASS_TRACKER_ATTR_RO(skipped_fills);
BYPASS_TRACKER_ATTR_RO(memory_bytes);

static struct attribute *bypass_tracker_attrs[] = {
	&bypass_tracker_attr_enabled.attr,
	&bypass_tracker_attr_chunk_size.attr,
	&bypass_tracker_attr_inflight_writes.attr,
	&bypass_tracker_attr_tracked_writes.attr,
	&bypass_tracker_attr_skipped_fills.attr,
	&bypass_tracker_attr_memory_bytes.attr,
	NULL
};
ATTRIBUTE_GROUPS(bypass_tracker);

static ssize_t bypass_tracker_attr_show(struct kobject *kobj,
					struct attribute *attr, char *buf)
{
	struct bypass_tracker_attribute *a =
		container_of(attr, struct bypass_tracker_attribute, attr);

	return a->show(container_of(kobj, struct bypass_tracker, kobj), buf);
}

static ssize_t bypass_tracker_attr_store(struct kobject *kobj,
					 struct attribute *attr,
					 const char *buf, size_t count)
{
	struct bypass_tracker_attribute *a =
		container_of(attr, struct bypass_tracker_attribute, attr);

	if (!a->store)
		return -EPERM;
	return a->store(container_of(kobj, struct bypass_tracker, kobj),
			buf, count);
}

static const struct sysfs_ops bypass_tracker_sysfs_ops = {
	.show	= bypass_tracker_attr_show,
	.store	= bypass_tracker_attr_store,
};

/*
 * The kobject lives inside struct cached_dev, which its parent's release
 * frees.  Holding a reference on the parent until our own release keeps the
 * memory alive even when kobject releases are delayed.
 */
static void bypass_tracker_kobj_release(struct kobject *kobj)
{
	struct bypass_tracker *bt = container_of(kobj, struct bypass_tracker,
						 kobj);

	if (bt->sysfs_parent)
		kobject_put(bt->sysfs_parent);
}

static const struct kobj_type bypass_tracker_ktype = {
	.release	= bypass_tracker_kobj_release,
	.sysfs_ops	= &bypass_tracker_sysfs_ops,
	.default_groups	= bypass_tracker_groups,
};

int bypass_tracker_add_sysfs(struct bypass_tracker *bt, struct kobject *parent)
{
	int ret;

	kobject_init(&bt->kobj, &bypass_tracker_ktype);
	ret = kobject_add(&bt->kobj, parent, "bypass_tracker");
	if (ret) {
		kobject_put(&bt->kobj);
		return ret;
	}
	bt->sysfs_parent = kobject_get(parent);
	return 0;
}

/* Removes the directory; returns once no show or store is running. */
void bypass_tracker_del_sysfs(struct bypass_tracker *bt)
{
	if (!bt->sysfs_parent)
		return;
	kobject_del(&bt->kobj);
	kobject_put(&bt->kobj);
}

static int chunk_size_param_set(const char *val, const struct kernel_param *kp)
{
	u64 bytes;

	if (bypass_tracker_parse_chunk_size(val, val ? strlen(val) : 0,
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
		&bypass_tracker_default_chunk_shift, 0644);
MODULE_PARM_DESC(bypass_tracker_chunk_size,
		 "bypass tracker chunk size for backing devices registered from now on: a power of two from 4k to 1G (default 128k)");

MODULE_VERSION(BYPASS_TRACKER_VERSION);
/* The kernel version of the bcache source this module was built from. */
MODULE_INFO(bcache_source, BYPASS_TRACKER_BCACHE_SOURCE);

/* Says in the kernel log which bcache was loaded, and with what default. */
void bypass_tracker_module_init(void)
{
	char size[16];

	bch_hprint(size, 1ULL << (READ_ONCE(bypass_tracker_default_chunk_shift) +
				  SECTOR_SHIFT));
	pr_info("bypass tracker %s, default chunk size %s\n",
		BYPASS_TRACKER_VERSION, size);
}
