/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/percpu.h>.  alloc_percpu() gives each of
 * COMPAT_NR_CPUS "CPUs" its own copy.  Like a real __percpu pointer, the
 * pointer it returns cannot be dereferenced (its top bit is flipped, so it
 * faults): only per_cpu_ptr() and this_cpu_*() reach the copies.
 * this_cpu_inc() is an atomic add to the calling thread's copy, since
 * threads share "CPUs" (except in the microbenchmark, see below).
 * Allocation failures can be injected.
 */
#ifndef _COMPAT_LINUX_PERCPU_H
#define _COMPAT_LINUX_PERCPU_H

#include <linux/types.h>
#include "compat.h"

/* Bytes per CPU copy; alloc_percpu() refuses bigger types at build time. */
#define COMPAT_PCPU_UNIT	64
#define COMPAT_PCPU_TAG		(1ULL << 63)

void *compat_alloc_percpu(size_t size);
void free_percpu(void *ptr);

#define alloc_percpu(type)						\
({									\
	_Static_assert(sizeof(type) <= COMPAT_PCPU_UNIT,		\
		       "compat: per-cpu type too big");			\
	(type __percpu *)compat_alloc_percpu(sizeof(type));		\
})

static inline void *compat_per_cpu_addr(const void *ptr, unsigned int cpu)
{
	return (void *)(((uintptr_t)ptr ^ COMPAT_PCPU_TAG) +
			(uintptr_t)cpu * COMPAT_PCPU_UNIT);
}

#define per_cpu_ptr(ptr, cpu)						\
	((typeof(ptr))compat_per_cpu_addr((ptr), (cpu)))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, compat_this_cpu())
/* Preemption is not modelled: threads share "CPUs" and use atomics. */
#define get_cpu_ptr(ptr)	this_cpu_ptr(ptr)
#define put_cpu_ptr(ptr)	((void)(ptr))
#ifdef COMPAT_THIS_CPU_UNLOCKED
/*
 * The microbenchmark's build: an unlocked increment, which is what the
 * kernel's this_cpu_inc() is on x86.  Only right while no two threads
 * share a "CPU", which the benchmark sees to.
 */
#define this_cpu_add(pcp, val)						\
do {									\
	typeof(&(pcp)) __tca_p = this_cpu_ptr(&(pcp));			\
	__atomic_store_n(__tca_p, __atomic_load_n(__tca_p,		\
						  __ATOMIC_RELAXED) + (val), \
			 __ATOMIC_RELAXED);				\
} while (0)
#else
/*
 * A preemption point first: outside a sched-RCU section, a task can be
 * preempted right before a this_cpu op, e.g. between loading a pointer and
 * counting on what it points to.
 */
#define this_cpu_add(pcp, val)						\
	({ compat_preempt_point();					\
	   (void)__atomic_fetch_add(this_cpu_ptr(&(pcp)), (val),	\
				    __ATOMIC_RELAXED); })
#endif
#define this_cpu_sub(pcp, val)	this_cpu_add(pcp, -(val))
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)

#define num_possible_cpus()	((unsigned int)COMPAT_NR_CPUS)
#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < COMPAT_NR_CPUS; (cpu)++)

#endif
