/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read-only access to the tracker's private state, for the tests: the
 * layouts (struct bypass_table) and their counters.  Level 0 is the
 * current layout, level 1 the one it replaced, and so on.
 */
#ifndef UNIT_PEEK_H
#define UNIT_PEEK_H

#include <linux/types.h>

struct bypass_tracker;

struct peek_table {
	unsigned int	chunk_shift;	/* log2(chunk sectors) */
	u32		nr_slots;
	int		inflight;
	int		wide;
	int		coarse_writes;	/* writes counted on the coarse level */
	unsigned int	coarse_shift;
	u32		nr_coarse_slots;
	s64		coarse_sum;
	bool		retired;
	size_t		bytes;
	s64		slot_sum;
	u32		nonzero_slots;
	int		min_slot;
};

unsigned int peek_nr_tables(struct bypass_tracker *bt);
bool peek_table(struct bypass_tracker *bt, unsigned int level,
		struct peek_table *out);
int peek_slot(struct bypass_tracker *bt, unsigned int level, u32 slot);

/*
 * True if no table holds a count and nothing is untracked; otherwise
 * false, with what is not idle in @why.
 */
bool peek_idle(struct bypass_tracker *bt, char *why, size_t len);

/* The tracker's own constants and sizes. */
size_t peek_table_header_bytes(void);
size_t peek_slot_bytes(void);
size_t peek_table_pcpu_bytes(void);
size_t peek_stats_bytes(void);
u32 peek_max_slots(void);
u32 peek_max_span(void);
unsigned int peek_max_retired(void);
u32 peek_max_coarse_span(void);
u32 peek_max_coarse_slots(void);

#endif
