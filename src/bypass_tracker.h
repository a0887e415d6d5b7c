/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bcache bypass tracker: keeps a read cache miss from filling the cache with
 * data that an in-flight bypass write is about to overwrite on the backing
 * device.  See docs/design.md for the race, the contract and the ordering
 * argument.
 */
#ifndef _BCACHE_BYPASS_TRACKER_H
#define _BCACHE_BYPASS_TRACKER_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/* Chunk sizes the tracker accepts, in bytes: powers of two in this range. */
#define BYPASS_TRACKER_MIN_CHUNK	SZ_4K
#define BYPASS_TRACKER_MAX_CHUNK	SZ_1G

struct bypass_table;
struct bypass_stats;

/* Per backing device; embedded in struct cached_dev. */
struct bypass_tracker {
	/* The layout new writes count on; older layouts hang off it. */
	struct bypass_table __rcu	*table;
	bool				enabled;
	/* bypass_tracker_exit() is waiting for the writes in flight. */
	bool				dying;
	/*
	 * Writes no table counts that a read miss must still respect: bypass
	 * writes begun while disabled, and writes sent to the backing device
	 * while no cache was attached.
	 */
	atomic_t			untracked;
	struct bypass_stats __percpu	*stats;
	sector_t			dev_sectors;

	/* Serialises layout changes and the freeing of drained layouts. */
	struct mutex			lock;
	/* Writes counted on layouts already freed; under ->lock. */
	u64				reaped_writes;
	unsigned long			retire_seq;
	struct work_struct		reap_work;
	wait_queue_head_t		idle;

	struct kobject			kobj;
	struct kobject			*sysfs_parent;
};

/*
 * What a struct bypass_write holds; see there.  The order matters: the
 * states from BYPASS_WRITE_UNTRACKED on hold counts that
 * bypass_tracker_end_write() must give back.
 */
enum bypass_write_state {
	BYPASS_WRITE_IDLE,		/* prepared, holds nothing yet */
	BYPASS_WRITE_DONE,		/* ended, holds nothing any more */
	BYPASS_WRITE_UNTRACKED,		/* counted in tracker->untracked */
	BYPASS_WRITE_FINE,		/* counts on table->slots */
	BYPASS_WRITE_COARSE,		/* counts on table->coarse */
	BYPASS_WRITE_WIDE,		/* counted in table->wide */
};

/*
 * Per request; embedded in struct data_insert_op, so in every struct search
 * and moving_io, hence the unions.  It records exactly what a write took, so
 * that the release is symmetric by construction whatever happens to the
 * tracker in between.  Only bcache's request code touches it, and only for a
 * write to a cached device, which bypass_tracker_write_prepare() sets up.
 */
struct bypass_write {
	union {
		/* IDLE, UNTRACKED: the tracker of the write's device */
		struct bypass_tracker	*tracker;
		/* FINE, COARSE, WIDE: the table the counts are on */
		struct bypass_table	*table;
		/* DONE: neither; the table may have been freed */
	};
	union {
		sector_t		sector;		/* IDLE: first sector */
		u64			first_chunk;	/* FINE, COARSE */
	};
	union {
		unsigned int		nr_sectors;	/* IDLE */
		unsigned int		nr_slots;	/* FINE, COARSE */
	};
	u8				state;
};

int bypass_tracker_init(struct bypass_tracker *bt, sector_t dev_sectors);
void bypass_tracker_exit(struct bypass_tracker *bt);

/*
 * Records which device and range a cached-device write covers, so that the
 * write can be tracked later from a path that only has the data_insert_op.
 * Takes no counts.  Inline: every write to a cached device runs it.
 */
static inline void bypass_tracker_write_prepare(struct bypass_tracker *bt,
						struct bypass_write *w,
						sector_t sector,
						unsigned int nr_sectors)
{
	w->tracker = bt;
	w->sector = sector;
	/* A zero-length range would make the chunk arithmetic wrap. */
	w->nr_sectors = max(nr_sectors, 1U);
	w->state = BYPASS_WRITE_IDLE;
}

void bypass_tracker_begin_write(struct bypass_write *w);
void __bypass_tracker_end_write(struct bypass_write *w);

/*
 * Ends the tracking of a prepared write, if it began.  Inline, so that a
 * write that went through the cache, which never began, costs no call.
 */
static inline void bypass_tracker_end_write(struct bypass_write *w)
{
	if (w->state >= BYPASS_WRITE_UNTRACKED)
		__bypass_tracker_end_write(w);
}

void bypass_tracker_begin_detached(struct bypass_tracker *bt);
void bypass_tracker_end_detached(struct bypass_tracker *bt);

bool bypass_tracker_may_fill(struct bypass_tracker *bt, sector_t sector,
			     unsigned int nr_sectors);

int bypass_tracker_parse_chunk_size(const char *buf, size_t len, u64 *bytes);
int bypass_tracker_set_chunk_size(struct bypass_tracker *bt, u64 bytes);
u64 bypass_tracker_chunk_size(struct bypass_tracker *bt);
void bypass_tracker_set_enabled(struct bypass_tracker *bt, bool enabled);
bool bypass_tracker_enabled(struct bypass_tracker *bt);

u64 bypass_tracker_inflight_writes(struct bypass_tracker *bt);
u64 bypass_tracker_tracked_writes(struct bypass_tracker *bt);
u64 bypass_tracker_skipped_fills(struct bypass_tracker *bt);
u64 bypass_tracker_memory_bytes(struct bypass_tracker *bt);
unsigned int bypass_tracker_untracked_writes(struct bypass_tracker *bt);

/* Default chunk size for devices registered from now on, in sectors, log2. */
extern unsigned int bypass_tracker_default_chunk_shift;

int bypass_tracker_add_sysfs(struct bypass_tracker *bt,
			     struct kobject *parent);
void bypass_tracker_del_sysfs(struct bypass_tracker *bt);
void bypass_tracker_module_init(void);

#endif /* _BCACHE_BYPASS_TRACKER_H */
