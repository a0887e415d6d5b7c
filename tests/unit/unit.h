/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP-style test runner and the helpers the tests share.
 *
 * One line per test, "ok N - name" or "not ok N - name: reason", then
 * "N passed, M failed".  Besides its own checks, a test fails if it made a
 * WARN fire that it did not expect, or if it left memory allocated through
 * the compat layer (tables, per-cpu stats) once system_wq is idle.
 */
#ifndef UNIT_UNIT_H
#define UNIT_UNIT_H

#include <linux/blk_types.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "bypass_tracker.h"
#include "compat.h"
#include "peek.h"

#define KiB	(1ULL << 10)
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)
#define TiB	(1ULL << 40)

/* Bytes to sectors. */
#define SECTORS(bytes)	((sector_t)((bytes) >> SECTOR_SHIFT))

/* --- runner ------------------------------------------------------------- */

/* Runs @fn as one test called @name, unless the command line filters it. */
void t_run(const char *name, void (*fn)(void));
#define RUN(fn, name)	t_run(name, fn)

/* Starts and ends a test by hand, for table-driven tests. */
bool t_begin(const char *name);
void t_end(void);

void t_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void t_skip(const char *reason);
/* The test is about to make @n WARNs fire on purpose. */
void t_expect_warnings(unsigned long n);
/* A "# ..." diagnostic line. */
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool t_failed(void);
/* UNIT_SKIP_SLOW=1 in the environment skips tests that take seconds. */
bool t_skip_slow(void);
double t_env_double(const char *name, double dflt);

#define EXPECT(cond, ...)						\
do {									\
	if (!(cond))							\
		t_fail_at(__FILE__, __LINE__, __VA_ARGS__);		\
} while (0)

#define ASSERT(cond, ...)						\
do {									\
	if (!(cond)) {							\
		t_fail_at(__FILE__, __LINE__, __VA_ARGS__);		\
		return;							\
	}								\
} while (0)

#define EXPECT_EQ(a, b)							\
do {									\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b)							\
		t_fail_at(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			  #a, __a, #b, __b);				\
} while (0)

#define EXPECT_EQ_U(a, b)						\
do {									\
	unsigned long long __a = (a), __b = (b);			\
	if (__a != __b)							\
		t_fail_at(__FILE__, __LINE__, "%s == %llu, expected %s == %llu", \
			  #a, __a, #b, __b);				\
} while (0)

/* --- tracker helpers ------------------------------------------------------ */

/* Zeroes @bt and inits it for a device of @dev_bytes at @chunk_bytes. */
int tracker_init(struct bypass_tracker *bt, u64 dev_bytes, u64 chunk_bytes);

/* prepare + begin: what cached_dev_write() does for a bypass write. */
void write_begin(struct bypass_tracker *bt, struct bypass_write *w,
		 sector_t sector, unsigned int nr_sectors);

/* Every counter back to 0; the reason in the test's failure otherwise. */
#define EXPECT_IDLE(bt)							\
do {									\
	char __why[256];						\
	if (!peek_idle(bt, __why, sizeof(__why)))			\
		t_fail_at(__FILE__, __LINE__, "not idle: %s", __why);	\
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(bt), 0);		\
	EXPECT_EQ(bch_bypass_tracker_untracked_writes(bt), 0);		\
} while (0)

/* may_fill() of [@s, @s + @n) must say @want. */
#define EXPECT_FILL(bt, s, n, want)					\
do {									\
	sector_t __s = (s);						\
	unsigned int __n = (n);						\
	bool __r = bch_bypass_tracker_may_fill(bt, __s, __n);		\
	if (__r != (want))						\
		t_fail_at(__FILE__, __LINE__,				\
			  "may_fill(%llu, %u) = %d, expected %d",	\
			  (unsigned long long)__s, __n, __r, (want));	\
} while (0)

/* Bytes a table of @nr_slots takes, as the tracker should count it. */
u64 table_bytes(u64 dev_bytes, u64 chunk_bytes);
u64 coarse_chunk_bytes(u64 chunk_bytes);
/* Coarse slots a table for this device and (fine) chunk size should have. */
u32 coarse_slots(u64 dev_bytes, u64 chunk_bytes);
/* Slots a table for this device and chunk size should have. */
u32 table_slots(u64 dev_bytes, u64 chunk_bytes);
/* memory_bytes of an idle tracker with one table. */
u64 tracker_bytes(u64 dev_bytes, u64 chunk_bytes);

/* xorshift64*: reproducible per seed. */
u64 rnd_next(u64 *state);
u64 rnd_below(u64 *state, u64 n);

/* --- suites --------------------------------------------------------------- */

void suite_compat(void);
void suite_chunks(void);
void suite_symmetry(void);
void suite_parse(void);
void suite_chunk_size(void);
void suite_lifecycle(void);
void suite_stress(void);
void suite_geometry(void);

#endif
