// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that bch_bypass_tracker_parse_chunk_size(), which parses what is
 * written to the chunk_size file, accepts exactly the powers of two from
 * 4k to 1G written as bcache's own parser (bch_strtoull_h(), built from
 * the target kernel's util.c) reads them (plain bytes or a k/M/G suffix,
 * one optional trailing newline), and rejects with -EINVAL, without
 * writing *bytes, everything else: empty input, whitespace, signs, hex,
 * exponents, junk, other suffixes, values that wrap 64 bits (which
 * bch_strtoull_h() alone would wrap silently), very long input and
 * embedded NUL bytes.  It also checks that only the @len bytes it is
 * given are looked at, whatever follows them.
 *
 * Inputs are passed the way sysfs passes them: @len bytes followed by a
 * NUL, except in the "len is honoured" cases.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define STR	((size_t)-1)	/* len = strlen(buf) */
#define GOOD(s, v)	{ s, STR, 0, v, NULL }
#define BAD(s)		{ s, STR, -EINVAL, 0, NULL }

struct parse_case {
	const char	*buf;
	size_t		len;
	int		ret;
	u64		bytes;
	const char	*name;	/* NULL: made from buf */
};

static const struct parse_case cases[] = {
	/* good */
	GOOD("4096",		4 * KiB),
	GOOD("4096\n",		4 * KiB),
	GOOD("8192",		8 * KiB),
	GOOD("4k",			4 * KiB),
	GOOD("4K",			4 * KiB),
	GOOD("4k\n",		4 * KiB),
	GOOD("64k",		64 * KiB),
	GOOD("1M",			1 * MiB),
	GOOD("1m",			1 * MiB),
	GOOD("32M",		32 * MiB),
	GOOD("32M\n",		32 * MiB),
	GOOD("1G",			1 * GiB),
	GOOD("1g\n",		1 * GiB),
	GOOD("1024M",		1 * GiB),
	GOOD("1048576k",		1 * GiB),
	GOOD("1073741824",		1 * GiB),
	{ "04096",		STR, 0, 4 * KiB, "parse \"04096\" (decimal, not octal)" },
	/* hostile */
	BAD(""),
	BAD("\n"),
	BAD("\n\n"),
	BAD(" "),
	BAD(" 4k"),
	BAD("4k "),
	BAD("\t4096"),
	BAD("4 k"),
	BAD("0"),
	BAD("0k"),
	BAD("1"),
	BAD("3"),
	BAD("512"),
	BAD("2k"),
	BAD("4095"),
	BAD("4097"),
	BAD("12k"),
	BAD("2G"),
	BAD("1025M"),
	BAD("2147483648"),
	BAD("1T"),
	BAD("4t"),
	BAD("1P"),
	BAD("1e"),
	BAD("1E"),
	BAD("1y"),
	BAD("1z"),
	BAD("4kB"),
	BAD("4KiB"),
	BAD("k"),
	BAD("M\n"),
	BAD("-1"),
	BAD("-4k"),
	BAD("+4k"),
	BAD("0x1000"),
	BAD("0X1000"),
	BAD("1e6"),
	BAD("4096.0"),
	BAD("32M junk"),
	BAD("32MM"),
	BAD("32Mk"),
	BAD("32M\n\n"),
	BAD("\n32M"),
	BAD("32M\r\n"),
	{ "4k\xff",		STR, -EINVAL, 0, "parse \"4k\\xff\" -> -EINVAL" },
	{ "\xb4k",		STR, -EINVAL, 0, "parse \"\\xb4k\" -> -EINVAL" },
	/* 2^64 + 4096: simple_strtoull() alone wraps it to 4096 */
	BAD("18446744073709555712"),
	BAD("18446744073709555712\n"),
	/* 2^64 + 4 (k): wraps to 4k */
	BAD("18446744073709551620k"),
	/* More than 20 digits is invalid even when the value is small */
	BAD("000000000000000000004k"),
	/* 23 digits and a suffix: must not reach the 24-byte copy */
	BAD("00000000000000000004096k"),
	BAD("00000000000000000004096k\n"),
	/* 2^128 + 4096 */
	BAD("340282366920938463463374607431768215552"),
	/* 2^54 G: bch_strtoull_h()'s own overflow check */
	BAD("18014398509481984G"),
	/* embedded NUL bytes, len covering them */
	{ "4k\0",		3, -EINVAL, 0, "parse \"4k\\0\" (len 3) -> -EINVAL" },
	{ "4096\0junk",		9, -EINVAL, 0, "parse \"4096\\0junk\" (len 9) -> -EINVAL" },
	{ "\0" "4096",		5, -EINVAL, 0, "parse \"\\0004096\" (len 5) -> -EINVAL" },
	{ "\0",			1, -EINVAL, 0, "parse \"\\0\" (len 1) -> -EINVAL" },
	/* len shorter than what the buffer holds: only len counts */
	{ "4096\n",		4, 0, 4 * KiB, "parse \"4096\" (len 4 of \"4096\\n\") -> 4096" },
};

/* The "len is honoured" cases: the byte at buf[len] is not a NUL. */
static const struct parse_case unterminated[] = {
	{ "4k",		1, -EINVAL, 0,
	  "parse: len is honoured: \"4\" (len 1 of \"4k\") -> -EINVAL" },
	{ "4096",	3, -EINVAL, 0,
	  "parse: len is honoured: \"409\" (len 3 of \"4096\") -> -EINVAL" },
	{ "32M junk",	3, 0, 32 * MiB,
	  "parse: len is honoured: \"32M\" (len 3 of \"32M junk\") -> 32M" },
	{ "1G\n\n",	3, 0, 1 * GiB,
	  "parse: len is honoured: \"1G\\n\" (len 3 of \"1G\\n\\n\") -> 1G" },
};

static void escape(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			o += snprintf(out + o, size - o, "\\n");
		else if (c == '\t')
			o += snprintf(out + o, size - o, "\\t");
		else if (c == '\r')
			o += snprintf(out + o, size - o, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			o += snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
}

static void run_case(const struct parse_case *c, bool terminate)
{
	size_t len = c->len == STR ? strlen(c->buf) : c->len;
	size_t alloc = terminate ? len + 1 : strlen(c->buf) + 1;
	u64 bytes = 0xdeadbeefULL;
	char name[200], esc[100];
	char *buf;
	int ret;

	if (c->name) {
		snprintf(name, sizeof(name), "%s", c->name);
	} else {
		escape(esc, sizeof(esc), c->buf, len);
		if (c->ret)
			snprintf(name, sizeof(name), "parse \"%s\" -> %s",
				 esc, c->ret == -EINVAL ? "-EINVAL" : "error");
		else
			snprintf(name, sizeof(name), "parse \"%s\" -> %llu",
				 esc, (unsigned long long)c->bytes);
	}
	if (!t_begin(name))
		return;

	/* A heap copy, so that ASan sees any read past what is passed. */
	buf = malloc(alloc > len ? alloc : len + 1);
	ASSERT(buf, "malloc");
	memcpy(buf, c->buf, terminate ? len : alloc);
	if (terminate)
		buf[len] = '\0';

	ret = bch_bypass_tracker_parse_chunk_size(buf, len, &bytes);
	EXPECT_EQ(ret, c->ret);
	if (c->ret)
		EXPECT_EQ_U(bytes, 0xdeadbeefULL);
	else
		EXPECT_EQ_U(bytes, c->bytes);
	free(buf);
	t_end();
}

static void run_long_digits(void)
{
	size_t len = 4096;
	u64 bytes = 0xdeadbeefULL;
	char *buf;

	if (!t_begin("parse: 4 KiB of digits (value 4096 after leading zeros) -> -EINVAL"))
		return;
	buf = malloc(len + 1);
	ASSERT(buf, "malloc");
	memset(buf, '0', len);
	memcpy(buf + len - 4, "4096", 4);
	buf[len] = '\0';
	EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, len, &bytes),
		  -EINVAL);
	/* The same as 4096 '9's: huge, not just long. */
	memset(buf, '9', len);
	EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, len, &bytes),
		  -EINVAL);
	EXPECT_EQ_U(bytes, 0xdeadbeefULL);
	free(buf);
	t_end();
}

static void run_degenerate(void)
{
	u64 bytes = 0xdeadbeefULL;

	if (!t_begin("parse: NULL buffer, or len 0 with a valid buffer -> -EINVAL"))
		return;
	EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(NULL, 0, &bytes),
		  -EINVAL);
	EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(NULL, 4, &bytes),
		  -EINVAL);
	EXPECT_EQ(bch_bypass_tracker_parse_chunk_size("4k", 0, &bytes),
		  -EINVAL);
	EXPECT_EQ_U(bytes, 0xdeadbeefULL);
	t_end();
}

/* Every accepted size, in every spelling bch_strtoull_h() knows. */
static void run_all_sizes(void)
{
	unsigned int shift;

	if (!t_begin("parse: every power of two 4k..1G in bytes, k, M and G"))
		return;
	for (shift = 12; shift <= 30; shift++) {
		u64 v = 1ULL << shift, bytes = 0;
		char buf[32];

		snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
		EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, strlen(buf),
							      &bytes), 0);
		EXPECT_EQ_U(bytes, v);
		snprintf(buf, sizeof(buf), "%lluk", (unsigned long long)v >> 10);
		EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, strlen(buf),
							      &bytes), 0);
		EXPECT_EQ_U(bytes, v);
		if (shift >= 20) {
			snprintf(buf, sizeof(buf), "%lluM",
				 (unsigned long long)v >> 20);
			EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf,
					strlen(buf), &bytes), 0);
			EXPECT_EQ_U(bytes, v);
		}
		/* One more or less is never a power of two. */
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v + 1);
		EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, strlen(buf),
							      &bytes), -EINVAL);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v - 1);
		EXPECT_EQ(bch_bypass_tracker_parse_chunk_size(buf, strlen(buf),
							      &bytes), -EINVAL);
	}
	t_end();
}

void suite_parse(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i], true);
	run_long_digits();
	run_degenerate();
	run_all_sizes();
	for (i = 0; i < ARRAY_SIZE(unterminated); i++)
		run_case(&unterminated[i], false);
}
