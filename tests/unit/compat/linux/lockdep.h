/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/lockdep.h>: only lockdep_is_held(). */
#ifndef _COMPAT_LINUX_LOCKDEP_H
#define _COMPAT_LINUX_LOCKDEP_H

#include <linux/types.h>

struct mutex;
bool compat_mutex_is_held(struct mutex *lock);

/* True only if the calling thread holds the mutex. */
#define lockdep_is_held(lock)	compat_mutex_is_held(lock)
#define lockdep_assert_held(lock) WARN_ON(!lockdep_is_held(lock))

#endif
