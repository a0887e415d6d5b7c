/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/blk_types.h>: sector arithmetic only. */
#ifndef _COMPAT_LINUX_BLK_TYPES_H
#define _COMPAT_LINUX_BLK_TYPES_H

#include <linux/types.h>

#define SECTOR_SHIFT	9
#define SECTOR_SIZE	(1 << SECTOR_SHIFT)

#endif
