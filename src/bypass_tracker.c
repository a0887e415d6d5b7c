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
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "bypass_tracker.h"
#include "util.h"

/*
 * A table never has more slots than this: 64 KiB of counters per device,
 * allocated on their own so that the allocation is exactly that size.
 * Devices with more chunks share slots (see bypass_table_slot()).
 */
#define BYPASS_TABLE_MAX_SLOTS		16384U

/*
 * A write spanning more chunks than this is counted once, as "wide", which
 * makes every read miss on the device skip its fill until the write is done.
 * This bounds the work per request whatever the write size (a discard of the
 * whole device is one bio of up to 4 GiB).  Reads wider than this are
 * treated as busy when anything at all is in flight.
 */
#define BYPASS_TABLE_MAX_SPAN		16U

/* Layouts still draining after chunk_size changes, beyond the current one. */
#define BYPASS_TRACKER_MAX_RETIRED	4

/* How long a chunk_size store waits for an old layout to drain. */
#define BYPASS_TRACKER_RETIRE_WAIT	(10 * HZ)

/* How often the reaper looks again at a layout that is still draining. */
#define BYPASS_TRACKER_REAP_INTERVAL	(HZ / 50)

struct bypass_stats {
	u64	tracked_writes;
	u64	skipped_fills;
};

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
 */
struct bypass_table {
	/* Writes too wide to count chunk by chunk. */
	atomic_t			wide;
	unsigned int			chunk_shift;	/* log2(chunk sectors) */
	u32				slot_mask;	/* nr of slots - 1 */
	bool				retired;
	struct bypass_table __rcu	*older;
	struct bypass_table		*next_free;	/* reaper's list */
	struct bypass_table_pcpu __percpu *pcpu;
	atomic_t			*slots;
	size_t				bytes;		/* all of the above */
};

/*
 * Initial value: 128 KiB, for every device size.  Bigger chunks make a read
 * overlap a write more often on small devices; smaller ones make writes of
 * a few hundred KiB span more chunks than BYPASS_TABLE_MAX_SPAN.  The
 * measurements are in docs/design.md ("Default chunk size").
 */
unsigned int bypass_tracker_default_chunk_shift = 17 - SECTOR_SHIFT;

static inline u32 bypass_table_slot(const struct bypass_table *t, u64 chunk)
{
	/*
	 * Slots are indexed by chunk number modulo the table size.  On a
	 * device with no more chunks than slots this is exact; beyond that,
	 * chunks a whole table apart share a slot.  Sharing can only make a
	 * read skip a fill it could have done, never let a stale fill through.
	 */
	return chunk & t->slot_mask;
}

/* Number of chunks @t spreads over before it gives up and goes wide. */
static inline u64 bypass_table_max_span(const struct bypass_table *t)
{
	return min_t(u64, BYPASS_TABLE_MAX_SPAN, (u64)t->slot_mask + 1);
}

static void bypass_table_free(struct bypass_table *t)
{
	free_percpu(t->pcpu);
	kvfree(t->slots);
	kfree(t);
}

static struct bypass_table *bypass_table_alloc(sector_t dev_sectors,
					       unsigned int chunk_shift)
{
	struct bypass_table *t;
	u64 chunks = max_t(u64, 1, DIV_ROUND_UP_ULL(dev_sectors,
						    1ULL << chunk_shift));
	u32 slots = chunks >= BYPASS_TABLE_MAX_SLOTS ?
		BYPASS_TABLE_MAX_SLOTS : roundup_pow_of_two((u32)chunks);

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->slots = kvcalloc(slots, sizeof(*t->slots), GFP_KERNEL);
	t->pcpu = alloc_percpu(struct bypass_table_pcpu);
	if (!t->slots || !t->pcpu) {
		bypass_table_free(t);
		return NULL;
	}

	t->chunk_shift = chunk_shift;
	t->slot_mask = slots - 1;
	/* What the allocators hand out, not what was asked for. */
	t->bytes = kmalloc_size_roundup(sizeof(*t)) +
		kmalloc_size_roundup(slots * sizeof(*t->slots)) +
		num_possible_cpus() * sizeof(struct bypass_table_pcpu);
	return t;
}

/* Writes begun on @t and not ended yet; exact once no write can begin. */
static unsigned long bypass_table_inflight(struct bypass_table *t)
{
	unsigned long begun = 0, ended = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		ended += READ_ONCE(per_cpu_ptr(t->pcpu, cpu)->ended);
	smp_rmb();	/* ends before begins: never below the true count */
	for_each_possible_cpu(cpu)
		begun += READ_ONCE(per_cpu_ptr(t->pcpu, cpu)->begun);
	return begun - ended;
}

static void bypass_table_take(struct bypass_table *t, struct bypass_write *w)
{
	u64 first = w->sector >> t->chunk_shift;
	u64 last = (w->sector + w->nr_sectors - 1) >> t->chunk_shift;
	u32 i;

	this_cpu_inc(t->pcpu->begun);

	if (last - first >= bypass_table_max_span(t)) {
		atomic_inc(&t->wide);
		w->nr_slots = 0;
	} else {
		w->first_slot = bypass_table_slot(t, first);
		w->nr_slots = last - first + 1;
		for (i = 0; i < w->nr_slots; i++)
			atomic_inc(&t->slots[(w->first_slot + i) & t->slot_mask]);
	}
	w->table = t;
}

static void bypass_table_put(struct bypass_table *t,
			     const struct bypass_write *w)
{
	u32 i;

	if (!w->nr_slots)
		atomic_dec(&t->wide);
	for (i = 0; i < w->nr_slots; i++)
		atomic_dec(&t->slots[(w->first_slot + i) & t->slot_mask]);
	this_cpu_inc(t->pcpu->ended);
}

static bool bypass_table_busy(struct bypass_table *t, sector_t sector,
			      unsigned int nr_sectors)
{
	u64 first, last, chunk;

	if (atomic_read(&t->wide))
		return true;

	first = sector >> t->chunk_shift;
	last = (sector + max(nr_sectors, 1U) - 1) >> t->chunk_shift;
	/* Too wide to look at each chunk: busy if anything is in flight. */
	if (last - first >= bypass_table_max_span(t))
		return bypass_table_inflight(t) != 0;

	for (chunk = first; chunk <= last; chunk++)
		if (atomic_read(&t->slots[bypass_table_slot(t, chunk)]))
			return true;
	return false;
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

/* Is there room for one more layout that is draining? */
static bool bypass_tracker_may_retire(struct bypass_tracker *bt)
{
	return bypass_tracker_nr_retired(bt) < BYPASS_TRACKER_MAX_RETIRED;
}

/*
 * Frees the tables that are no longer current and have drained.  Runs from
 * a work item, queued when a layout is replaced, and again every
 * BYPASS_TRACKER_REAP_INTERVAL while one is still draining: polling keeps
 * the end of a write free of any check for retired tables.
 */
static void bypass_tracker_reap(struct work_struct *work)
{
	struct bypass_tracker *bt = container_of(to_delayed_work(work),
						 struct bypass_tracker,
						 reap_work);
	struct bypass_table __rcu **link;
	struct bypass_table *t, *older, *drained = NULL;
	bool draining = false;

	mutex_lock(&bt->lock);

	/*
	 * A writer that found a table current may not have counted its
	 * begin yet.  After a grace period every such writer has, so a
	 * retired table that reads empty now stays empty.
	 */
	synchronize_rcu();

	link = &bypass_tracker_current(bt)->older;
	while ((t = rcu_dereference_protected(*link,
					      lockdep_is_held(&bt->lock)))) {
		if (bypass_table_inflight(t)) {
			draining = true;
			link = &t->older;
			continue;
		}
		/* Readers still inside t follow t->older, so leave it. */
		older = rcu_dereference_protected(t->older,
						  lockdep_is_held(&bt->lock));
		rcu_assign_pointer(*link, older);
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
		wake_up_all(&bt->reaped);
	}
	if (draining)
		queue_delayed_work(system_wq, &bt->reap_work,
				   BYPASS_TRACKER_REAP_INTERVAL);
}

int bypass_tracker_init(struct bypass_tracker *bt, sector_t dev_sectors)
{
	struct bypass_table *t;

	bt->stats = alloc_percpu(struct bypass_stats);
	if (!bt->stats)
		return -ENOMEM;

	t = bypass_table_alloc(dev_sectors,
			       READ_ONCE(bypass_tracker_default_chunk_shift));
	if (!t) {
		free_percpu(bt->stats);
		bt->stats = NULL;
		return -ENOMEM;
	}

	bt->enabled = true;
	atomic_set(&bt->untracked, 0);
	bt->dev_sectors = dev_sectors;
	mutex_init(&bt->lock);
	INIT_DELAYED_WORK(&bt->reap_work, bypass_tracker_reap);
	init_waitqueue_head(&bt->reaped);
	RCU_INIT_POINTER(bt->table, t);
	return 0;
}

/*
 * Called once no I/O can reach the device any more.  Safe on a tracker whose
 * init never ran or failed: struct cached_dev is zeroed when allocated.
 */
void bypass_tracker_exit(struct bypass_tracker *bt)
{
	struct bypass_table *t, *older;

	if (!rcu_access_pointer(bt->table))
		return;

	cancel_delayed_work_sync(&bt->reap_work);

	for (t = rcu_dereference_protected(bt->table, true); t; t = older) {
		older = rcu_dereference_protected(t->older, true);
		WARN_ONCE(bypass_table_inflight(t),
			  "bcache: bypass tracker freed with %lu writes in flight\n",
			  bypass_table_inflight(t));
		bypass_table_free(t);
	}
	RCU_INIT_POINTER(bt->table, NULL);
	WARN_ONCE(atomic_read(&bt->untracked),
		  "bcache: bypass tracker freed with %d untracked writes in flight\n",
		  atomic_read(&bt->untracked));

	free_percpu(bt->stats);
	bt->stats = NULL;
}

/*
 * Records which device and range a cached-device write covers, so that the
 * write can be tracked later from a path that only has the data_insert_op.
 * Takes no counts.
 */
void bypass_tracker_write_prepare(struct bypass_tracker *bt,
				  struct bypass_write *w,
				  sector_t sector, unsigned int nr_sectors)
{
	/* A write is prepared once; doing it again would lose its counts. */
	WARN_ON_ONCE(w->table || w->untracked);
	w->tracker = bt;
	w->table = NULL;
	w->untracked = false;
	w->sector = sector;
	/* A zero-length range would make the chunk arithmetic wrap. */
	w->nr_sectors = max(nr_sectors, 1U);
}

/*
 * Starts tracking a prepared write.  Must be called before the write's
 * invalidation is issued.  Does nothing for a write that was never prepared
 * or is already tracked, so that every path that may turn a write into an
 * invalidation can call it.
 */
void bypass_tracker_begin_write(struct bypass_write *w)
{
	struct bypass_tracker *bt = w->tracker;

	if (!bt || w->table || w->untracked)
		return;

	rcu_read_lock();
	if (READ_ONCE(bt->enabled)) {
		bypass_table_take(rcu_dereference(bt->table), w);
		this_cpu_inc(bt->stats->tracked_writes);
	} else {
		/*
		 * Not tracked per chunk, but counted, so that a read after
		 * tracking is switched back on can tell that writes it knows
		 * nothing about are still in flight.
		 */
		atomic_inc(&bt->untracked);
		w->untracked = true;
	}
	rcu_read_unlock();

	/*
	 * No barrier is needed before the invalidation: the btree insert that
	 * performs it takes and releases the leaf node's write lock, and the
	 * read that later finds the range invalidated takes that lock too.
	 */
}

/*
 * Ends tracking.  Called after both the backing write and the invalidation
 * have completed, possibly from interrupt context.
 */
void bypass_tracker_end_write(struct bypass_write *w)
{
	struct bypass_tracker *bt = w->tracker;
	struct bypass_table *t = w->table;

	if (w->untracked) {
		/* Backing write completion before the count drops, as below */
		smp_mb__before_atomic();
		atomic_dec(&bt->untracked);
		w->untracked = false;
		return;
	}
	if (!t)
		return;

	/*
	 * The RCU read lock keeps @t alive until we are done with it, even if
	 * this put lets the reaper free it.
	 */
	rcu_read_lock();
	/*
	 * The backing write has completed; a read that sees these counts
	 * drop must also see its data, so order the completion first.
	 */
	smp_mb__before_atomic();
	bypass_table_put(t, w);
	rcu_read_unlock();
	w->table = NULL;
}

/**
 * bypass_tracker_may_fill - may a read cache miss insert what it reads?
 * @bt: the backing device's tracker
 * @sector: first sector of the miss, in backing device sectors
 * @nr_sectors: length of the range the miss would insert
 *
 * Returns false, and counts a skipped fill, if a tracked bypass write overlaps
 * the range, or if untracked bypass writes are still in flight.  The caller
 * must have made its placeholder key first (see cached_dev_cache_miss()).
 */
bool bypass_tracker_may_fill(struct bypass_tracker *bt, sector_t sector,
			     unsigned int nr_sectors)
{
	struct bypass_table *t;
	bool busy;

	if (!READ_ONCE(bt->enabled))
		return true;

	rcu_read_lock();
	busy = atomic_read(&bt->untracked);
	for (t = rcu_dereference(bt->table); t && !busy;
	     t = rcu_dereference(t->older))
		busy = bypass_table_busy(t, sector, nr_sectors);
	rcu_read_unlock();

	if (busy)
		this_cpu_inc(bt->stats->skipped_fills);
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

/*
 * Waits until a new layout may be added, then returns with bt->lock held.
 * Retired layouts are few because each one costs every read miss a look.
 */
static int bypass_tracker_lock_for_new_layout(struct bypass_tracker *bt)
{
	long left = BYPASS_TRACKER_RETIRE_WAIT;

	for (;;) {
		if (mutex_lock_interruptible(&bt->lock))
			return -EINTR;
		if (bypass_tracker_may_retire(bt))
			return 0;
		mutex_unlock(&bt->lock);

		left = wait_event_interruptible_timeout(bt->reaped,
							bypass_tracker_may_retire(bt),
							left);
		if (left < 0)
			return -EINTR;
		if (!left)
			return -EBUSY;
	}
}

/**
 * bypass_tracker_set_chunk_size - switch to a new chunk size
 * @bt: the tracker
 * @bytes: the new chunk size in bytes
 *
 * Safe with I/O in flight: writes already counted release on the layout
 * they counted on, and reads keep looking at that layout until it has
 * drained.  Process context only.
 *
 * Return: 0; -EINVAL for a size out of range, -ENOMEM if the new table
 * cannot be allocated, -EBUSY if old layouts did not drain in time, or
 * -EINTR.  On error nothing changes.
 */
int bypass_tracker_set_chunk_size(struct bypass_tracker *bt, u64 bytes)
{
	struct bypass_table *new, *cur;
	unsigned int shift;
	int ret;

	if (!bypass_tracker_chunk_size_valid(bytes))
		return -EINVAL;
	shift = ilog2(bytes) - SECTOR_SHIFT;

	/* Nothing to do, and nothing to wait for or allocate. */
	if (bypass_tracker_chunk_size(bt) == bytes)
		return 0;

	/* Allocate before taking the lock; a failure changes nothing. */
	new = bypass_table_alloc(bt->dev_sectors, shift);
	if (!new)
		return -ENOMEM;

	ret = bypass_tracker_lock_for_new_layout(bt);
	if (ret) {
		bypass_table_free(new);
		return ret;
	}

	/* Someone else may have set this size while we waited. */
	cur = bypass_tracker_current(bt);
	if (cur->chunk_shift == shift) {
		mutex_unlock(&bt->lock);
		bypass_table_free(new);
		return 0;
	}

	RCU_INIT_POINTER(new->older, cur);
	WRITE_ONCE(cur->retired, true);
	rcu_assign_pointer(bt->table, new);
	mutex_unlock(&bt->lock);

	mod_delayed_work(system_wq, &bt->reap_work, 0);
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

u64 bypass_tracker_tracked_writes(struct bypass_tracker *bt)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(bt->stats, cpu)->tracked_writes;
	return n;
}

u64 bypass_tracker_skipped_fills(struct bypass_tracker *bt)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(bt->stats, cpu)->skipped_fills;
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
