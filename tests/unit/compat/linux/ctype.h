/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/ctype.h>.  Unlike <ctype.h> these take any
 * char, negative ones included, and ignore the locale.  The kernel's table
 * also knows Latin-1 letters; none of them is a digit or maps to an ASCII
 * letter, which is all bcache's parsers ask.
 */
#ifndef _COMPAT_LINUX_CTYPE_H
#define _COMPAT_LINUX_CTYPE_H

static inline int isdigit(int c)
{
	return '0' <= c && c <= '9';
}

static inline int isupper(int c)
{
	return 'A' <= c && c <= 'Z';
}

static inline int islower(int c)
{
	return 'a' <= c && c <= 'z';
}

static inline int isxdigit(int c)
{
	return isdigit(c) || ('a' <= (c | 0x20) && (c | 0x20) <= 'f');
}

static inline int isspace(int c)
{
	return c == ' ' || ('\t' <= c && c <= '\r');
}

static inline unsigned char __tolower(unsigned char c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}

static inline unsigned char __toupper(unsigned char c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}

#define tolower(c)	__tolower(c)
#define toupper(c)	__toupper(c)
#define _tolower(c)	((c) | 0x20)

#endif
