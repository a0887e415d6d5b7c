/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/errno.h>.  The C library's <errno.h> finds
 * this file too (it includes <linux/errno.h>), so it provides what the uapi
 * header would, plus the kernel-internal codes.
 */
#ifndef _COMPAT_LINUX_ERRNO_H
#define _COMPAT_LINUX_ERRNO_H

#include <asm/errno.h>

#define ERESTARTSYS	512

#endif
