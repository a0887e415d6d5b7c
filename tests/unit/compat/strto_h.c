// SPDX-License-Identifier: GPL-2.0
/*
 * bch_strtoull_h(), bcache's suffix-aware number parser, compiled from the
 * STRTO_H macro of the target kernel's drivers/md/bcache/util.c.  The
 * Makefile extracts that macro into build/strto_h.inc at build time, from
 * the source scripts/prepare-source put in build/<kver>/: upstream code is
 * never part of this repository.  This file only supplies what the macro
 * needs from the kernel: simple_strtoull() (compat.c, kernel semantics),
 * tolower(), fallthrough and ANYSINT_MAX.
 */
#include <linux/compiler.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include "bch_util.h"

/*
 * The largest value of a signed type as wide as @t, for unsigned @t too:
 * that is what bcache's util.h gives, and the macro's overflow checks rely
 * on it.
 */
#define ANYSINT_MAX(t)	((t)(~0ULL >> (64 - (sizeof(t) * 8 - 1))))

#include "strto_h.inc"
