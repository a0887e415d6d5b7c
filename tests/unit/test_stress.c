// SPDX-License-Identifier: GPL-2.0
/*
 * Proves the tracker's core invariant under concurrency: while a write is
 * between the return of its begin and the call of its end, may_fill() on
 * any range overlapping it returns false whenever tracking is on for the
 * whole may_fill() call, whether the write was tracked (enabled at begin)
 * or untracked (disabled at begin), and whatever the chunk size does.
 *
 * Writer threads begin and end random writes (small, medium, wider than
 * MAX_SPAN chunks) and publish each one, seqlock-style, while it is in
 * flight; reader threads check overlapping ranges of published writes; a
 * checker thread does the same on its own writes, from the same thread;
 * a flipper thread changes the chunk size through 4k..1G, toggles
 * "enabled" and reads inflight_writes, memory_bytes and chunk_size as
 * sysfs would.  RCU readers are preempted now and then (see
 * compat_preempt_rate()).  Afterwards every counter of every layout, inflight_writes
 * and untracked are exactly 0, the reaper has left one table,
 * tracked_writes and skipped_fills match what the threads counted, and no
 * layout change failed.  Under ASan this also catches use-after-free of a
 * reaped layout; under TSan, data races.
 *
 * UNIT_STRESS_SECONDS sets the duration (default 2).
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <linux/atomic.h>

#include "unit.h"

#define NR_WRITERS	3
#define NR_READERS	2
#define DEV_BYTES	(64 * GiB)

struct published {
	u64		seq;	/* odd while the write is in flight */
	u64		sector;
	u32		nr;
	char		pad[64 - 20];
};

struct thread_stats {
	u64	writes, tracked, untracked;
	u64	checks, skips, fills;
	u64	layout_changes, toggles, change_errors;
	u64	violations;
};

static struct bypass_tracker bt;
static struct published pub[NR_WRITERS + 1];
static u64 en_epoch;	/* even: enabled */
static int stop;
static pthread_mutex_t violation_lock = PTHREAD_MUTEX_INITIALIZER;
static char violation[300];

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void random_range(u64 *rs, sector_t *sector, unsigned int *nr)
{
	unsigned int kind = rnd_below(rs, 10);

	*sector = rnd_below(rs, SECTORS(DEV_BYTES));
	if (kind < 7)
		*nr = rnd_below(rs, 257);		/* up to 128 KiB */
	else if (kind < 9)
		*nr = rnd_below(rs, SECTORS(64 * MiB)) + 1;
	else
		*nr = rnd_below(rs, SECTORS(4 * GiB)) + 1;
}

static void hold(u64 *rs)
{
	unsigned int kind = rnd_below(rs, 10);

	if (kind < 5)
		return;
	if (kind < 9) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 100000 + rnd_below(rs, 900000) };

		nanosleep(&ts, NULL);
	}
}

static void publish(struct published *p, sector_t sector, unsigned int nr)
{
	__atomic_store_n(&p->sector, sector, __ATOMIC_RELAXED);
	__atomic_store_n(&p->nr, nr, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->seq, 1, __ATOMIC_RELEASE);	/* odd */
}

static void unpublish(struct published *p)
{
	__atomic_fetch_add(&p->seq, 1, __ATOMIC_RELEASE);	/* even */
}

static void begin_counted(struct bypass_write *w, struct thread_stats *st,
			  u64 *rs, sector_t sector, unsigned int nr)
{
	bch_bypass_tracker_write_prepare(&bt, w, sector, nr);
	bch_bypass_tracker_begin_write(w);
	if (!rnd_below(rs, 16))
		bch_bypass_tracker_begin_write(w);
	st->writes++;
	st->tracked += w->state >= BYPASS_WRITE_FINE;
	st->untracked += w->state == BYPASS_WRITE_UNTRACKED;
}

static void end_counted(struct bypass_write *w, u64 *rs)
{
	bch_bypass_tracker_end_write(w);
	if (!rnd_below(rs, 16))
		bch_bypass_tracker_end_write(w);
}

/* A read range that overlaps [sector, sector + max(nr, 1)). */
static void overlapping(u64 *rs, sector_t sector, unsigned int nr,
			sector_t *rsector, unsigned int *rnr)
{
	u64 len = max(nr, 1U);
	sector_t hit = sector + rnd_below(rs, len);
	u64 before = rnd_below(rs, min_t(u64, hit, 64));

	*rsector = hit - before;
	*rnr = before + 1 + rnd_below(rs, 64);
	if (!rnd_below(rs, 8))
		*rnr = 0;	/* means 1 */
	if (!*rnr && before)
		*rsector = hit;
}

/*
 * One check: returns false on a violation.  Only counts as a check if the
 * write stayed in flight and tracking stayed on throughout.
 */
static void check_one(struct thread_stats *st, u64 *rs, struct published *p,
		      bool own)
{
	u64 s1, s2, e1, e2;
	sector_t sector, rsector;
	unsigned int nr, rnr;
	bool fill;

	s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
	if (!(s1 & 1))
		return;
	sector = __atomic_load_n(&p->sector, __ATOMIC_RELAXED);
	nr = __atomic_load_n(&p->nr, __ATOMIC_RELAXED);
	overlapping(rs, sector, nr, &rsector, &rnr);

	e1 = __atomic_load_n(&en_epoch, __ATOMIC_SEQ_CST);
	fill = bch_bypass_tracker_may_fill(&bt, rsector, rnr);
	/* Read the epoch and seq again only after may_fill()'s loads. */
	smp_mb();
	e2 = __atomic_load_n(&en_epoch, __ATOMIC_SEQ_CST);
	s2 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);

	st->skips += !fill;
	st->fills += fill;
	if (s1 != s2 || e1 != e2 || (e1 & 1))
		return;
	st->checks++;
	if (!fill)
		return;
	st->violations++;
	pthread_mutex_lock(&violation_lock);
	if (!violation[0])
		snprintf(violation, sizeof(violation),
			 "%s write [%llu, +%u) in flight, tracking on, but may_fill(%llu, %u) is true (chunk size now %llu)",
			 own ? "own" : "published",
			 (unsigned long long)sector, nr,
			 (unsigned long long)rsector, rnr,
			 (unsigned long long)bch_bypass_tracker_chunk_size(&bt));
	pthread_mutex_unlock(&violation_lock);
}

struct worker {
	pthread_t		thread;
	unsigned int		index;
	struct thread_stats	st;
};

static void *writer(void *arg)
{
	struct worker *me = arg;
	struct published *p = &pub[me->index];
	u64 rs = 0x1234567ULL * (me->index + 1);

	while (!stopping()) {
		struct bypass_write w;
		sector_t sector;
		unsigned int nr;

		random_range(&rs, &sector, &nr);
		begin_counted(&w, &me->st, &rs, sector, nr);
		publish(p, sector, nr);
		hold(&rs);
		unpublish(p);
		end_counted(&w, &rs);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct worker *me = arg;
	u64 rs = 0xabcdefULL * (me->index + 1);

	while (!stopping()) {
		unsigned int j = rnd_below(&rs, NR_WRITERS + 1);

		if (rnd_below(&rs, 4)) {
			check_one(&me->st, &rs, &pub[j], false);
		} else {
			sector_t s;
			unsigned int nr;
			bool fill;

			random_range(&rs, &s, &nr);
			fill = bch_bypass_tracker_may_fill(&bt, s, nr % 512);
			me->st.skips += !fill;
			me->st.fills += fill;
		}
	}
	return NULL;
}

static void *checker(void *arg)
{
	struct worker *me = arg;
	struct published *p = &pub[NR_WRITERS];
	u64 rs = 0x5eedULL;

	while (!stopping()) {
		struct bypass_write w;
		sector_t sector;
		unsigned int nr, k;

		random_range(&rs, &sector, &nr);
		begin_counted(&w, &me->st, &rs, sector, nr);
		publish(p, sector, nr);
		for (k = 0; k < 16; k++)
			check_one(&me->st, &rs, p, true);
		unpublish(p);
		end_counted(&w, &rs);
	}
	return NULL;
}

static void set_enabled_epoch(bool enabled)
{
	if (!enabled) {
		__atomic_fetch_add(&en_epoch, 1, __ATOMIC_SEQ_CST);	/* odd */
		/* The epoch goes odd before "enabled" can be seen off. */
		smp_mb();
		bch_bypass_tracker_set_enabled(&bt, false);
	} else {
		bch_bypass_tracker_set_enabled(&bt, true);
		/* "enabled" is seen on before the epoch goes even. */
		smp_mb();
		__atomic_fetch_add(&en_epoch, 1, __ATOMIC_SEQ_CST);	/* even */
	}
}

static void *flipper(void *arg)
{
	struct worker *me = arg;
	u64 rs = 0xf11bULL;
	bool enabled = true;

	while (!stopping()) {
		struct timespec ts = { 0, 50000 + rnd_below(&rs, 250000) };

		if (!enabled) {
			/* Off for one short sleep at a time: mostly on. */
			enabled = true;
			set_enabled_epoch(true);
			me->st.toggles++;
		} else if (rnd_below(&rs, 10) < 7) {
			u64 bytes = 4 * KiB << rnd_below(&rs, 19);
			int ret = bch_bypass_tracker_set_chunk_size(&bt, bytes);

			me->st.layout_changes++;
			if (ret) {
				me->st.change_errors++;
				pthread_mutex_lock(&violation_lock);
				if (!violation[0])
					snprintf(violation, sizeof(violation),
						 "set_chunk_size(%llu) = %d",
						 (unsigned long long)bytes,
						 ret);
				pthread_mutex_unlock(&violation_lock);
			}
		} else {
			enabled = false;
			set_enabled_epoch(false);
			me->st.toggles++;
		}
		/* What sysfs reads do meanwhile: walk the layouts. */
		bch_bypass_tracker_inflight_writes(&bt);
		bch_bypass_tracker_memory_bytes(&bt);
		bch_bypass_tracker_chunk_size(&bt);
		nanosleep(&ts, NULL);
	}
	if (!enabled)
		set_enabled_epoch(true);
	return NULL;
}

static void test_stress(void)
{
	struct worker w[NR_WRITERS + NR_READERS + 2];
	struct thread_stats sum = { 0 };
	double seconds = t_env_double("UNIT_STRESS_SECONDS", 2);
	unsigned long gp0 = compat_rcu_grace_periods();
	struct timespec ts;
	unsigned int i, n = 0;

	ASSERT(!tracker_init(&bt, DEV_BYTES, 1 * MiB), "init");
	memset(pub, 0, sizeof(pub));
	memset(w, 0, sizeof(w));
	en_epoch = 0;
	stop = 0;
	violation[0] = '\0';

	for (i = 0; i < NR_WRITERS; i++, n++) {
		w[n].index = i;
		ASSERT(!pthread_create(&w[n].thread, NULL, writer, &w[n]), "thread");
	}
	for (i = 0; i < NR_READERS; i++, n++) {
		w[n].index = i;
		ASSERT(!pthread_create(&w[n].thread, NULL, reader, &w[n]), "thread");
	}
	ASSERT(!pthread_create(&w[n].thread, NULL, checker, &w[n]), "thread");
	n++;
	ASSERT(!pthread_create(&w[n].thread, NULL, flipper, &w[n]), "thread");
	n++;

	/* Preempt inside RCU readers now and then, as PREEMPT_RCU may. */
	compat_preempt_rate(64);
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		sum.writes += w[i].st.writes;
		sum.tracked += w[i].st.tracked;
		sum.untracked += w[i].st.untracked;
		sum.checks += w[i].st.checks;
		sum.skips += w[i].st.skips;
		sum.fills += w[i].st.fills;
		sum.layout_changes += w[i].st.layout_changes;
		sum.toggles += w[i].st.toggles;
		sum.change_errors += w[i].st.change_errors;
		sum.violations += w[i].st.violations;
	}
	compat_preempt_rate(0);

	t_note("stress %.1f s: %llu writes (%llu tracked, %llu untracked), %llu invariant checks, %llu skipped / %llu filled, %llu layout changes, %llu toggles, %lu grace periods",
	       seconds, (unsigned long long)sum.writes,
	       (unsigned long long)sum.tracked,
	       (unsigned long long)sum.untracked,
	       (unsigned long long)sum.checks, (unsigned long long)sum.skips,
	       (unsigned long long)sum.fills,
	       (unsigned long long)sum.layout_changes,
	       (unsigned long long)sum.toggles,
	       compat_rcu_grace_periods() - gp0);
	EXPECT(!sum.violations && !sum.change_errors,
	       "%llu violations, %llu failed layout changes; first: %s",
	       (unsigned long long)sum.violations,
	       (unsigned long long)sum.change_errors, violation);
	EXPECT(sum.checks > 100 && sum.tracked > 100 && sum.untracked &&
	       sum.layout_changes > 10,
	       "too little happened to prove anything (%llu checks)",
	       (unsigned long long)sum.checks);

	EXPECT(bch_bypass_tracker_enabled(&bt), "left disabled");
	EXPECT_IDLE(&bt);
	compat_flush_system_wq();
	EXPECT_EQ(peek_nr_tables(&bt), 1);
	EXPECT_EQ_U(bch_bypass_tracker_memory_bytes(&bt),
		    tracker_bytes(DEV_BYTES,
				  bch_bypass_tracker_chunk_size(&bt)));
	EXPECT_EQ_U(bch_bypass_tracker_tracked_writes(&bt), sum.tracked);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt), sum.skips);
	bch_bypass_tracker_exit(&bt);
}

void suite_stress(void)
{
	RUN(test_stress,
	    "stress: writers, readers, a checker and a chunk size/enabled flipper; invariant holds, all counters 0 after");
}
