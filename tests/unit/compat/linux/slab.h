/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/slab.h>: calloc/free with failure injection
 * and accounting (see compat.h).
 */
#ifndef _COMPAT_LINUX_SLAB_H
#define _COMPAT_LINUX_SLAB_H

#include <linux/types.h>
#include <stdint.h>
#include "compat.h"

#define GFP_KERNEL	0x1u
#define GFP_NOIO	0x2u
#define GFP_NOWAIT	0x4u
#define GFP_ATOMIC	0x8u
#define __GFP_ZERO	0x100u

void *compat_alloc(size_t size, gfp_t flags);
void compat_free(const void *ptr);

static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return compat_alloc(size, flags | __GFP_ZERO);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return compat_alloc(size, flags | __GFP_ZERO);
}

static inline void *kvmalloc(size_t size, gfp_t flags)
{
	return compat_alloc(size, flags);
}

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return compat_alloc(size, flags);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return compat_alloc(n * size, flags | __GFP_ZERO);
}

/*
 * What SLUB on x86-64 hands out for a kmalloc() of @size: power-of-two
 * buckets plus 96 and 192 up to 8 KiB, whole pages (a power of two of
 * them) beyond.
 */
static inline size_t kmalloc_size_roundup(size_t size)
{
	size_t b = 8;

	if (size > 8192) {
		b = 4096;
		while (b < size)
			b <<= 1;
		return b;
	}
	while (b < size) {
		if (b == 64 && size <= 96)
			return 96;
		if (b == 128 && size <= 192)
			return 192;
		b <<= 1;
	}
	return b;
}

static inline void kvfree(const void *ptr)
{
	compat_free(ptr);
}

static inline void kfree(const void *ptr)
{
	compat_free(ptr);
}

#endif
