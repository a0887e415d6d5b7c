/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel services bypass_tracker.c uses, and
 * the hooks the unit tests drive them with.
 *
 * The stand-ins behave like the real thing, slowly: RCU has real grace
 * periods, the workqueue has a real worker thread, allocations can fail on
 * request, and every WARN is recorded so that the test that caused it fails.
 * See compat.c for what each one does and where it falls short.
 */
#ifndef COMPAT_COMPAT_H
#define COMPAT_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "CPUs" for per-cpu data; threads are spread over them round robin. */
#define COMPAT_NR_CPUS		4

/*
 * Allocation failure injection, for kvzalloc(), kzalloc() and
 * alloc_percpu() alike: the next @skip allocations succeed, the @fail after
 * them return NULL.
 */
void compat_alloc_fail(unsigned int skip, unsigned int fail);
unsigned long compat_alloc_attempts(void);
/* Blocks allocated and not yet freed, and their size. */
unsigned long compat_alloc_live(void);
size_t compat_alloc_live_bytes(void);

/* Every WARN*() that fired; "once" only limits the printing. */
void compat_warn(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned long compat_warnings(void);
const char *compat_last_warning(void);

/* Waits until system_wq has nothing queued or running. */
void compat_flush_system_wq(void);
unsigned long compat_work_executed(void);

unsigned long compat_rcu_grace_periods(void);
bool compat_rcu_uses_membarrier(void);

/* The "CPU" the calling thread runs on: fixed per thread. */
extern __thread int compat_cpu;
unsigned int compat_this_cpu_slow(void);

static inline unsigned int compat_this_cpu(void)
{
	int cpu = compat_cpu;

	return cpu >= 0 ? (unsigned int)cpu : compat_this_cpu_slow();
}

/* WARNs when called from inside an RCU read-side critical section. */
void compat_might_sleep(const char *file, int line);
#define might_sleep()	compat_might_sleep(__FILE__, __LINE__)

/*
 * Preemption points: from now on, one compat_preempt_point() in @n, on
 * average, yields the CPU or sleeps for up to 100 us (0: never).
 */
void compat_preempt_rate(unsigned int n);
extern unsigned int compat_preempt_every;
void compat_preempt_maybe(void);

static inline void compat_preempt_point(void)
{
	if (__builtin_expect(__atomic_load_n(&compat_preempt_every,
					     __ATOMIC_RELAXED) != 0, 0))
		compat_preempt_maybe();
}

/* Monotonic time in nanoseconds. */
uint64_t compat_now_ns(void);

#endif /* COMPAT_COMPAT_H */
