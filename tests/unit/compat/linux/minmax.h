/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/minmax.h>: min() and max() are in kernel.h. */
#include <linux/kernel.h>
