/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/sizes.h>, same values and types. */
#ifndef _COMPAT_LINUX_SIZES_H
#define _COMPAT_LINUX_SIZES_H

#define SZ_1K		0x00000400
#define SZ_4K		0x00001000
#define SZ_64K		0x00010000
#define SZ_1M		0x00100000
#define SZ_32M		0x02000000
#define SZ_1G		0x40000000
#define SZ_2G		0x80000000

#endif
