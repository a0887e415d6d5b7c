/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/atomic.h>, with the kernel memory model's
 * orderings mapped onto __atomic builtins:
 * - atomic_read()/atomic_set() and the non-value-returning RMWs
 *   (atomic_inc(), atomic_dec(), ...) are relaxed;
 * - value-returning RMWs (atomic_dec_and_test(), atomic_inc_return(), ...)
 *   are fully ordered (seq_cst);
 * - smp_mb() is a full fence.  smp_mb__{before,after}_atomic() are compiler
 *   barriers, as on x86, where every atomic RMW is a locked instruction
 *   (gcc emits the same "lock" instructions for relaxed RMWs here).
 */
#ifndef _COMPAT_LINUX_ATOMIC_H
#define _COMPAT_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

#define ATOMIC_INIT(i)	{ (i) }

#ifdef __SANITIZE_THREAD__
/*
 * ThreadSanitizer does not understand standalone fences; a seq_cst RMW on a
 * shared word is a full barrier on x86 and something TSan can model.
 */
extern long compat_mb_word;
#define smp_mb()	((void)__atomic_fetch_add(&compat_mb_word, 0, \
						  __ATOMIC_SEQ_CST))
#else
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
/*
 * A test can run code at the read barrier (compat_rmb_hook, set to NULL by
 * default): between the two halves of a read that the barrier orders.
 */
extern void (*compat_rmb_hook)(void);
#define smp_rmb()	((compat_rmb_hook ? compat_rmb_hook() : (void)0), smp_mb())
#define smp_wmb()	smp_mb()
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_mb__before_atomic()	barrier()
#define smp_mb__after_atomic()	barrier()

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic_add(int i, atomic_t *v)
{
	__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic_sub(int i, atomic_t *v)
{
	__atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic_inc(atomic_t *v)
{
	atomic_add(1, v);
}

static inline void atomic_dec(atomic_t *v)
{
	atomic_sub(1, v);
}

static inline int atomic_add_return(int i, atomic_t *v)
{
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}

static inline int atomic_sub_return(int i, atomic_t *v)
{
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}

#define atomic_inc_return(v)	atomic_add_return(1, (v))
#define atomic_dec_return(v)	atomic_sub_return(1, (v))
#define atomic_dec_and_test(v)	(atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v)	(atomic_inc_return(v) == 0)
#define atomic_sub_and_test(i, v) (atomic_sub_return((i), (v)) == 0)

static inline int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void atomic64_inc(atomic64_t *v)
{
	__atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline void atomic64_dec(atomic64_t *v)
{
	__atomic_fetch_sub(&v->counter, 1, __ATOMIC_RELAXED);
}

#endif
