// SPDX-License-Identifier: GPL-2.0
/*
 * The code under test: bypass_tracker.c as the patches of src/dkms/series
 * make it (scripts/prepare-source --tracker assembles it; the Makefile's
 * SRC), compiled against compat/ in this translation unit so that the tests
 * can also read its private state through the accessors below.  They only
 * read.
 */
#include "bypass_tracker.c"
#include "peek.h"

/* Caller holds rcu_read_lock(). */
static struct bypass_table *peek_level(struct bypass_tracker *bt,
				       unsigned int level)
{
	struct bypass_table *t = rcu_dereference(bt->table);

	while (t && level--)
		t = rcu_dereference(t->older);
	return t;
}

unsigned int peek_nr_tables(struct bypass_tracker *bt)
{
	struct bypass_table *t;
	unsigned int n = 0;

	rcu_read_lock();
	for (t = rcu_dereference(bt->table); t; t = rcu_dereference(t->older))
		n++;
	rcu_read_unlock();
	return n;
}

bool peek_table(struct bypass_tracker *bt, unsigned int level,
		struct peek_table *out)
{
	struct bypass_table *t;
	u32 i;

	memset(out, 0, sizeof(*out));
	rcu_read_lock();
	t = peek_level(bt, level);
	if (t) {
		out->chunk_shift = t->chunk_shift;
		out->nr_slots = t->slot_mask + 1;
		out->inflight = (int)bypass_table_inflight(t);
		out->wide = atomic_read(&t->wide);
		out->coarse_writes = atomic_read(&t->coarse_writes);
		out->coarse_shift = t->coarse_shift;
		out->nr_coarse_slots = t->coarse_mask + 1;
		for (i = 0; i < out->nr_coarse_slots; i++)
			out->coarse_sum += atomic_read(&t->coarse[i]);
		out->retired = READ_ONCE(t->retired);
		out->bytes = t->bytes;
		out->min_slot = INT_MAX;
		for (i = 0; i < out->nr_slots; i++) {
			int v = atomic_read(&t->slots[i]);

			out->slot_sum += v;
			out->nonzero_slots += v != 0;
			if (v < out->min_slot)
				out->min_slot = v;
		}
	}
	rcu_read_unlock();
	return t != NULL;
}

int peek_slot(struct bypass_tracker *bt, unsigned int level, u32 slot)
{
	struct bypass_table *t;
	int v = INT_MIN;

	rcu_read_lock();
	t = peek_level(bt, level);
	if (t && slot <= t->slot_mask)
		v = atomic_read(&t->slots[slot]);
	rcu_read_unlock();
	return v;
}

bool peek_idle(struct bypass_tracker *bt, char *why, size_t len)
{
	struct peek_table pt;
	unsigned int level;
	int untracked = atomic_read(&bt->untracked);

	if (untracked) {
		snprintf(why, len, "untracked = %d", untracked);
		return false;
	}
	for (level = 0; peek_table(bt, level, &pt); level++) {
		if (pt.inflight || pt.wide || pt.nonzero_slots) {
			snprintf(why, len,
				 "table %u (chunk 2^%u sectors): inflight %d, wide %d, %u slots nonzero, slot sum %lld",
				 level, pt.chunk_shift, pt.inflight, pt.wide,
				 pt.nonzero_slots, (long long)pt.slot_sum);
			return false;
		}
	}
	return true;
}

size_t peek_table_header_bytes(void)
{
	return sizeof(struct bypass_table);
}

size_t peek_slot_bytes(void)
{
	return sizeof(*((struct bypass_table *)0)->slots);
}

size_t peek_table_pcpu_bytes(void)
{
	return sizeof(struct bypass_table_pcpu);
}

size_t peek_stats_bytes(void)
{
	return sizeof(struct bypass_stats);
}

u32 peek_max_slots(void)
{
	return BYPASS_TABLE_MAX_SLOTS;
}

u32 peek_max_span(void)
{
	return BYPASS_TABLE_MAX_SPAN;
}

unsigned int peek_max_retired(void)
{
	return BYPASS_TRACKER_MAX_RETIRED;
}

u32 peek_max_coarse_slots(void)
{
	return BYPASS_TABLE_MAX_COARSE_SLOTS;
}

u32 peek_max_coarse_span(void)
{
	return BYPASS_TABLE_MAX_COARSE_SPAN;
}
