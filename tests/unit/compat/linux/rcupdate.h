/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rcupdate.h>: a real RCU with real (slow)
 * grace periods.  Readers never block.  Each thread publishes an odd,
 * never-reused value while it is inside a read-side critical section (the
 * outermost rcu_read_lock() to rcu_read_unlock()); synchronize_rcu() takes a
 * snapshot of all threads and waits until every thread that was inside one
 * has left it.  Ordering as in liburcu's "memb" flavour: sys_membarrier() on
 * the updater side, compiler barriers on the reader side (full fences there
 * if membarrier is unavailable).
 *
 * With compat_preempt_rate(n), one rcu_dereference() in n, on average, is
 * followed by a yield or a short sleep, as preemption inside a reader can
 * do with PREEMPT_RCU.
 *
 * rcu_dereference() outside a read-side critical section and
 * rcu_dereference_protected() with a false condition WARN, like lockdep's
 * PROVE_RCU.  Sleeping (synchronize_rcu, mutex_lock, waiting) inside one
 * WARNs too.
 */
#ifndef _COMPAT_LINUX_RCUPDATE_H
#define _COMPAT_LINUX_RCUPDATE_H

#include <linux/atomic.h>
#include <linux/kernel.h>

struct compat_rcu_reader {
	unsigned long			ctr;	/* odd: inside a reader */
	unsigned long			seq;
	unsigned int			nest;
	struct compat_rcu_reader	*next;
};

extern __thread struct compat_rcu_reader *compat_rcu_self;
extern bool compat_rcu_membarrier;
struct compat_rcu_reader *compat_rcu_register(void);

static inline void compat_rcu_reader_barrier(void)
{
	if (__atomic_load_n(&compat_rcu_membarrier, __ATOMIC_RELAXED))
		barrier();
	else
		smp_mb();
}

static inline void rcu_read_lock(void)
{
	struct compat_rcu_reader *r = compat_rcu_self;

	if (unlikely(!r))
		r = compat_rcu_register();
	if (r->nest++)
		return;
	r->seq += 2;
	__atomic_store_n(&r->ctr, r->seq | 1, __ATOMIC_RELAXED);
	compat_rcu_reader_barrier();
}

static inline void rcu_read_unlock(void)
{
	struct compat_rcu_reader *r = compat_rcu_self;

	if (WARN(!r || !r->nest, "rcu_read_unlock() without rcu_read_lock()\n"))
		return;
	if (--r->nest)
		return;
	compat_rcu_reader_barrier();
	__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
}

static inline bool rcu_read_lock_held(void)
{
	return compat_rcu_self && compat_rcu_self->nest;
}

void synchronize_rcu(void);

/*
 * A preemption point right after the load, when the test asked for them
 * (compat_preempt_rate()): widens the window between reading a pointer and
 * using it, where RCU bugs live.
 */
#define rcu_dereference(p)						\
({									\
	typeof(p) __rd_v;						\
									\
	WARN(!rcu_read_lock_held(),					\
	     "rcu_dereference() outside rcu_read_lock()\n");		\
	__rd_v = __atomic_load_n(&(p), __ATOMIC_ACQUIRE);		\
	compat_preempt_point();						\
	__rd_v;								\
})
/*
 * Sched-RCU: in the kernel, a preempt-disabled section, which
 * synchronize_rcu() waits for like rcu_read_lock() since v5.0.  Here the
 * same reader as rcu_read_lock(), so the same guarantee, and sleeping in
 * one WARNs the same way.
 */
#define rcu_read_lock_sched()		rcu_read_lock()
#define rcu_read_unlock_sched()		rcu_read_unlock()
#define rcu_dereference_sched(p)	rcu_dereference(p)
#define rcu_dereference_protected(p, c)					\
({									\
	WARN(!(c), "rcu_dereference_protected() without protection\n"); \
	(p);								\
})
#define rcu_access_pointer(p)	__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v)					\
do {									\
	typeof(p) __rap_v = (v);					\
	__atomic_store_n(&(p), __rap_v, __ATOMIC_RELEASE);		\
} while (0)
#define RCU_INIT_POINTER(p, v)						\
do {									\
	typeof(p) __rip_v = (v);					\
	__atomic_store_n(&(p), __rip_v, __ATOMIC_RELAXED);		\
} while (0)

#endif
