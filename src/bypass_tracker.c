// SPDX-License-Identifier: GPL-2.0
/*
 * bcache bypass tracker.
 *
 * A bypass write invalidates its range in the btree as soon as it starts,
 * while its data is still on the way to the backing device.  A read that
 * misses in that window reads the old data from the backing device and,
 * without this tracker, inserts it into the cache, where it stays after the
 * write has completed: every later read returns stale data.
 *
 * The tracker counts in-flight bypass writes per chunk of the backing
 * device.  A write takes its counts before the invalidation is issued and
 * drops them after both the backing write and the invalidation are done.  A
 * read miss that overlaps a counted chunk is served from the backing device
 * and does not fill the cache; it never waits.
 *
 * Nothing here allocates on the I/O path.  Counter tables are allocated when
 * the backing device is registered or when the chunk size is changed, both in
 * process context, and a failure there changes nothing.
 *
 * The only counters a write shares with other CPUs are the slots of its own
 * chunks; how many writes a table holds is kept per CPU (begun/ended), so
 * that writers on different chunks do not bounce a common cache line.
 *
 * Every bypass write runs bypass_tracker_begin_write() and
 * __bypass_tracker_end_write(), so they are kept short: one sched-RCU
 * (preempt-disabled) section each, which synchronize_rcu() waits for as it
 * does for rcu_read_lock() but which costs no call on a preemptible
 * kernel; one per-CPU increment, which also counts tracked_writes; and one
 * atomic per chunk it touches, or per coarse chunk plus one for a write too
 * wide for the fine level.
 *
 * See docs/design.md for the ordering argument and the alternatives.
 */

#define pr_fmt(fmt) "bcache: " fmt

#include <linux/atomic.h>
#include <linux/blk_types.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/u64_stats_sync.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "bypass_tracker.h"
#include "util.h"

/*
 * A table never has more slots than this: 64 KiB of counters per device,
 * allocated on their own so that the allocation is exactly that size.
 * Devices with more chunks share slots (see bypass_slots_add()).
 */
#define BYPASS_TABLE_MAX_SLOTS		16384U

/*
 * The coarse level is only for writes over 16 chunks, which are rare, so it
 * gets fewer slots: 4 KiB of them, exact up to 32 GiB at the default chunk
 * size, shared beyond.
 */
#define BYPASS_TABLE_MAX_COARSE_SLOTS	1024U

/*
 * A write spanning more chunks than this is counted on the coarse level
 * instead (see struct bypass_table), so that the work per request stays
 * bounded whatever the write size.
 */
#define BYPASS_TABLE_MAX_SPAN		16U

/*
 * Coarse chunks are 256 fine chunks, and never smaller than 32 MiB: a bio
 * carries at most 4 GiB (bi_size is 32 bits), so any write spans at most
 * 129 coarse chunks, and the coarse level has enough slots for any write
 * within the device.  A range wider than the level (no bio reaches the
 * tracker with one) is counted as "wide" and makes every read miss skip
 * its fill, so that no range goes uncounted.
 */
#define BYPASS_COARSE_FACTOR_SHIFT	8
#define BYPASS_COARSE_MIN_SHIFT		(25 - SECTOR_SHIFT)
#define BYPASS_TABLE_MAX_COARSE_SPAN	160U

/*
 * A read miss inserts at most BIO_MAX_VECS pages (1 MiB); at the smallest
 * chunk size, not aligned to a chunk, that is 257 chunks.  Reads are
 * checked chunk by chunk up to this many; beyond it (no caller in bcache),
 * a read is busy if anything at all is in flight, which a loop over the
 * CPUs tells.
 */
#define BYPASS_TABLE_MAX_READ_SPAN	257U

/* Layouts still draining after chunk_size changes, beyond the current one. */
#define BYPASS_TRACKER_MAX_RETIRED	4

/* How often a teardown that waits for stuck writes says so. */
#define BYPASS_TRACKER_EXIT_WARN	(60 * HZ)

/*
 * Skipped fills, per CPU.  u64_stats: a plain u64 read by another CPU tears
 * on 32-bit kernels; on 64-bit ones this is a plain per-CPU increment and
 * single loads.  Tracked writes need no counter of their own: they are the
 * writes begun on the tables (see bypass_tracker_tracked_writes()).
 */
struct bypass_stats {
	u64_stats_t		skipped_fills;
	struct u64_stats_sync	syncp;
};

static void bypass_stats_skipped_fill(struct bypass_tracker *bt)
{
	/* Only from process context: btree lookups. */
	struct bypass_stats *st = get_cpu_ptr(bt->stats);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->skipped_fills);
	u64_stats_update_end(&st->syncp);
	put_cpu_ptr(bt->stats);
}

/*
 * Writes that began and ended on a table, counted on the CPU where each
 * happened.  Per CPU they only grow, and every end follows its begin, so
 * "ended" summed before "begun" never exceeds it, and once no write can
 * begin any more, equal sums mean the table is empty for good.  Unsigned
 * long, so that a sum that wraps still gives the right difference.
 */
struct bypass_table_pcpu {
	unsigned long	begun;
	unsigned long	ended;
};

/*
 * One layout of counters.  A write counts on the table that is current when
 * it begins and releases on that same table, whatever the chunk size is by
 * then.  Reads look at the current table and at every older one that has not
 * been freed yet.
 *
 * Two levels: a write of up to BYPASS_TABLE_MAX_SPAN chunks counts on the
 * fine slots, one per chunk it touches; a wider one counts on the coarse
 * slots, one per coarse chunk.  A read looks at both, but at the coarse
 * slots only while some write counts there, so a read among small writes
 * pays for one more load from a line it already reads.
 */
struct bypass_table {
	/* Read by every read miss and bypass write: together on one line. */
	atomic_t			coarse_writes;
	atomic_t			wide;
	unsigned int			chunk_shift;	/* log2(chunk sectors) */
	unsigned int			coarse_shift;
	u32				slot_mask;	/* nr of slots - 1 */
	u32				coarse_mask;
	/* Widest write, in chunks - 1, that each level counts. */
	u32				fine_span;
	u32				coarse_span;
	atomic_t			*slots;
	atomic_t			*coarse;
	struct bypass_table_pcpu __percpu *pcpu;
	struct bypass_tracker		*tracker;
	/* Set once no write can begin on it; its writes then kick the reaper. */
	bool				retired;
	/* bt->retire_seq when it was retired; see bypass_tracker_reap(). */
	unsigned long			retire_seq;
	struct bypass_table __rcu	*older;
	struct bypass_table		*next_free;	/* reaper's list */
	size_t				bytes;		/* all of the above */
};

/*
 * Initial value: 128 KiB, for every device size.  Bigger chunks make a read
 * overlap a write more often on small devices; smaller ones make writes of
 * a few hundred KiB span more chunks than BYPASS_TABLE_MAX_SPAN.  The
 * measurements are in docs/design.md ("Default chunk size").
 */
unsigned int bypass_tracker_default_chunk_shift = 17 - SECTOR_SHIFT;

/*
 * Slots are indexed by chunk number modulo the number of slots.  On a device
 * with no more chunks than slots this is exact; beyond that, chunks a whole
 * table apart share a slot.  Sharing can only make a read skip a fill it
 * could have done, never let a stale fill through.
 */
static void bypass_slots_add(atomic_t *slots, u32 mask, u64 first, u32 n,
			     int v)
{
	u32 i;

	for (i = 0; i < n; i++)
		atomic_add(v, &slots[(first + i) & mask]);
}

/* Is any slot of chunks @first..@last non-zero?  @last - @first < mask. */
static bool bypass_slots_busy(atomic_t *slots, u32 mask, u64 first, u64 last)
{
	u64 chunk;

	for (chunk = first; chunk <= last; chunk++)
		if (atomic_read(&slots[chunk & mask]))
			return true;
	return false;
}

static void bypass_table_free(struct bypass_table *t)
{
	free_percpu(t->pcpu);
	kvfree(t->coarse);
	kvfree(t->slots);
	kfree(t);
}

/* Slots for a level of @chunks chunks: a power of two, at most @max. */
static u32 bypass_table_nr_slots(u64 chunks, u32 max)
{
	return chunks >= max ? max :
		roundup_pow_of_two((u32)max_t(u64, chunks, 1));
}

static struct bypass_table *bypass_table_alloc(struct bypass_tracker *bt,
					       sector_t dev_sectors,
					       unsigned int chunk_shift)
{
	unsigned int coarse_shift = max_t(unsigned int,
					  chunk_shift + BYPASS_COARSE_FACTOR_SHIFT,
					BYPASS_COARSE_MIN_SHIFT);
	u32 slots = bypass_table_nr_slots(DIV_ROUND_UP_ULL(dev_sectors,
							   1ULL << chunk_shift),
					  BYPASS_TABLE_MAX_SLOTS);
	u32 coarse = bypass_table_nr_slots(DIV_ROUND_UP_ULL(dev_sectors,
							    1ULL << coarse_shift),
					   BYPASS_TABLE_MAX_COARSE_SLOTS);
	struct bypass_table *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->slots = kvcalloc(slots, sizeof(*t->slots), GFP_KERNEL);
	t->coarse = kvcalloc(coarse, sizeof(*t->coarse), GFP_KERNEL);
	t->pcpu = alloc_percpu(struct bypass_table_pcpu);
	if (!t->slots || !t->coarse || !t->pcpu) {
		bypass_table_free(t);
		return NULL;
	}

	t->chunk_shift = chunk_shift;
	t->coarse_shift = coarse_shift;
	t->slot_mask = slots - 1;
	t->coarse_mask = coarse - 1;
	t->fine_span = min(BYPASS_TABLE_MAX_SPAN, slots) - 1;
	t->coarse_span = min(BYPASS_TABLE_MAX_COARSE_SPAN, coarse) - 1;
	t->tracker = bt;
	/* What the allocators hand out, not what was asked for. */
	t->bytes = kmalloc_size_roundup(sizeof(*t)) +
		kmalloc_size_roundup(slots * sizeof(*t->slots)) +
		kmalloc_size_roundup(coarse * sizeof(*t->coarse)) +
		num_possible_cpus() * sizeof(struct bypass_table_pcpu);
	return t;
}

/* Writes begun on @t so far; exact once no write can begin on it. */
static unsigned long bypass_table_begun(struct bypass_table *t)
{
	unsigned long begun = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		begun += READ_ONCE(per_cpu_ptr(t->pcpu, cpu)->begun);
	return begun;
}

/* Writes begun on @t and not ended yet; exact once no write can begin. */
static unsigned long bypass_table_inflight(struct bypass_table *t)
{
	unsigned long begun, ended = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		ended += READ_ONCE(per_cpu_ptr(t->pcpu, cpu)->ended);
	smp_rmb();	/* ends before begins: never below the true count */
	begun = bypass_table_begun(t);
	return begun - ended;
}

/* Counts @w, prepared, on @t: one level, one slot per chunk it touches. */
static void bypass_table_take(struct bypass_table *t, struct bypass_write *w)
{
	sector_t end = w->sector + w->nr_sectors - 1;
	u64 first = w->sector >> t->chunk_shift;
	u64 last = end >> t->chunk_shift;

	this_cpu_inc(t->pcpu->begun);

	if (likely(last - first <= t->fine_span)) {
		w->state = BYPASS_WRITE_FINE;
		bypass_slots_add(t->slots, t->slot_mask, first,
				 last - first + 1, 1);
	} else {
		first = w->sector >> t->coarse_shift;
		last = end >> t->coarse_shift;
		if (last - first <= t->coarse_span) {
			w->state = BYPASS_WRITE_COARSE;
			bypass_slots_add(t->coarse, t->coarse_mask, first,
					 last - first + 1, 1);
			atomic_inc(&t->coarse_writes);
		} else {
			w->state = BYPASS_WRITE_WIDE;
			atomic_inc(&t->wide);
		}
	}
	/* From here on @w says where its counts are, not what it covers. */
	w->table = t;
	w->first_chunk = first;
	w->nr_slots = last - first + 1;
}

/* Gives back exactly what bypass_table_take() recorded in @w. */
static void bypass_table_put(struct bypass_table *t,
			     const struct bypass_write *w)
{
	switch (w->state) {
	case BYPASS_WRITE_FINE:
		bypass_slots_add(t->slots, t->slot_mask, w->first_chunk,
				 w->nr_slots, -1);
		break;
	case BYPASS_WRITE_COARSE:
		atomic_dec(&t->coarse_writes);
		bypass_slots_add(t->coarse, t->coarse_mask, w->first_chunk,
				 w->nr_slots, -1);
		break;
	default:
		atomic_dec(&t->wide);
		break;
	}
	this_cpu_inc(t->pcpu->ended);
}

static bool bypass_table_busy(struct bypass_table *t, sector_t sector,
			      unsigned int nr_sectors)
{
	sector_t end = sector + max(nr_sectors, 1U) - 1;
	u64 first, last;

	if (atomic_read(&t->wide))
		return true;

	if (atomic_read(&t->coarse_writes)) {
		first = sector >> t->coarse_shift;
		last = end >> t->coarse_shift;
		/* A range as wide as the level covers every slot. */
		last = min(last, first + t->coarse_mask);
		if (bypass_slots_busy(t->coarse, t->coarse_mask, first, last))
			return true;
	}

	first = sector >> t->chunk_shift;
	last = end >> t->chunk_shift;
	if (last - first >= BYPASS_TABLE_MAX_READ_SPAN)
		return bypass_table_inflight(t) != 0;
	last = min(last, first + t->slot_mask);
	return bypass_slots_busy(t->slots, t->slot_mask, first, last);
}

static struct bypass_table *bypass_tracker_current(struct bypass_tracker *bt)
{
	return rcu_dereference_protected(bt->table,
					 lockdep_is_held(&bt->lock));
}

static unsigned int bypass_tracker_nr_retired(struct bypass_tracker *bt)
{
	struct bypass_table *t;
	unsigned int n = 0;

	rcu_read_lock();
	for (t = rcu_dereference(bt->table); t; t = rcu_dereference(t->older))
		n += READ_ONCE(t->retired);
	rcu_read_unlock();
	return n;
}

/* Is any write on any table, or counted in ->untracked, still in flight? */
static bool bypass_tracker_busy(struct bypass_tracker *bt)
{
	return atomic_read(&bt->untracked) ||
		bypass_tracker_inflight_writes(bt);
}

/*
 * Frees the tables that are no longer current and have drained.  Runs from
 * a work item, queued when a layout is replaced and by the end of every
 * write on a retired table, so it runs once per event, never on a timer,
 * however long a write stays stuck.
 */
static void bypass_tracker_reap(struct work_struct *work)
{
	struct bypass_tracker *bt = container_of(work, struct bypass_tracker,
						 reap_work);
	struct bypass_table __rcu **link;
	struct bypass_table *t, *older, *drained = NULL;
	/*
	 * A writer that found a table current may not have counted its begin
	 * yet.  Tables retired up to @seq were replaced before this load (the
	 * store is a release after the publish), so after a grace period
	 * every writer that found one of them current has counted, and such a
	 * table that reads empty now stays empty.  Tables retired later get a
	 * pass of their own: retiring one queues this work again.  No lock is
	 * held across the grace period.  Writers and readers of the I/O path
	 * use sched-RCU, preempt-disabled sections, which synchronize_rcu()
	 * waits for since the RCU flavours were consolidated in v5.0.
	 */
	unsigned long seq = smp_load_acquire(&bt->retire_seq);

	synchronize_rcu();

	mutex_lock(&bt->lock);
	link = &bypass_tracker_current(bt)->older;
	while ((t = rcu_dereference_protected(*link,
					      lockdep_is_held(&bt->lock)))) {
		if (t->retire_seq > seq || bypass_table_inflight(t)) {
			link = &t->older;
			continue;
		}
		/* Readers still inside t follow t->older, so leave it. */
		older = rcu_dereference_protected(t->older,
						  lockdep_is_held(&bt->lock));
		rcu_assign_pointer(*link, older);
		bt->reaped_writes += bypass_table_begun(t);
		t->next_free = drained;
		drained = t;
	}
	mutex_unlock(&bt->lock);

	if (drained) {
		/* Readers, and writers ending on t, are done with it after this. */
		synchronize_rcu();
		while (drained) {
			t = drained;
			drained = t->next_free;
			bypass_table_free(t);
		}
	}
	/* bypass_tracker_exit() waits for the current table to drain too. */
	if (READ_ONCE(bt->dying))
		wake_up_all(&bt->idle);
}

/*
 * Queues a reaper pass, from the end of a write on a retired table (any
 * context) or after a layout was retired.
 */
static void bypass_tracker_kick(struct bypass_tracker *bt)
{
	/*
	 * What the caller stored (end counts, retire_seq) must be visible to
	 * the pass this queues or to one already queued that has not read it
	 * yet; queue_work() promises that only when it returns true.
	 */
	smp_mb();
	queue_work(system_wq, &bt->reap_work);
}

int bypass_tracker_init(struct bypass_tracker *bt, sector_t dev_sectors)
{
	struct bypass_table *t;
	int cpu;

	bt->stats = alloc_percpu(struct bypass_stats);
	if (!bt->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(bt->stats, cpu)->syncp);

	t = bypass_table_alloc(bt, dev_sectors,
			       READ_ONCE(bypass_tracker_default_chunk_shift));
	if (!t) {
		free_percpu(bt->stats);
		bt->stats = NULL;
		return -ENOMEM;
	}

	bt->enabled = true;
	bt->dying = false;
	atomic_set(&bt->untracked, 0);
	bt->retire_seq = 0;
	bt->reaped_writes = 0;
	bt->dev_sectors = dev_sectors;
	mutex_init(&bt->lock);
	INIT_WORK(&bt->reap_work, bypass_tracker_reap);
	init_waitqueue_head(&bt->idle);
	RCU_INIT_POINTER(bt->table, t);
	return 0;
}

/*
 * Called when the device goes away, in process context, once no new bio can
 * reach it.  Bypass writes still in flight (a device stopped from an I/O
 * error path, say) end on this tracker's memory, so wait for them before
 * freeing it: the current table is retired, so that each of its writes
 * kicks the reaper as it ends, and the reaper, like the last untracked
 * write, wakes us.  Safe on a tracker whose init never ran or failed:
 * struct cached_dev is zeroed when allocated.
 */
void bypass_tracker_exit(struct bypass_tracker *bt)
{
	struct bypass_table *t, *older;

	if (!rcu_access_pointer(bt->table))
		return;

	mutex_lock(&bt->lock);
	t = bypass_tracker_current(bt);
	WRITE_ONCE(bt->dying, true);
	WRITE_ONCE(t->retired, true);
	mutex_unlock(&bt->lock);
	/*
	 * The reaper pass queued here waits for a grace period before it
	 * wakes us: a write that ended on the now retired current table either
	 * ran its read-side section before that (its put is then visible to
	 * our check) or saw ->retired and kicks another pass.
	 */
	bypass_tracker_kick(bt);
	while (!wait_event_timeout(bt->idle, !bypass_tracker_busy(bt),
				   BYPASS_TRACKER_EXIT_WARN))
		pr_warn("bypass tracker: device teardown still waiting for %llu tracked and %d other writes\n",
			(unsigned long long)bypass_tracker_inflight_writes(bt),
			atomic_read(&bt->untracked));
	/*
	 * The last write may have dropped its count and not yet left its
	 * read-side section, where it still reads the table, kicks the
	 * reaper or wakes us.
	 */
	synchronize_rcu();
	cancel_work_sync(&bt->reap_work);

	for (t = rcu_dereference_protected(bt->table, true); t; t = older) {
		older = rcu_dereference_protected(t->older, true);
		bypass_table_free(t);
	}
	RCU_INIT_POINTER(bt->table, NULL);

	free_percpu(bt->stats);
	bt->stats = NULL;
}

/*
 * Starts tracking a prepared write.  Must be called before the write's
 * invalidation is issued.  Does nothing for a write that is already tracked
 * or has ended, so that every path that may turn a write into an
 * invalidation can call it.
 */
void bypass_tracker_begin_write(struct bypass_write *w)
{
	struct bypass_tracker *bt;

	if (w->state != BYPASS_WRITE_IDLE)
		return;
	bt = w->tracker;

	if (likely(READ_ONCE(bt->enabled))) {
		/*
		 * Sched-RCU keeps the table alive until the take is counted
		 * (see bypass_tracker_reap()).
		 */
		rcu_read_lock_sched();
		bypass_table_take(rcu_dereference_sched(bt->table), w);
		rcu_read_unlock_sched();
	} else {
		/*
		 * Not tracked per chunk, but counted, so that a read after
		 * tracking is switched back on can tell that writes it knows
		 * nothing about are still in flight.
		 */
		atomic_inc(&bt->untracked);
		w->state = BYPASS_WRITE_UNTRACKED;
	}

	/*
	 * No barrier is needed before the invalidation: the btree insert that
	 * performs it takes and releases the leaf node's write lock, and the
	 * read that later finds the range invalidated takes that lock too.
	 */
}

static void bypass_tracker_put_untracked(struct bypass_tracker *bt)
{
	/*
	 * Fully ordered: the decrement comes before the read of ->dying.  In
	 * an RCU read-side section, so that bypass_tracker_exit(), which may
	 * see the count drop before we wake it, waits for us to be done.  Not
	 * a sched-RCU one: on PREEMPT_RT, wake_up_all() may sleep.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&bt->untracked) && READ_ONCE(bt->dying))
		wake_up_all(&bt->idle);
	rcu_read_unlock();
}

/*
 * Ends tracking; bypass_tracker_end_write() calls this for a write that
 * began.  Called after both the backing write and the invalidation have
 * completed, possibly from interrupt context.
 *
 * No barrier orders the backing write's completion before the counts drop:
 * a read that sees them drop reads the backing device afterwards, and the
 * device returns the new data to any read issued after the write completed.
 * Nothing in memory is handed over.
 */
void __bypass_tracker_end_write(struct bypass_write *w)
{
	struct bypass_table *t = w->table;

	if (w->state == BYPASS_WRITE_UNTRACKED) {
		bypass_tracker_put_untracked(w->tracker);
		w->state = BYPASS_WRITE_DONE;
		return;
	}

	/*
	 * The sched-RCU section keeps @t alive until we are done with it,
	 * even if this put lets the reaper free it.  Reading ->retired in the
	 * same section is what makes the kick reliable: a reaper pass whose
	 * grace period began before this section either waits for it and
	 * then sees the put, or this section sees ->retired set.  Kicking
	 * queues work, which any context may do.
	 */
	rcu_read_lock_sched();
	bypass_table_put(t, w);
	if (unlikely(READ_ONCE(t->retired)))
		bypass_tracker_kick(t->tracker);
	rcu_read_unlock_sched();
	w->state = BYPASS_WRITE_DONE;
}

/*
 * A write that goes straight to the backing device because the device has
 * no cache attached (cached_dev_get() failed) is counted in ->untracked from
 * before the caller tries cached_dev_get() again until the write completes.
 * A cache set attached in between would otherwise let a read miss fill the
 * range with the old data.  The barrier pairs with the one in
 * cached_dev_get() on the reading side: either the caller's second
 * cached_dev_get() sees the attach, or the read that got its reference
 * from the attach sees this count.
 */
void bypass_tracker_begin_detached(struct bypass_tracker *bt)
{
	atomic_inc(&bt->untracked);
	/* The count before the caller's second look at dc->count. */
	smp_mb__after_atomic();
}

void bypass_tracker_end_detached(struct bypass_tracker *bt)
{
	bypass_tracker_put_untracked(bt);
}

/**
 * bypass_tracker_may_fill - may a read cache miss insert what it reads?
 * @bt: the backing device's tracker
 * @sector: first sector of the miss, in backing device sectors
 * @nr_sectors: length of the range the miss would insert
 *
 * Returns false, and counts a skipped fill, if a tracked bypass write overlaps
 * the range, or if untracked or detached writes are still in flight.  The
 * caller must hold the lock of the btree leaf where it found the miss (see
 * cached_dev_cache_miss()).
 */
bool bypass_tracker_may_fill(struct bypass_tracker *bt, sector_t sector,
			     unsigned int nr_sectors)
{
	struct bypass_table *t;
	bool busy;

	if (!READ_ONCE(bt->enabled))
		return true;

	rcu_read_lock_sched();
	busy = atomic_read(&bt->untracked);
	for (t = rcu_dereference_sched(bt->table); t && !busy;
	     t = rcu_dereference_sched(t->older))
		busy = bypass_table_busy(t, sector, nr_sectors);
	rcu_read_unlock_sched();

	if (busy)
		bypass_stats_skipped_fill(bt);
	return !busy;
}

static bool bypass_tracker_chunk_size_valid(u64 bytes)
{
	return is_power_of_2(bytes) &&
		bytes >= BYPASS_TRACKER_MIN_CHUNK &&
		bytes <= BYPASS_TRACKER_MAX_CHUNK;
}

/**
 * bypass_tracker_parse_chunk_size - parse and validate a chunk size
 * @buf: digits, an optional k/M/G suffix and an optional trailing newline
 * @len: length of @buf; an embedded NUL byte makes the input invalid
 * @bytes: the size in bytes, written only on success
 *
 * The value itself is parsed by bcache's bch_strtoull_h(), as the flash
 * volume "size" file is.  That parser wraps silently on overflow and accepts
 * suffixes up to 'y', so the syntax is checked here first.
 *
 * Return: 0, or -EINVAL for anything but a power of two from 4k to 1G.
 */
int bypass_tracker_parse_chunk_size(const char *buf, size_t len, u64 *bytes)
{
	/* Up to 20 digits, one suffix, NUL: anything longer is invalid. */
	char copy[24];
	unsigned long long v;
	size_t n = 0;

	if (!buf || !len || strnlen(buf, len) != len)
		return -EINVAL;
	if (buf[len - 1] == '\n')
		len--;

	while (n < len && isdigit(buf[n]))
		n++;
	if (!n || n > 20)
		return -EINVAL;
	if (n < len && !(n + 1 == len && strchr("kKmMgG", buf[n])))
		return -EINVAL;

	/* Digits alone first: bch_strtoull_h() would wrap on overflow. */
	memcpy(copy, buf, n);
	copy[n] = '\0';
	if (kstrtoull(copy, 10, &v))
		return -EINVAL;
	/* Then with the suffix, and only the @len bytes checked above. */
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (bch_strtoull_h(copy, &v))
		return -EINVAL;
	if (!bypass_tracker_chunk_size_valid(v))
		return -EINVAL;

	*bytes = v;
	return 0;
}

/**
 * bypass_tracker_set_chunk_size - switch to a new chunk size
 * @bt: the tracker
 * @bytes: the new chunk size in bytes
 *
 * Safe with I/O in flight: writes already counted release on the layout
 * they counted on, and reads keep looking at that layout until it has
 * drained.  Process context only.  Never waits for I/O: a store from sysfs
 * holds the file active, and device stop waits for that.
 *
 * Return: 0; -EINVAL for a size out of range, -ENOMEM if the new table
 * cannot be allocated, or -EBUSY if BYPASS_TRACKER_MAX_RETIRED old layouts
 * are still draining (each costs every read miss a look).  On error nothing
 * changes.
 */
int bypass_tracker_set_chunk_size(struct bypass_tracker *bt, u64 bytes)
{
	struct bypass_table *new, *cur;
	unsigned int shift;

	if (!bypass_tracker_chunk_size_valid(bytes))
		return -EINVAL;
	shift = ilog2(bytes) - SECTOR_SHIFT;

	/* Nothing to do, and nothing to allocate. */
	if (bypass_tracker_chunk_size(bt) == bytes)
		return 0;

	/* Allocate before taking the lock; a failure changes nothing. */
	new = bypass_table_alloc(bt, bt->dev_sectors, shift);
	if (!new)
		return -ENOMEM;

	/* Held briefly, never across I/O or a grace period. */
	mutex_lock(&bt->lock);
	cur = bypass_tracker_current(bt);
	/* Someone else may have set this size meanwhile. */
	if (cur->chunk_shift == shift) {
		mutex_unlock(&bt->lock);
		bypass_table_free(new);
		return 0;
	}
	if (bypass_tracker_nr_retired(bt) >= BYPASS_TRACKER_MAX_RETIRED) {
		/*
		 * Old layouts that drained may just not have been reaped
		 * yet: let the reaper run, which waits for a grace period,
		 * never for I/O.
		 */
		mutex_unlock(&bt->lock);
		flush_work(&bt->reap_work);
		mutex_lock(&bt->lock);
		cur = bypass_tracker_current(bt);
		if (cur->chunk_shift == shift ||
		    bypass_tracker_nr_retired(bt) >= BYPASS_TRACKER_MAX_RETIRED) {
			mutex_unlock(&bt->lock);
			bypass_table_free(new);
			return cur->chunk_shift == shift ? 0 : -EBUSY;
		}
	}

	RCU_INIT_POINTER(new->older, cur);
	cur->retire_seq = bt->retire_seq + 1;
	WRITE_ONCE(cur->retired, true);
	rcu_assign_pointer(bt->table, new);
	/* After the publish: see bypass_tracker_reap(). */
	smp_store_release(&bt->retire_seq, cur->retire_seq);
	mutex_unlock(&bt->lock);

	/* A pass already queued must see the new retire_seq, or run again. */
	bypass_tracker_kick(bt);
	return 0;
}

u64 bypass_tracker_chunk_size(struct bypass_tracker *bt)
{
	u64 bytes;

	rcu_read_lock();
	bytes = 1ULL << (rcu_dereference(bt->table)->chunk_shift + SECTOR_SHIFT);
	rcu_read_unlock();
	return bytes;
}

/*
 * Writes already tracked still release after tracking is switched off.
 * Writes begun while it is off are counted in ->untracked, and while any of
 * them is in flight every read miss skips its fill.
 */
void bypass_tracker_set_enabled(struct bypass_tracker *bt, bool enabled)
{
	WRITE_ONCE(bt->enabled, enabled);
}

bool bypass_tracker_enabled(struct bypass_tracker *bt)
{
	return READ_ONCE(bt->enabled);
}

/* Writes the tables count; untracked ones are not "tracked right now". */
u64 bypass_tracker_inflight_writes(struct bypass_tracker *bt)
{
	struct bypass_table *t;
	u64 n = 0;

	rcu_read_lock();
	for (t = rcu_dereference(bt->table); t; t = rcu_dereference(t->older))
		n += bypass_table_inflight(t);
	rcu_read_unlock();
	return n;
}

/*
 * The writes begun on every table, freed ones included.  Under ->lock, so
 * that a table the reaper frees is counted once, either in ->reaped_writes
 * or on its own.  On a 32-bit kernel, each table counts modulo 2^32.
 */
u64 bypass_tracker_tracked_writes(struct bypass_tracker *bt)
{
	struct bypass_table *t;
	u64 n;

	mutex_lock(&bt->lock);
	n = bt->reaped_writes;
	for (t = bypass_tracker_current(bt); t;
	     t = rcu_dereference_protected(t->older,
					   lockdep_is_held(&bt->lock)))
		n += bypass_table_begun(t);
	mutex_unlock(&bt->lock);
	return n;
}

u64 bypass_tracker_skipped_fills(struct bypass_tracker *bt)
{
	unsigned int start;
	u64 n = 0, v;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct bypass_stats *st = per_cpu_ptr(bt->stats, cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			v = u64_stats_read(&st->skipped_fills);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		n += v;
	}
	return n;
}

u64 bypass_tracker_memory_bytes(struct bypass_tracker *bt)
{
	struct bypass_table *t;
	u64 n = (u64)num_possible_cpus() * sizeof(struct bypass_stats);

	rcu_read_lock();
	for (t = rcu_dereference(bt->table); t; t = rcu_dereference(t->older))
		n += t->bytes;
	rcu_read_unlock();
	return n;
}

unsigned int bypass_tracker_untracked_writes(struct bypass_tracker *bt)
{
	return atomic_read(&bt->untracked);
}
