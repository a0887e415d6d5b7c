/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/kobject.h>: the tracker only embeds one. */
#ifndef _COMPAT_LINUX_KOBJECT_H
#define _COMPAT_LINUX_KOBJECT_H

struct kobject {
	const char	*name;
	struct kobject	*parent;
};

#endif
