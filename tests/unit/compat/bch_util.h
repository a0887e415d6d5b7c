/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bypass_tracker.c takes from bcache's util.h: bch_strtoull_h(),
 * built from the target kernel's own util.c by strto_h.c.  The Makefile
 * makes build/include/util.h include this file, so that no file named like
 * an upstream bcache file is ever part of the repository.
 */
#ifndef _COMPAT_BCH_UTIL_H
#define _COMPAT_BCH_UTIL_H

int bch_strtoull_h(const char *cp, unsigned long long *res);

#endif
