/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/u64_stats_sync.h>, as on a 64-bit kernel:
 * the sync is empty, a counter is a u64 updated and read with relaxed
 * atomics (the kernel's local64_t on 64-bit), and a fetch never retries.
 */
#ifndef _COMPAT_LINUX_U64_STATS_SYNC_H
#define _COMPAT_LINUX_U64_STATS_SYNC_H

#include <linux/types.h>

typedef struct {
	u64	v;
} u64_stats_t;

struct u64_stats_sync {
};

/* Macros, so that the unused arguments need no attributes. */
#define u64_stats_init(syncp)				((void)(syncp))
#define u64_stats_update_begin(syncp)			((void)(syncp))
#define u64_stats_update_end(syncp)			((void)(syncp))
#define u64_stats_fetch_begin(syncp)			((void)(syncp), 0U)
#define u64_stats_fetch_retry(syncp, start)		((void)(syncp), (void)(start), false)

static inline void u64_stats_inc(u64_stats_t *p)
{
	__atomic_fetch_add(&p->v, 1, __ATOMIC_RELAXED);
}

static inline u64 u64_stats_read(const u64_stats_t *p)
{
	return __atomic_load_n(&p->v, __ATOMIC_RELAXED);
}

#endif
