// SPDX-License-Identifier: GPL-2.0
/*
 * The test runner and shared helpers (see unit.h).
 *
 * Usage: unit [SUBSTRING...]  runs the tests whose name contains one of the
 * substrings, or all of them.  UNIT_SKIP_SLOW=1 skips the 10 s -EBUSY test;
 * UNIT_STRESS_SECONDS sets how long the stress test runs (default 2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/log2.h>
#include <linux/overflow.h>

#include <linux/slab.h>

#include "unit.h"

static char **filters;
static int nr_filters;

static unsigned int t_number, t_passed, t_nfailed, t_skipped;
static const char *t_name;
static bool t_active, t_fail, t_skip_flag;
static char t_reason[512], t_skip_reason[256];
static unsigned long t_warn_start, t_warn_expected, t_live_start;
static size_t t_live_bytes_start;
static unsigned int t_default_shift;

static bool t_selected(const char *name)
{
	int i;

	if (!nr_filters)
		return true;
	for (i = 0; i < nr_filters; i++)
		if (strstr(name, filters[i]))
			return true;
	return false;
}

bool t_begin(const char *name)
{
	if (!t_selected(name))
		return false;
	t_name = name;
	t_active = true;
	t_fail = false;
	t_skip_flag = false;
	t_reason[0] = '\0';
	compat_flush_system_wq();
	t_warn_start = compat_warnings();
	t_warn_expected = 0;
	t_live_start = compat_alloc_live();
	t_live_bytes_start = compat_alloc_live_bytes();
	t_default_shift = bch_bypass_tracker_default_chunk_shift;
	return true;
}

void t_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!t_fail) {
		t_fail = true;
		snprintf(t_reason, sizeof(t_reason), "%s (%s:%d)", msg,
			 file, line);
	} else {
		printf("# also: %s (%s:%d)\n", msg, file, line);
	}
}

void t_skip(const char *reason)
{
	t_skip_flag = true;
	snprintf(t_skip_reason, sizeof(t_skip_reason), "%s", reason);
}

void t_expect_warnings(unsigned long n)
{
	t_warn_expected += n;
}

void t_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

bool t_failed(void)
{
	return t_fail;
}

void t_end(void)
{
	unsigned long warns;

	compat_flush_system_wq();
	compat_alloc_fail(0, 0);
	bch_bypass_tracker_default_chunk_shift = t_default_shift;

	warns = compat_warnings() - t_warn_start;
	if (warns > t_warn_expected)
		t_fail_at(__FILE__, __LINE__, "WARN fired: %s",
			  compat_last_warning());
	else if (warns < t_warn_expected)
		t_fail_at(__FILE__, __LINE__,
			  "%lu WARNs fired, %lu were expected", warns,
			  t_warn_expected);
	if (compat_alloc_live() != t_live_start)
		t_fail_at(__FILE__, __LINE__,
			  "leak: %ld blocks, %ld bytes still allocated",
			  (long)(compat_alloc_live() - t_live_start),
			  (long)(compat_alloc_live_bytes() -
				 t_live_bytes_start));

	t_number++;
	if (t_fail) {
		t_nfailed++;
		printf("not ok %u - %s: %s\n", t_number, t_name, t_reason);
	} else if (t_skip_flag) {
		/* A skip says why and is never counted as a pass. */
		t_skipped++;
		printf("ok %u - %s # SKIP %s\n", t_number, t_name,
		       t_skip_reason);
	} else {
		t_passed++;
		printf("ok %u - %s\n", t_number, t_name);
	}
	fflush(stdout);
	t_active = false;
}

void t_run(const char *name, void (*fn)(void))
{
	if (!t_begin(name))
		return;
	fn();
	t_end();
}

bool t_skip_slow(void)
{
	const char *s = getenv("UNIT_SKIP_SLOW");

	return s && *s && strcmp(s, "0");
}

double t_env_double(const char *name, double dflt)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return dflt;
	v = strtod(s, &end);
	return *end ? dflt : v;
}

/* --- helpers -------------------------------------------------------------- */

int tracker_init(struct bypass_tracker *bt, u64 dev_bytes, u64 chunk_bytes)
{
	memset(bt, 0, sizeof(*bt));
	/*
	 * The upstream series has a fixed initial chunk size; this variable
	 * is the DKMS patch's (src/dkms/0001-*), which src/dkms/series, and
	 * so the assembled tracker, includes.
	 */
	bch_bypass_tracker_default_chunk_shift =
		ilog2(chunk_bytes) - SECTOR_SHIFT;
	return bch_bypass_tracker_init(bt, SECTORS(dev_bytes));
}

void write_begin(struct bypass_tracker *bt, struct bypass_write *w,
		 sector_t sector, unsigned int nr_sectors)
{
	bch_bypass_tracker_write_prepare(bt, w, sector, nr_sectors);
	bch_bypass_tracker_begin_write(w);
}

static u32 level_slots(u64 dev_bytes, u64 chunk_bytes, u32 max)
{
	u64 chunks = DIV_ROUND_UP(dev_bytes, chunk_bytes);
	u32 slots = 1;

	while (slots < chunks && slots < max)
		slots <<= 1;
	return slots;
}

u32 table_slots(u64 dev_bytes, u64 chunk_bytes)
{
	return level_slots(dev_bytes, chunk_bytes, peek_max_slots());
}

u32 coarse_slots(u64 dev_bytes, u64 chunk_bytes)
{
	return level_slots(dev_bytes, coarse_chunk_bytes(chunk_bytes),
			   peek_max_coarse_slots());
}

/*
 * Coarse chunks: 256 chunks, at least 32 MiB (BYPASS_COARSE_* in the
 * tracker, restated here so that a change there shows up as a failure).
 */
u64 coarse_chunk_bytes(u64 chunk_bytes)
{
	return chunk_bytes * 256 > 32 * MiB ? chunk_bytes * 256 : 32 * MiB;
}

/* What a table holds: its header, both levels' slots, per-CPU counts. */
u64 table_bytes(u64 dev_bytes, u64 chunk_bytes)
{
	u32 fine = table_slots(dev_bytes, chunk_bytes);
	u32 coarse = coarse_slots(dev_bytes, chunk_bytes);

	return kmalloc_size_roundup(peek_table_header_bytes()) +
		kmalloc_size_roundup((size_t)fine * peek_slot_bytes()) +
		kmalloc_size_roundup((size_t)coarse * peek_slot_bytes()) +
		(u64)COMPAT_NR_CPUS * peek_table_pcpu_bytes();
}

u64 tracker_bytes(u64 dev_bytes, u64 chunk_bytes)
{
	return table_bytes(dev_bytes, chunk_bytes) +
		(u64)COMPAT_NR_CPUS * peek_stats_bytes();
}

u64 rnd_next(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

u64 rnd_below(u64 *state, u64 n)
{
	return n ? rnd_next(state) % n : 0;
}

int main(int argc, char **argv)
{
	filters = argv + 1;
	nr_filters = argc - 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t_note("bypass tracker unit tests: %u compat CPUs, RCU %s",
	       COMPAT_NR_CPUS,
	       compat_rcu_uses_membarrier() ? "with membarrier" :
					      "with full fences");

	suite_compat();
	suite_chunks();
	suite_geometry();
	suite_symmetry();
	suite_parse();
	suite_chunk_size();
	suite_lifecycle();
	suite_stress();

	printf("1..%u\n", t_number);
	printf("# %u skipped (not counted as passed)\n", t_skipped);
	printf("%u passed, %u failed\n", t_passed, t_nfailed);
	return t_nfailed || !t_number ? 1 : 0;
}
