/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/types.h>. */
#ifndef _COMPAT_LINUX_TYPES_H
#define _COMPAT_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t		u8;
typedef uint16_t	u16;
typedef uint32_t	u32;
typedef uint64_t	u64;
typedef int8_t		s8;
typedef int16_t		s16;
typedef int32_t		s32;
typedef int64_t		s64;

typedef u64		sector_t;
typedef unsigned int	gfp_t;

/* Sparse annotations: nothing to check in userspace. */
#define __rcu
#define __percpu
#define __user
#define __must_check	__attribute__((__warn_unused_result__))

#endif
