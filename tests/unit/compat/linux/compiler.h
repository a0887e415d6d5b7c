/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/compiler.h>.  READ_ONCE()/WRITE_ONCE() are
 * relaxed atomic accesses: the same code as the kernel's volatile accesses
 * on x86, and visible as atomics to ThreadSanitizer.
 */
#ifndef _COMPAT_LINUX_COMPILER_H
#define _COMPAT_LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define barrier()	__asm__ __volatile__("" : : : "memory")
#define fallthrough	__attribute__((__fallthrough__))
#define noinline	__attribute__((__noinline__))

#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)						\
do {									\
	typeof(x) __wo_val = (val);					\
	__atomic_store_n(&(x), __wo_val, __ATOMIC_RELAXED);		\
} while (0)

#endif
