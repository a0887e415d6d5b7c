/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/mutex.h>: error-checking pthread mutexes
 * that remember their owner (for lockdep_is_held()).  Unlocking a mutex one
 * does not hold, and sleeping on one inside an RCU reader, WARN.
 * mutex_lock_interruptible() is never interrupted.
 */
#ifndef _COMPAT_LINUX_MUTEX_H
#define _COMPAT_LINUX_MUTEX_H

#include <pthread.h>
#include <linux/lockdep.h>
#include <linux/types.h>

struct mutex {
	pthread_mutex_t	m;
	unsigned long	owner;	/* pthread_self() of the holder, or 0 */
};

void mutex_init(struct mutex *lock);
void mutex_destroy(struct mutex *lock);
void mutex_lock(struct mutex *lock);
int __must_check mutex_lock_interruptible(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#endif
