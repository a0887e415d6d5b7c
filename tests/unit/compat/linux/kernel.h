/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kernel.h> and what it drags in: min/max with
 * the kernel's type checks, container_of, DIV_ROUND_UP*, WARN*, pr_*(),
 * kstrtoull() and simple_strtoull() (lib/kstrtox.c, lib/vsprintf.c
 * semantics).
 */
#ifndef _COMPAT_LINUX_KERNEL_H
#define _COMPAT_LINUX_KERNEL_H

#include <limits.h>
#include <stdio.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/types.h>
#include "compat.h"

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
#define S64_MAX		((s64)(U64_MAX >> 1))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Same checks as the kernel: mixing types in min()/max() is a warning. */
#define __typecheck(x, y) (!!(sizeof((typeof(x) *)1 == (typeof(y) *)1)))
#define __cmp_once(op, x, y)						\
({									\
	typeof(x) __x = (x);						\
	typeof(y) __y = (y);						\
	(void)__typecheck(x, y);					\
	__x op __y ? __x : __y;						\
})
#define min(x, y)		__cmp_once(<, x, y)
#define max(x, y)		__cmp_once(>, x, y)
#define min_t(type, x, y)	__cmp_once(<, (type)(x), (type)(y))
#define max_t(type, x, y)	__cmp_once(>, (type)(x), (type)(y))

#define container_of(ptr, type, member)					\
({									\
	char *__mptr = (char *)(ptr);					\
	_Static_assert(__same_type(*(ptr), ((type *)0)->member) ||	\
		       __same_type(*(ptr), void),			\
		       "pointer type mismatch in container_of()");	\
	((type *)(__mptr - offsetof(type, member)));			\
})

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/* x86-64 do_div(): the divisor is truncated to 32 bits, as there. */
#define do_div(n, base)							\
({									\
	u32 __base = (base);						\
	u32 __rem = ((u64)(n)) % __base;				\
	(n) = ((u64)(n)) / __base;					\
	__rem;								\
})
#define DIV_ROUND_DOWN_ULL(ll, d)					\
	({ unsigned long long _tmp = (ll); do_div(_tmp, d); _tmp; })
#define DIV_ROUND_UP_ULL(ll, d)						\
	DIV_ROUND_DOWN_ULL((unsigned long long)(ll) + (d) - 1, (d))

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	do { } while (0)

/* Every hit is recorded (compat_warnings()), so the test that hit it fails. */
#define WARN(cond, fmt, ...)						\
({									\
	int __warn_ret = !!(cond);					\
	if (unlikely(__warn_ret))					\
		compat_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
	unlikely(__warn_ret);						\
})
#define WARN_ONCE(cond, fmt, ...)	WARN(cond, fmt, ##__VA_ARGS__)
#define WARN_ON(cond)		WARN(cond, "WARN_ON(%s)\n", #cond)
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG_ON(cond)							\
do {									\
	if (unlikely(cond)) {						\
		compat_warn(__FILE__, __LINE__, "BUG_ON(%s)\n", #cond);	\
		__builtin_trap();					\
	}								\
} while (0)
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")

int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
unsigned long long simple_strtoull(const char *cp, char **endp,
				   unsigned int base);

#endif
