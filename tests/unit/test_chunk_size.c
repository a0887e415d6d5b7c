// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that changing the chunk size is safe and all-or-nothing:
 * - invalid sizes give -EINVAL and an allocation failure -ENOMEM, and
 *   neither changes the chunk size, memory_bytes, the layouts or any count;
 *   the same size again is a no-op;
 * - every size from 4k to 1G can be set and reads back, with the memory
 *   of exactly one table once the old one is reaped;
 * - with writes in flight, old writes release on the layout they counted
 *   on, reads keep consulting that layout (with its chunk geometry) until
 *   it drains, new writes count on the new layout, inflight_writes counts
 *   across layouts, and the reaper frees a drained layout (memory_bytes
 *   and the allocator agree) whether it drains first, last or in between;
 * - with BYPASS_TRACKER_MAX_RETIRED layouts still draining, a change
 *   fails at once with -EBUSY, changing nothing; the end of the last
 *   write on a retired layout frees it, with no timer.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

static void test_invalid_sizes(void)
{
	static const u64 bad[] = { 0, 1, 512, 2048, 4095, 4097, 12 * KiB,
				   3 * MiB, 2 * GiB, 1ULL << 31, 1ULL << 40,
				   1ULL << 63, U64_MAX, 1 * GiB + 4 * KiB };
	struct bypass_tracker bt;
	struct bypass_write w;
	u64 mem;
	unsigned int i;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 3, 8);
	mem = bch_bypass_tracker_memory_bytes(&bt);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, bad[i]),
			  -EINVAL);
		compat_flush_system_wq();
		EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 1 * MiB);
		EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt), mem);
		EXPECT_EQ(peek_nr_tables(&bt), 1);
		EXPECT_EQ(peek_slot(&bt, 0, 3), 1);
	}
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_enomem_changes_nothing(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	unsigned long live;
	u64 mem;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 3, 8);
	mem = bch_bypass_tracker_memory_bytes(&bt);
	live = compat_alloc_live();

	compat_alloc_fail(0, 1);
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 4 * KiB), -ENOMEM);
	compat_flush_system_wq();
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 1 * MiB);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt), mem);
	EXPECT_EQ_U(compat_alloc_live(), live);
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 1);
	EXPECT_EQ(peek_slot(&bt, 0, 3), 1);
	EXPECT_FILL(&bt, 2048 * 3, 8, false);
	EXPECT(bch_bypass_tracker_enabled(&bt), "enabled changed");

	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	/* The failure was transient: the next try works. */
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 4 * KiB), 0);
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 4 * KiB);
	bch_bypass_tracker_exit(&bt);
}

static void test_same_size_is_noop(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	unsigned long live;
	u64 mem;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 3, 8);
	mem = bch_bypass_tracker_memory_bytes(&bt);
	live = compat_alloc_live();
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 1 * MiB), 0);
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt), mem);
	EXPECT_EQ_U(compat_alloc_live(), live);
	EXPECT_EQ(peek_slot(&bt, 0, 3), 1);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_every_size(void)
{
	struct bypass_tracker bt;
	unsigned int shift;

	ASSERT(!tracker_init(&bt, 8 * GiB, 1 * MiB), "init");
	for (shift = 30; shift >= 12; shift--) {
		u64 v = 1ULL << shift;

		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, v), 0);
		EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), v);
		compat_flush_system_wq();
		EXPECT_EQ(peek_nr_tables(&bt), 1);
		EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
			    tracker_bytes(8 * GiB, v));
	}
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_swap_with_writes_in_flight(void)
{
	struct bypass_tracker bt;
	struct bypass_write w_old, w_new;
	struct peek_table cur, old;
	unsigned long live;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w_old, 2048 * 3, 8);
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 4 * KiB), 0);
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 4 * KiB);
	compat_flush_system_wq();

	/* The old layout is kept, with the old write's counts on it. */
	ASSERT(peek_nr_tables(&bt) == 2, "%u layouts", peek_nr_tables(&bt));
	peek_table(&bt, 0, &cur);
	peek_table(&bt, 1, &old);
	EXPECT_EQ(old.chunk_shift, 11);
	EXPECT_EQ(old.inflight, 1);
	EXPECT(old.retired && !cur.retired, "retired: old %d, current %d",
	       old.retired, cur.retired);
	EXPECT_EQ(peek_slot(&bt, 1, 3), 1);
	EXPECT_EQ(cur.inflight, 0);
	EXPECT_EQ(cur.slot_sum, 0);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
		    tracker_bytes(1 * GiB, 4 * KiB) +
		    table_bytes(1 * GiB, 1 * MiB));

	/* Reads consult the old layout, in its own chunk geometry. */
	EXPECT_FILL(&bt, 2048 * 3, 8, false);
	EXPECT_FILL(&bt, 2048 * 3 + 1024, 8, false);
	EXPECT_FILL(&bt, 2048 * 4, 8, true);

	/* New writes count on the new layout; inflight counts both. */
	write_begin(&bt, &w_new, 2048 * 100, 8);
	peek_table(&bt, 0, &cur);
	EXPECT_EQ(cur.inflight, 1);
	EXPECT_EQ(cur.slot_sum, 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 2);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 2);

	/* The old write releases on the old layout; the reaper frees it. */
	live = compat_alloc_live();
	bch_bypass_tracker_end_write(&w_old);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	/* A table is four allocations: header, two levels, per-cpu counts. */
	EXPECT_EQ_U(compat_alloc_live(), live - 4);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
		    tracker_bytes(1 * GiB, 4 * KiB));
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);
	EXPECT_FILL(&bt, 2048 * 3, 8, true);
	EXPECT_FILL(&bt, 2048 * 100, 8, false);

	bch_bypass_tracker_end_write(&w_new);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void drain_order(bool oldest_first)
{
	struct bypass_tracker bt;
	struct bypass_write w1, w2;
	struct peek_table pt;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w1, 2048 * 1, 8);		/* on A, 1M */
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), 0);
	write_begin(&bt, &w2, 2048 * 50, 8);		/* on B, 64k */
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 4 * KiB), 0);
	compat_flush_system_wq();
	ASSERT(peek_nr_tables(&bt) == 3, "%u layouts", peek_nr_tables(&bt));

	bch_bypass_tracker_end_write(oldest_first ? &w1 : &w2);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 2);
	peek_table(&bt, 1, &pt);
	EXPECT_EQ(pt.chunk_shift, oldest_first ? 7 : 11);
	EXPECT_EQ(pt.inflight, 1);
	/* The remaining write is still seen through the relinked chain. */
	EXPECT_FILL(&bt, oldest_first ? 2048 * 50 : 2048 * 1, 8, false);
	EXPECT_FILL(&bt, oldest_first ? 2048 * 1 : 2048 * 50, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);

	bch_bypass_tracker_end_write(oldest_first ? &w2 : &w1);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
		    tracker_bytes(1 * GiB, 4 * KiB));
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_drain_oldest_first(void)
{
	drain_order(true);
}

static void test_drain_middle_first(void)
{
	drain_order(false);
}

static void test_many_switches_reaped(void)
{
	struct bypass_tracker bt;
	unsigned int i;

	ASSERT(!tracker_init(&bt, 100 * GiB, 1 * MiB), "init");
	for (i = 0; i < 40; i++)
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt,
				4 * KiB << (i % 19)), 0);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
		    tracker_bytes(100 * GiB, 4 * KiB << (39 % 19)));
	bch_bypass_tracker_exit(&bt);
}

/* Four layouts draining, one write holding each; current is 32k. */
static void fill_retired(struct bypass_tracker *bt, struct bypass_write *w)
{
	unsigned int i;

	for (i = 0; i < peek_max_retired(); i++) {
		write_begin(bt, &w[i], 2048 * 8 * i, 8);
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(bt, 4 * KiB << i),
			  0);
	}
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(bt), peek_max_retired() + 1);
}

struct delayed_end {
	struct bypass_write	*w;
	unsigned int		ms;
};

static void *end_later(void *arg)
{
	struct delayed_end *d = arg;
	struct timespec ts = { d->ms / 1000, (d->ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	bch_bypass_tracker_end_write(d->w);
	return NULL;
}

/*
 * The end of the last write on a retired layout is what frees it: the
 * reaper is kicked by that end, not by a timer, and a change then succeeds.
 */
static void test_end_kicks_reaper(void)
{
	struct bypass_tracker bt;
	struct bypass_write w[8];
	unsigned int i;
	u64 t0, ms;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	fill_retired(&bt, w);
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), -EBUSY);

	bch_bypass_tracker_end_write(&w[0]);
	/* No flush: the reaper must run because the end queued it. */
	t0 = compat_now_ns();
	while (peek_nr_tables(&bt) > peek_max_retired() &&
	       compat_now_ns() - t0 < 5000000000ULL)
		usleep(1000);
	ms = (compat_now_ns() - t0) / 1000000;
	t_note("the drained layout was freed %llu ms after its last write ended",
	       (unsigned long long)ms);
	EXPECT_EQ(peek_nr_tables(&bt), peek_max_retired());
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), 0);
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 64 * KiB);

	for (i = 1; i < peek_max_retired(); i++)
		bch_bypass_tracker_end_write(&w[i]);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_same_size_noop_while_draining(void)
{
	struct bypass_tracker bt;
	struct bypass_write w[8];
	struct delayed_end d = { &w[0], 1000 };
	unsigned int i;
	pthread_t t;
	u64 t0, ms;

	/* Setting the size it already has changes nothing: nothing to wait for. */
	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	fill_retired(&bt, w);
	ASSERT(!pthread_create(&t, NULL, end_later, &d), "thread");
	t0 = compat_now_ns();
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt,
				bch_bypass_tracker_chunk_size(&bt)), 0);
	ms = (compat_now_ns() - t0) / 1000000;
	pthread_join(t, NULL);
	EXPECT(ms < 500,
	       "setting the current chunk size again waited %llu ms for an old layout to drain",
	       (unsigned long long)ms);
	for (i = 1; i < peek_max_retired(); i++)
		bch_bypass_tracker_end_write(&w[i]);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/* A store never waits for I/O: device stop waits for the store. */
static void test_fifth_layout_ebusy(void)
{
	struct bypass_tracker bt;
	struct bypass_write w[8];
	unsigned long live;
	u64 mem, t0, ms;
	unsigned int i;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	fill_retired(&bt, w);
	mem = bch_bypass_tracker_memory_bytes(&bt);
	live = compat_alloc_live();

	t0 = compat_now_ns();
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), -EBUSY);
	ms = (compat_now_ns() - t0) / 1000000;
	EXPECT(ms < 500, "-EBUSY took %llu ms", (unsigned long long)ms);

	compat_flush_system_wq();
	EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), 32 * KiB);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt), mem);
	EXPECT_EQ_U(compat_alloc_live(), live);
	EXPECT_EQ(peek_nr_tables(&bt), peek_max_retired() + 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt),
		    peek_max_retired());

	for (i = 0; i < peek_max_retired(); i++)
		bch_bypass_tracker_end_write(&w[i]);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/*
 * tracked_writes while the reaper frees layouts: every freed layout's
 * writes move into reaped_writes under ->lock, so a concurrent reader
 * never sees the total drop, nor exceed the writes begun so far.
 */
static struct bypass_tracker tw_bt;
static unsigned long tw_published;	/* writes about to begin */
static int tw_stop;
static unsigned long tw_drops, tw_over;

static void *tw_reader(void *arg)
{
	u64 prev = 0, v, hi;

	(void)arg;
	while (!__atomic_load_n(&tw_stop, __ATOMIC_ACQUIRE)) {
		v = bch_bypass_tracker_tracked_writes(&tw_bt);
		hi = __atomic_load_n(&tw_published, __ATOMIC_ACQUIRE);
		tw_drops += v < prev;
		tw_over += v > hi;
		prev = v;
	}
	return NULL;
}

static void test_tracked_writes_while_reaping(void)
{
	struct bypass_write w;
	pthread_t th;
	unsigned int i, n = 0;
	u64 t0 = compat_now_ns();

	tw_published = 0;
	tw_stop = 0;
	tw_drops = tw_over = 0;
	ASSERT(!tracker_init(&tw_bt, 1 * GiB, 1 * MiB), "init");
	ASSERT(!pthread_create(&th, NULL, tw_reader, NULL), "thread");
	compat_preempt_rate(8);
	for (i = 0; i < 2000 && compat_now_ns() - t0 < 1500000000ULL; i++) {
		__atomic_store_n(&tw_published, i + 1, __ATOMIC_RELEASE);
		write_begin(&tw_bt, &w, 2048 * (i % 64), 8);
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&tw_bt,
				(i & 1) ? 1 * MiB : 64 * KiB), 0);
		bch_bypass_tracker_end_write(&w);
		compat_flush_system_wq();	/* reaps the old layout */
		n++;
	}
	compat_preempt_rate(0);
	__atomic_store_n(&tw_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	t_note("tracked_writes while reaping: %u layouts reaped", n);
	EXPECT(!tw_drops && !tw_over,
	       "tracked_writes went down %lu times, above the writes begun %lu times",
	       tw_drops, tw_over);
	EXPECT_EQ(peek_nr_tables(&tw_bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&tw_bt), n);
	bch_bypass_tracker_exit(&tw_bt);
}

/*
 * tracked_writes comes back to 0 on re-init, also when the first life of
 * the tracker reaped layouts (reaped_writes != 0) and the memory is not
 * zeroed in between (test_init_exit_twice reaps none).
 */
static void test_reinit_resets_tracked_writes(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 0, 8);
	EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, 64 * KiB), 0);
	bch_bypass_tracker_end_write(&w);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 1);	/* reaped */
	bch_bypass_tracker_exit(&bt);
	ASSERT(!bch_bypass_tracker_init(&bt, SECTORS(1 * GiB)), "init again");
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 0);
	bch_bypass_tracker_exit(&bt);
}

/*
 * A write that finds a layout current counts its begin before the reaper
 * can see that layout empty: the begin's sched-RCU section is what makes
 * the reaper's grace period wait for it.  Writers begin and end on the
 * current layout while the main thread retires it and flushes the reaper
 * over and over, with preemption points (compat/linux/percpu.h) between
 * the load of bt->table and the per-cpu begin count.  Without the section
 * the count lands on a freed layout: ASan reports it.
 */
static struct bypass_tracker br_bt;
static int br_stop;

static void *br_writer(void *arg)
{
	struct bypass_write w;
	unsigned long i = (uintptr_t)arg;

	while (!__atomic_load_n(&br_stop, __ATOMIC_ACQUIRE)) {
		bch_bypass_tracker_write_prepare(&br_bt, &w, 2048 * (i++ % 64),
						 8);
		bch_bypass_tracker_begin_write(&w);
		bch_bypass_tracker_end_write(&w);
	}
	return NULL;
}

static void test_begin_races_reaper(void)
{
	pthread_t th[2];
	unsigned int i, n = 0;
	u64 t0 = compat_now_ns();

	br_stop = 0;
	ASSERT(!tracker_init(&br_bt, 1 * GiB, 1 * MiB), "init");
	for (i = 0; i < ARRAY_SIZE(th); i++)
		ASSERT(!pthread_create(&th[i], NULL, br_writer,
				       (void *)(uintptr_t)(i * 32)), "thread");
	compat_preempt_rate(2);
	while (compat_now_ns() - t0 < 1000000000ULL) {
		compat_flush_system_wq();
		if (peek_nr_tables(&br_bt) > peek_max_retired())
			continue;
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&br_bt,
				(n++ & 1) ? 1 * MiB : 64 * KiB), 0);
	}
	compat_preempt_rate(0);
	__atomic_store_n(&br_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ARRAY_SIZE(th); i++)
		pthread_join(th[i], NULL);
	t_note("begin vs reaper: %u layout changes", n);
	EXPECT_IDLE(&br_bt);
	bch_bypass_tracker_exit(&br_bt);
}

void suite_chunk_size(void)
{
	RUN(test_invalid_sizes,
	    "set_chunk_size: invalid sizes are -EINVAL and change nothing");
	RUN(test_enomem_changes_nothing,
	    "set_chunk_size: allocation failure is -ENOMEM and changes nothing");
	RUN(test_same_size_is_noop, "set_chunk_size: the same size is a no-op");
	RUN(test_every_size,
	    "set_chunk_size: every size 1G..4k reads back, one table's memory after reaping");
	RUN(test_swap_with_writes_in_flight,
	    "set_chunk_size: with writes in flight, old writes release on the old layout, reads consult it until it drains, the reaper frees it");
	RUN(test_drain_oldest_first,
	    "set_chunk_size: 3 layouts, the oldest drains first");
	RUN(test_drain_middle_first,
	    "set_chunk_size: 3 layouts, the middle one drains first");
	RUN(test_many_switches_reaped,
	    "set_chunk_size: 40 changes with nothing in flight leave one table");
	RUN(test_end_kicks_reaper,
	    "set_chunk_size: the end of a retired layout's last write frees it, then a change succeeds");
	RUN(test_same_size_noop_while_draining,
	    "set_chunk_size: the same size is a no-op even with MAX_RETIRED layouts draining");
	RUN(test_fifth_layout_ebusy,
	    "set_chunk_size: -EBUSY at once while MAX_RETIRED layouts drain, nothing changes");
	RUN(test_tracked_writes_while_reaping,
	    "set_chunk_size: tracked_writes never drops nor overshoots while the reaper frees layouts");
	RUN(test_begin_races_reaper,
	    "set_chunk_size: a begin racing the retire of its layout counts before the reaper frees it");
	RUN(test_reinit_resets_tracked_writes,
	    "lifecycle: re-init after layouts were reaped starts tracked_writes at 0");
}
