// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that the tracker's life cycle is clean:
 * - init fails with -ENOMEM, leaking nothing, when either of its two
 *   allocations (per-cpu stats, counter table) fails, and exit() is safe
 *   after that, on a zeroed tracker, and twice;
 * - init uses the module's default chunk size, starts enabled and idle;
 * - exit frees every layout, including ones a reaper has not got to yet,
 *   and WARNs if writes are still in flight;
 * - the table has one slot per chunk rounded up to a power of two, at most
 *   BYPASS_TABLE_MAX_SLOTS, and memory_bytes says exactly what was
 *   allocated (printed for 512 MiB, 1 TiB and 100 TiB at 1 MiB and 4 KiB).
 */
#include <string.h>

#include <linux/percpu.h>

#include <pthread.h>
#include <unistd.h>

#include "unit.h"

static void test_init_stats_enomem(void)
{
	struct bypass_tracker bt;

	compat_alloc_fail(0, 1);	/* the per-cpu stats */
	EXPECT_EQ(tracker_init(&bt, 1 * GiB, 1 * MiB), -ENOMEM);
	EXPECT(!bt.table && !bt.stats, "table %p, stats %p", (void *)bt.table,
	       (void *)bt.stats);
	bch_bypass_tracker_exit(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_init_table_enomem(void)
{
	struct bypass_tracker bt;

	compat_alloc_fail(1, 1);	/* the table, after the stats */
	EXPECT_EQ(tracker_init(&bt, 1 * GiB, 1 * MiB), -ENOMEM);
	EXPECT(!bt.table && !bt.stats, "table %p, stats %p", (void *)bt.table,
	       (void *)bt.stats);
	bch_bypass_tracker_exit(&bt);

	/* And a retry once memory is back works. */
	EXPECT_EQ(tracker_init(&bt, 1 * GiB, 1 * MiB), 0);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_exit_zeroed(void)
{
	struct bypass_tracker bt;

	memset(&bt, 0, sizeof(bt));
	bch_bypass_tracker_exit(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_init_exit_twice(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 0, 8);
	bch_bypass_tracker_end_write(&w);
	bch_bypass_tracker_exit(&bt);
	bch_bypass_tracker_exit(&bt);
	EXPECT(!bt.table && !bt.stats, "exit left table %p, stats %p",
	       (void *)bt.table, (void *)bt.stats);
	ASSERT(!bch_bypass_tracker_init(&bt, SECTORS(1 * GiB)), "init again");
	EXPECT_IDLE(&bt);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 0);
	bch_bypass_tracker_exit(&bt);
}

static void test_init_defaults(void)
{
	struct bypass_tracker bt;

	ASSERT(!tracker_init(&bt, 1 * TiB, 32 * MiB), "init");
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 32 * MiB);
	EXPECT(bch_bypass_tracker_enabled(&bt), "not enabled by default");
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 0);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 0);
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 0, 8, true);
	bch_bypass_tracker_exit(&bt);
}

static void test_exit_with_pending_reaper(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	unsigned int i;

	/* Layouts replaced right before exit: exit frees them itself. */
	for (i = 0; i < 20; i++) {
		ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 4 * KiB), 0);
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 8 * KiB), 0);
		if (i & 1) {
			write_begin(&bt, &w, 0, 8);
			EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt,
					16 * KiB), 0);
			/* queues the reaper */
			bch_bypass_tracker_end_write(&w);
		}
		bch_bypass_tracker_exit(&bt);
	}
}

static void *exit_thread(void *arg)
{
	bch_bypass_tracker_exit(arg);
	return NULL;
}

static bool exit_done;

static void *exit_and_flag(void *arg)
{
	bch_bypass_tracker_exit(arg);
	__atomic_store_n(&exit_done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool exited(void)
{
	return __atomic_load_n(&exit_done, __ATOMIC_ACQUIRE);
}

/*
 * Teardown with writes still in flight (a device stopped from an I/O error
 * path): exit waits until each kind has ended, the tracked one on the
 * current table, one on a retired table, one begun while disabled and one
 * on the detached path, and no end touches freed memory (ASan).  The ends
 * wake it; no timer does.
 */
static void test_exit_waits_for_writes_in_flight(void)
{
	struct bypass_tracker bt;
	struct bypass_write cur, old, u;
	struct bypass_write *ends[] = { &old, &cur, &u };
	unsigned int i;
	pthread_t t;
	u64 t0;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &old, 0, 8);
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), 0);
	write_begin(&bt, &cur, 4096, 8);
	bch_bypass_tracker_set_enabled(&bt, false);
	write_begin(&bt, &u, 0, 8);
	bch_bypass_tracker_begin_detached(&bt);

	exit_done = false;
	ASSERT(!pthread_create(&t, NULL, exit_and_flag, &bt), "thread");
	/* One end at a time; exit must still be waiting before each. */
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		usleep(i ? 100000 : 200000);
		EXPECT(!exited(), "exit returned with %zu writes in flight",
		       ARRAY_SIZE(ends) + 1 - i);
		bch_bypass_tracker_end_write(ends[i]);
	}
	usleep(100000);
	EXPECT(!exited(), "exit returned with a detached write in flight");
	bch_bypass_tracker_end_detached(&bt);
	/*
	 * Woken by the end, not by its 60 s warning timeout (30 s leaves
	 * room for a loaded machine: grace periods here are real waits).
	 */
	t0 = compat_now_ns();
	while (!exited() && compat_now_ns() - t0 < 30000000000ULL)
		usleep(1000);
	EXPECT(exited(), "exit did not return within 30 s of the last end");
	pthread_join(t, NULL);
	EXPECT(!bt.table && !bt.stats, "exit left table %p, stats %p",
	       (void *)bt.table, (void *)bt.stats);
}

/* The last write to end may be the current table's: it wakes exit too. */
static void test_exit_woken_by_current_table(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	unsigned int i;
	pthread_t t;
	u64 t0;

	for (i = 0; i < 50; i++) {
		ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
		write_begin(&bt, &w, 0, 8);
		ASSERT(!pthread_create(&t, NULL, exit_thread, &bt), "thread");
		if (i & 1)
			usleep(1000);
		t0 = compat_now_ns();
		bch_bypass_tracker_end_write(&w);
		pthread_join(t, NULL);
		EXPECT(compat_now_ns() - t0 < 30000000000ULL,
		       "exit returned %llu ms after the end: not woken by it",
		       (unsigned long long)((compat_now_ns() - t0) / 1000000));
		EXPECT(!bt.table, "exit left the table");
	}
}

static void test_table_slots(void)
{
	static const struct {
		u64 dev_bytes, chunk_bytes;
		u32 slots;
	} cases[] = {
		{ 0,			1 * MiB,	1 },
		{ 512,			1 * MiB,	1 },
		{ 1 * MiB,		1 * MiB,	1 },
		{ 1 * MiB + 512,	1 * MiB,	2 },
		{ 3 * MiB,		1 * MiB,	4 },
		{ 1 * GiB,		1 * MiB,	1024 },
		{ 16 * GiB,		1 * MiB,	16384 },
		{ 16 * GiB + 512,	1 * MiB,	16384 },
		{ 1 * TiB,		1 * GiB,	1024 },
		{ 100 * TiB,		4 * KiB,	16384 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bypass_tracker bt;
		struct peek_table pt;

		ASSERT(!tracker_init(&bt, cases[i].dev_bytes,
				     cases[i].chunk_bytes), "init");
		peek_table(&bt, 0, &pt);
		EXPECT(pt.nr_slots == cases[i].slots,
		       "%llu bytes at %llu: %u slots, expected %u",
		       (unsigned long long)cases[i].dev_bytes,
		       (unsigned long long)cases[i].chunk_bytes, pt.nr_slots,
		       cases[i].slots);
		EXPECT(pt.nr_slots <= peek_max_slots(), "%u slots",
		       pt.nr_slots);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_memory_bytes(void)
{
	static const u64 devs[] = { 512 * MiB, 1 * TiB, 100 * TiB };
	static const u64 chunks[] = { 1 * MiB, 4 * KiB };
	unsigned int d, c;

	t_note("memory_bytes = table + %zu bytes of per-cpu stats per possible CPU (%u here)",
	       peek_stats_bytes(), COMPAT_NR_CPUS);
	for (d = 0; d < ARRAY_SIZE(devs); d++) {
		for (c = 0; c < ARRAY_SIZE(chunks); c++) {
			struct bypass_tracker bt;
			size_t live = compat_alloc_live_bytes();
			u64 mem, table, slots;

			ASSERT(!tracker_init(&bt, devs[d], chunks[c]), "init");
			mem = bch_bypass_tracker_memory_bytes(&bt);
			table = mem - COMPAT_NR_CPUS * peek_stats_bytes();
			t_note("%4llu %s device at %4llu KiB chunks: memory_bytes %llu (table %llu, %u slots)",
			       (unsigned long long)(devs[d] >= TiB ?
						    devs[d] / TiB :
						    devs[d] / MiB),
			       devs[d] >= TiB ? "TiB" : "MiB",
			       (unsigned long long)(chunks[c] / KiB),
			       (unsigned long long)mem,
			       (unsigned long long)table,
			       table_slots(devs[d], chunks[c]));
			EXPECT_EQ_U(mem, tracker_bytes(devs[d], chunks[c]));
			/*
			 * What memory_bytes says is what is allocated: the
			 * compat allocator counts requested sizes, memory_bytes
			 * the kernel's kmalloc buckets (never less), and
			 * compat's per-cpu copies are COMPAT_PCPU_UNIT each.
			 */
			slots = (u64)table_slots(devs[d], chunks[c]) +
				coarse_slots(devs[d], chunks[c]);
			EXPECT_EQ_U(compat_alloc_live_bytes() - live,
				    peek_table_header_bytes() +
				    slots * peek_slot_bytes() +
				    2ULL * COMPAT_NR_CPUS * COMPAT_PCPU_UNIT);
			EXPECT(table >= peek_table_header_bytes() +
			       slots * peek_slot_bytes(),
			       "memory_bytes under-reports: table %llu",
			       (unsigned long long)table);
			/*
			 * ...and it is bounded whatever the device size: two
			 * levels of at most MAX_SLOTS each.
			 */
			EXPECT(table <= table_bytes(1ULL << 62, 4 * KiB),
			       "table of %llu bytes", (unsigned long long)table);
			bch_bypass_tracker_exit(&bt);
		}
	}
}

void suite_lifecycle(void)
{
	RUN(test_init_stats_enomem,
	    "lifecycle: init with the per-cpu allocation failing is -ENOMEM, exit is safe");
	RUN(test_init_table_enomem,
	    "lifecycle: init with the table allocation failing is -ENOMEM, exit is safe");
	RUN(test_exit_zeroed, "lifecycle: exit on a zeroed tracker, twice");
	RUN(test_init_exit_twice, "lifecycle: exit twice, then init again");
	RUN(test_init_defaults,
	    "lifecycle: init uses the default chunk size, starts enabled and idle");
	RUN(test_exit_with_pending_reaper,
	    "lifecycle: exit right after chunk size changes frees every layout");
	RUN(test_exit_waits_for_writes_in_flight,
	    "lifecycle: exit waits for tracked, retired-layout, untracked and detached writes, woken by their ends");
	RUN(test_exit_woken_by_current_table,
	    "lifecycle: exit woken by the end of the current table's last write (50 races)");
	RUN(test_table_slots,
	    "lifecycle: one slot per chunk, rounded up to a power of two, at most MAX_SLOTS");
	RUN(test_memory_bytes,
	    "memory_bytes: 512 MiB, 1 TiB, 100 TiB at 1 MiB and 4 KiB chunks");
}
