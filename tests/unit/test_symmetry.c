// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that what a write takes it gives back, exactly once:
 * - begin twice counts once; end twice, end without begin, begin after
 *   end, prepare without begin: no count moves, none goes below 0;
 *   prepare fully initialises memory a request left behind (request.c
 *   never begins or ends a write it did not prepare: see track_bypass);
 * - writes begun while tracking is off are counted as untracked and
 *   released as such, whatever "enabled" is when they end; tracked writes
 *   still release after tracking is switched off;
 * - may_fill() returns false, and counts a skipped fill, exactly when a
 *   write overlaps (or untracked writes are in flight) and tracking is on;
 *   it returns true when tracking is off;
 * - over 200000 random calls checked against a model (begin, end,
 *   prepare, reuse of a request's memory, enable toggles, may_fill,
 *   chunk size changes),
 *   inflight_writes, untracked, tracked_writes and skipped_fills always
 *   match, and every counter of every layout is 0 at the end.
 */
#include <pthread.h>

#include <string.h>

#include "unit.h"

static void test_begin_twice(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	struct peek_table pt;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 3, 8);
	bch_bypass_tracker_begin_write(&w);
	bch_bypass_tracker_begin_write(&w);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.inflight, 1);
	EXPECT_EQ(pt.slot_sum, 1);
	EXPECT_EQ(peek_slot(&bt, 0, 3), 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 1);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_end_twice(void)
{
	struct bypass_tracker bt;
	struct bypass_write w, w2;
	struct peek_table pt;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 3, 8);
	write_begin(&bt, &w2, 2048 * 3 + 8, 8);	/* same chunk */
	bch_bypass_tracker_end_write(&w);
	bch_bypass_tracker_end_write(&w);
	/* w2 still holds its count: the second end took nothing of it. */
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.inflight, 1);
	EXPECT_EQ(peek_slot(&bt, 0, 3), 1);
	EXPECT_FILL(&bt, 2048 * 3, 1, false);
	bch_bypass_tracker_end_write(&w2);
	bch_bypass_tracker_end_write(&w2);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.min_slot, 0);
	EXPECT_EQ(pt.inflight, 0);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_unbegun_writes(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");

	/*
	 * Prepare fully initialises a request's memory, which a mempool hands
	 * over with whatever the last request left in it.
	 */
	memset(&w, 0xa5, sizeof(w));
	bch_bypass_tracker_write_prepare(&bt, &w, 4096, 8);
	EXPECT_EQ(w.state, BYPASS_WRITE_IDLE);

	/* prepare without begin: a write that never bypassed. */
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 4096, 8, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 0);

	/* Same while tracking is off: nothing untracked either. */
	bch_bypass_tracker_set_enabled(&bt, false);
	bch_bypass_tracker_write_prepare(&bt, &w, 4096, 8);
	bch_bypass_tracker_end_write(&w);
	bch_bypass_tracker_set_enabled(&bt, true);
	EXPECT_IDLE(&bt);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 0);
	bch_bypass_tracker_exit(&bt);
}

static void test_untracked_writes(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	u64 skipped;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	EXPECT(bch_bypass_tracker_enabled(&bt), "enabled by default");
	bch_bypass_tracker_set_enabled(&bt, false);
	write_begin(&bt, &w, 2048 * 7, 8);
	bch_bypass_tracker_begin_write(&w);	/* still counted once */
	EXPECT_EQ(w.state, BYPASS_WRITE_UNTRACKED);
	EXPECT_EQ(bch_bypass_tracker_untracked_writes(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 0);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 0);

	/* Off: reads do not consult the tracker, and count nothing. */
	EXPECT_FILL(&bt, 2048 * 7, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 0);

	/*
	 * On again: the tracker cannot tell where the untracked write is, so
	 * every read skips its fill until it ends.
	 */
	bch_bypass_tracker_set_enabled(&bt, true);
	skipped = bch_bypass_tracker_skipped_fills(&bt);
	EXPECT_FILL(&bt, 2048 * 7, 8, false);
	EXPECT_FILL(&bt, 2048 * 500, 8, false);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), skipped + 2);

	bch_bypass_tracker_end_write(&w);
	EXPECT_EQ(w.state, BYPASS_WRITE_DONE);
	bch_bypass_tracker_end_write(&w);
	/* An ended write does not begin again. */
	bch_bypass_tracker_begin_write(&w);
	EXPECT_EQ(w.state, BYPASS_WRITE_DONE);
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 2048 * 500, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), skipped + 2);

	/* Begun and ended while off. */
	bch_bypass_tracker_set_enabled(&bt, false);
	write_begin(&bt, &w, 0, 8);
	bch_bypass_tracker_end_write(&w);
	bch_bypass_tracker_set_enabled(&bt, true);
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 0, 8, true);
	bch_bypass_tracker_exit(&bt);
}

static void test_tracked_release_after_disable(void)
{
	struct bypass_tracker bt;
	struct bypass_write w, u;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 2048 * 9, 8);
	bch_bypass_tracker_set_enabled(&bt, false);
	EXPECT_FILL(&bt, 2048 * 9, 8, true);	/* off: not consulted */
	write_begin(&bt, &u, 2048 * 9, 8);	/* untracked */
	bch_bypass_tracker_begin_write(&w);	/* already tracked: no-op */
	EXPECT_EQ(bch_bypass_tracker_untracked_writes(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);
	bch_bypass_tracker_end_write(&w);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 0);
	bch_bypass_tracker_set_enabled(&bt, true);
	EXPECT_FILL(&bt, 2048 * 100, 8, false);	/* u is still out there */
	bch_bypass_tracker_end_write(&u);
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 2048 * 100, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 1);
	bch_bypass_tracker_exit(&bt);
}

static void test_may_fill_counts_skips(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	EXPECT_FILL(&bt, 0, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 0);

	write_begin(&bt, &w, 2048 * 4, 8);
	EXPECT_FILL(&bt, 2048 * 4, 8, false);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 1);
	EXPECT_FILL(&bt, 2048 * 5, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 1);
	EXPECT_FILL(&bt, 2048 * 4 + 2047, 1, false);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 2);

	bch_bypass_tracker_set_enabled(&bt, false);
	EXPECT_FILL(&bt, 2048 * 4, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 2);
	bch_bypass_tracker_set_enabled(&bt, true);

	bch_bypass_tracker_end_write(&w);
	EXPECT_FILL(&bt, 2048 * 4, 8, true);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), 2);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), 1);
	bch_bypass_tracker_exit(&bt);
}

static void *end_in_thread(void *arg)
{
	bch_bypass_tracker_end_write(arg);
	return NULL;
}

static void test_end_on_another_thread(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	pthread_t t;

	/* Completions run on whatever CPU the bio completes on. */
	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, 0, 8);
	ASSERT(!pthread_create(&t, NULL, end_in_thread, &w), "thread");
	pthread_join(t, NULL);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/* --- random sequences against a model ------------------------------------ */

/*
 * M_NONE: memory of a request that is not a prepared write; request.c calls
 * neither begin nor end on it (see track_bypass in patch 0002).
 */
enum model_state { M_NONE, M_PREPARED, M_TRACKED, M_UNTRACKED, M_DONE };

struct model_write {
	struct bypass_write	w;
	enum model_state	state;
	sector_t		sector;
	unsigned int		nr;
};

static bool overlaps(sector_t a, unsigned int an, sector_t b, unsigned int bn)
{
	u64 ae = a + max(an, 1U), be = b + max(bn, 1U);

	return a < be && b < ae;
}

static void test_random_sequences(void)
{
	static const u64 sizes[] = { 4 * KiB, 64 * KiB, 1 * MiB, 32 * MiB,
				     1 * GiB };
	struct model_write mw[64];
	struct bypass_tracker bt;
	u64 rs = 12345, tracked = 0, skipped = 0, dev = SECTORS(4 * GiB);
	unsigned int i, step, n_tracked = 0, n_untracked = 0;
	bool enabled = true;

	ASSERT(!tracker_init(&bt, 4 * GiB, 1 * MiB), "init");
	for (i = 0; i < ARRAY_SIZE(mw); i++) {
		memset(&mw[i].w, 0xa5, sizeof(mw[i].w));
		mw[i].state = M_NONE;
	}

	for (step = 0; step < 200000 && !t_failed(); step++) {
		struct model_write *m = &mw[rnd_below(&rs, ARRAY_SIZE(mw))];
		unsigned int op = rnd_below(&rs, 100);

		if (op < 5) {			/* memory reused */
			if (m->state == M_NONE || m->state == M_PREPARED ||
			    m->state == M_DONE) {
				memset(&m->w, (int)rnd_below(&rs, 256),
				       sizeof(m->w));
				m->state = M_NONE;
			}
		} else if (op < 20) {		/* cached_dev_write() */
			if (m->state == M_NONE || m->state == M_PREPARED ||
			    m->state == M_DONE) {
				m->sector = rnd_below(&rs, dev);
				m->nr = rnd_below(&rs, 8) ?
					rnd_below(&rs, 4096) :
					rnd_below(&rs, 1U << 23);
				bch_bypass_tracker_write_prepare(&bt, &m->w,
						m->sector, m->nr);
				m->state = M_PREPARED;
			}
		} else if (op < 45) {		/* begin */
			if (m->state != M_NONE)
				bch_bypass_tracker_begin_write(&m->w);
			if (m->state == M_PREPARED) {
				m->state = enabled ? M_TRACKED : M_UNTRACKED;
				tracked += enabled;
				n_tracked += enabled;
				n_untracked += !enabled;
			}
		} else if (op < 70) {		/* end */
			if (m->state != M_NONE)
				bch_bypass_tracker_end_write(&m->w);
			if (m->state == M_TRACKED)
				n_tracked--;
			if (m->state == M_UNTRACKED)
				n_untracked--;
			if (m->state == M_TRACKED || m->state == M_UNTRACKED)
				m->state = M_DONE;
		} else if (op < 72) {
			enabled = !enabled;
			bch_bypass_tracker_set_enabled(&bt, enabled);
		} else if (op < 73 && !rnd_below(&rs, 20)) {
			u64 bytes = sizes[rnd_below(&rs, ARRAY_SIZE(sizes))];

			/* With all old layouts busy it would wait 10 s. */
			compat_flush_system_wq();
			if (peek_nr_tables(&bt) <= peek_max_retired())
				EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt,
						bytes), 0);
		} else {			/* a read miss */
			sector_t s;
			unsigned int nr = rnd_below(&rs, 256);
			bool must_skip = false, may_fill;
			unsigned int j;

			s = (m->state == M_TRACKED && rnd_below(&rs, 2)) ?
				m->sector + rnd_below(&rs, max(m->nr, 1U)) :
				rnd_below(&rs, dev);
			for (j = 0; j < ARRAY_SIZE(mw); j++)
				if (mw[j].state == M_TRACKED &&
				    overlaps(s, nr, mw[j].sector, mw[j].nr))
					must_skip = true;
			if (n_untracked)
				must_skip = true;
			may_fill = bch_bypass_tracker_may_fill(&bt, s, nr);
			skipped += !may_fill;
			if (!enabled)
				EXPECT(may_fill, "step %u: tracking off, but may_fill(%llu, %u) is false",
				       step, (unsigned long long)s, nr);
			else if (must_skip)
				EXPECT(!may_fill, "step %u: may_fill(%llu, %u) is true with an overlapping write in flight",
				       step, (unsigned long long)s, nr);
			else if (!n_tracked)
				EXPECT(may_fill, "step %u: may_fill(%llu, %u) is false with nothing in flight",
				       step, (unsigned long long)s, nr);
		}

		EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), n_tracked);
		EXPECT_EQ(bch_bypass_tracker_untracked_writes(&bt),
			  n_untracked);
		/* While the reaper frees layouts: each counted once. */
		EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), tracked);
	}

	for (i = 0; i < ARRAY_SIZE(mw); i++)
		if (mw[i].state != M_NONE)
			bch_bypass_tracker_end_write(&mw[i].w);
	EXPECT_IDLE(&bt);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), tracked);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), skipped);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), tracked);
	t_note("random sequences: %llu tracked writes, %llu skipped fills",
	       (unsigned long long)tracked, (unsigned long long)skipped);
	bch_bypass_tracker_exit(&bt);
}

void suite_symmetry(void)
{
	RUN(test_begin_twice, "symmetry: begin twice counts once");
	RUN(test_end_twice,
	    "symmetry: end twice releases once and takes nothing of another write");
	RUN(test_unbegun_writes,
	    "symmetry: end without begin, prepare over junk, prepare without begin, begin after end");
	RUN(test_untracked_writes,
	    "symmetry: writes begun while disabled are untracked, make reads skip after re-enable, release");
	RUN(test_tracked_release_after_disable,
	    "symmetry: tracked writes release after disable; enable toggling");
	RUN(test_may_fill_counts_skips,
	    "may_fill: false and skipped_fills++ only when busy; true when disabled");
	RUN(test_end_on_another_thread,
	    "symmetry: end on another thread than begin");
	RUN(test_random_sequences,
	    "symmetry: 200000 random calls match a model, all counters 0 at the end");
}
