/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/log2.h>, 64-bit unsigned long as on x86-64. */
#ifndef _COMPAT_LINUX_LOG2_H
#define _COMPAT_LINUX_LOG2_H

#include <linux/types.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && ((n & (n - 1)) == 0);
}

static inline int compat_fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/* Like the kernel's for n > 0; ilog2(0) is undefined there too. */
#define ilog2(n)		(compat_fls64((u64)(n)) - 1)
#define roundup_pow_of_two(n)	(1UL << compat_fls64((u64)(n) - 1))
#define rounddown_pow_of_two(n)	(1UL << ilog2(n))

#endif
