/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/jiffies.h>: Debian's CONFIG_HZ=250. */
#ifndef _COMPAT_LINUX_JIFFIES_H
#define _COMPAT_LINUX_JIFFIES_H

#define HZ		250
#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_JIFFY	(NSEC_PER_SEC / HZ)

#endif
