// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that the chunk arithmetic is right at every edge:
 * - a write counts exactly the chunks it touches: ranges that end exactly
 *   at a chunk boundary, start at one, cover one sector, sector 0, the last
 *   sector of the device, or span two chunks, for every chunk size from
 *   4 KiB to 1 GiB;
 * - on an exact layout, reads of the other chunks are not held back;
 * - nr_sectors 0 counts as one sector, not as a wrap-around;
 * - sector numbers beyond the table, up to 2^64 - 1 and wrapping past it,
 *   alias modulo the table or go wide, but never lose the write's own
 *   chunks (a randomised property check over 7 device geometries);
 * - writes wider than BYPASS_TABLE_MAX_SPAN chunks make every range busy
 *   until they end, and cost O(1) even for a whole-device 4 GiB discard.
 */
#include <linux/log2.h>

#include "unit.h"

static const u64 chunk_sizes[] = { 4 * KiB, 64 * KiB, 1 * MiB, 32 * MiB,
				   1 * GiB };

#define NR_TEST_CHUNKS	64	/* exact layout: one slot per chunk */

static void expect_only_slots(struct bypass_tracker *bt, u32 first, u32 n,
			      const char *what, u64 chunk)
{
	struct peek_table pt;
	u32 i;

	peek_table(bt, 0, &pt);
	for (i = 0; i < n; i++)
		if (peek_slot(bt, 0, (first + i) & (pt.nr_slots - 1)) != 1)
			t_fail_at(__FILE__, __LINE__,
				  "%s at %llu KiB chunks: slot %u is %d, expected 1",
				  what, (unsigned long long)(chunk >> 10),
				  (first + i) & (pt.nr_slots - 1),
				  peek_slot(bt, 0,
					    (first + i) & (pt.nr_slots - 1)));
	if (pt.slot_sum != n || pt.wide || pt.inflight != 1)
		t_fail_at(__FILE__, __LINE__,
			  "%s at %llu KiB chunks: slot sum %lld, wide %d, inflight %d; expected %u, 0, 1",
			  what, (unsigned long long)(chunk >> 10),
			  (long long)pt.slot_sum, pt.wide, pt.inflight, n);
}

static void test_write_ending_at_boundary(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]), c = 5;

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		/* The last 4 KiB of chunk c: ends exactly where c + 1 starts. */
		write_begin(&bt, &w, (c + 1) * cs - 8, 8);
		expect_only_slots(&bt, c, 1, "write ending at a boundary",
				  chunk_sizes[i]);
		EXPECT_FILL(&bt, (c + 1) * cs, 8, true);
		EXPECT_FILL(&bt, (c + 1) * cs, 0, true);
		EXPECT_FILL(&bt, (c + 1) * cs - 1, 1, false);
		EXPECT_FILL(&bt, (c + 1) * cs - 1, 2, false);
		EXPECT_FILL(&bt, c * cs, 1, false);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);
		EXPECT_FILL(&bt, (c + 1) * cs - 1, 1, true);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_write_starting_at_boundary(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]), c = 7;

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		write_begin(&bt, &w, c * cs, 8);
		expect_only_slots(&bt, c, 1, "write starting at a boundary",
				  chunk_sizes[i]);
		/* A read that ends exactly where the write's chunk starts. */
		EXPECT_FILL(&bt, c * cs - 8, 8, true);
		EXPECT_FILL(&bt, c * cs - 1, 1, true);
		EXPECT_FILL(&bt, c * cs - 1, 2, false);
		EXPECT_FILL(&bt, c * cs, 1, false);
		EXPECT_FILL(&bt, (c + 1) * cs - 1, 1, false);
		EXPECT_FILL(&bt, (c + 1) * cs, 1, true);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_single_sector_at_zero(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]);

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		write_begin(&bt, &w, 0, 1);
		expect_only_slots(&bt, 0, 1, "sector 0", chunk_sizes[i]);
		EXPECT_FILL(&bt, 0, 1, false);
		EXPECT_FILL(&bt, cs - 1, 1, false);
		EXPECT_FILL(&bt, cs, 1, true);
		/* Chunk 63 is the last; it must not alias onto chunk 0. */
		EXPECT_FILL(&bt, (NR_TEST_CHUNKS - 1) * cs, 1, true);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_write_spanning_two_chunks(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]), c = 9;

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		/* 4 KiB straddling the boundary between c and c + 1. */
		write_begin(&bt, &w, (c + 1) * cs - 4, 8);
		expect_only_slots(&bt, c, 2, "write spanning 2 chunks",
				  chunk_sizes[i]);
		EXPECT_FILL(&bt, c * cs, 1, false);
		EXPECT_FILL(&bt, (c + 2) * cs - 1, 1, false);
		EXPECT_FILL(&bt, c * cs - 1, 1, true);
		EXPECT_FILL(&bt, (c + 2) * cs, 1, true);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);

		/* Exactly one whole chunk is one chunk, not two. */
		write_begin(&bt, &w, c * cs, cs);
		expect_only_slots(&bt, c, 1, "one whole chunk", chunk_sizes[i]);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_last_sector_of_device(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]);
		sector_t dev = NR_TEST_CHUNKS * cs;

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		write_begin(&bt, &w, dev - 1, 1);
		expect_only_slots(&bt, NR_TEST_CHUNKS - 1, 1, "last sector",
				  chunk_sizes[i]);
		EXPECT_FILL(&bt, dev - 1, 1, false);
		EXPECT_FILL(&bt, dev - cs, 1, false);
		EXPECT_FILL(&bt, dev - cs - 1, 1, true);
		EXPECT_FILL(&bt, 0, 1, true);
		bch_bypass_tracker_end_write(&w);

		/* Running past the end: its chunks beyond alias from 0 on. */
		write_begin(&bt, &w, dev - 4, 8);
		EXPECT_FILL(&bt, dev - 4, 8, false);
		EXPECT_FILL(&bt, dev, 4, false);
		bch_bypass_tracker_end_write(&w);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_precise_on_exact_layout(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunk_sizes); i++) {
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t cs = SECTORS(chunk_sizes[i]), c;
		unsigned int busy = 0;

		ASSERT(!tracker_init(&bt, NR_TEST_CHUNKS * chunk_sizes[i],
				     chunk_sizes[i]), "init");
		write_begin(&bt, &w, 20 * cs + cs / 2, 1);
		for (c = 0; c < NR_TEST_CHUNKS; c++)
			busy += !bch_bypass_tracker_may_fill(&bt, c * cs, cs);
		EXPECT(busy == 1,
		       "%u of %u chunks busy with one single-chunk write in flight (%llu KiB chunks)",
		       busy, NR_TEST_CHUNKS,
		       (unsigned long long)(chunk_sizes[i] >> 10));
		bch_bypass_tracker_end_write(&w);
		bch_bypass_tracker_exit(&bt);
	}
}

static void test_zero_length_ranges(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(1 * MiB), c = 11;

	ASSERT(!tracker_init(&bt, 64 * MiB, 1 * MiB), "init");
	write_begin(&bt, &w, c * cs, 0);
	EXPECT_EQ(w.nr_sectors, 1);
	expect_only_slots(&bt, c, 1, "nr_sectors 0", 1 * MiB);
	EXPECT_FILL(&bt, c * cs, 0, false);
	EXPECT_FILL(&bt, c * cs - 1, 0, true);
	EXPECT_FILL(&bt, (c + 1) * cs, 0, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* At a boundary: [c * cs - 1] only, not [c * cs - 1, c * cs]. */
	write_begin(&bt, &w, c * cs - 1, 0);
	expect_only_slots(&bt, c - 1, 1, "nr_sectors 0 before a boundary",
			  1 * MiB);
	EXPECT_FILL(&bt, c * cs, 1, true);
	bch_bypass_tracker_end_write(&w);

	/* Sector 0, length 0 must not wrap to "the whole 2^64 range". */
	write_begin(&bt, &w, 0, 0);
	expect_only_slots(&bt, 0, 1, "sector 0, nr_sectors 0", 1 * MiB);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	EXPECT_FILL(&bt, 0, 0, true);
	bch_bypass_tracker_exit(&bt);
}

static void test_huge_sectors_alias(void)
{
	struct bypass_tracker bt;
	struct bypass_write w, w2;
	sector_t cs = SECTORS(1 * MiB), c = 5;
	sector_t huge = (1ULL << 50) + c * cs;	/* chunk 2^39 + 5 */

	ASSERT(!tracker_init(&bt, 64 * MiB, 1 * MiB), "init");
	write_begin(&bt, &w, huge, 8);
	expect_only_slots(&bt, c, 1, "sector 2^50 + 5 chunks", 1 * MiB);
	EXPECT_FILL(&bt, huge, 8, false);
	EXPECT_FILL(&bt, c * cs, 8, false);	/* alias: allowed */
	EXPECT_FILL(&bt, (c + 1) * cs, 8, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* The other way round. */
	write_begin(&bt, &w, c * cs, 8);
	EXPECT_FILL(&bt, huge, 8, false);
	bch_bypass_tracker_end_write(&w);

	/* Up to the very last sector, 2^64 - 1, without wrapping. */
	write_begin(&bt, &w, U64_MAX - 3, 4);
	EXPECT_FILL(&bt, U64_MAX, 1, false);
	EXPECT_FILL(&bt, U64_MAX - 3, 4, false);
	EXPECT_FILL(&bt, U64_MAX - cs, 1, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* Wrapping past 2^64: whatever it counts, its sectors are busy. */
	write_begin(&bt, &w, U64_MAX - 3, 8);
	EXPECT_FILL(&bt, U64_MAX - 3, 4, false);
	EXPECT_FILL(&bt, U64_MAX, 1, false);
	EXPECT_FILL(&bt, U64_MAX - 3, 8, false);
	write_begin(&bt, &w2, 30 * cs, 8);
	bch_bypass_tracker_end_write(&w);
	EXPECT_FILL(&bt, 30 * cs, 1, false);
	bch_bypass_tracker_end_write(&w2);
	EXPECT_IDLE(&bt);
	/* A wrapping read with nothing in flight may fill. */
	EXPECT_FILL(&bt, U64_MAX - 3, 8, true);
	bch_bypass_tracker_exit(&bt);
}

static void test_alias_both_ways(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(1 * MiB), c = 5;
	struct peek_table pt;
	sector_t n;

	/* 64 GiB at 1 MiB: 65536 chunks on a table of at most 16384 slots. */
	ASSERT(!tracker_init(&bt, 64 * GiB, 1 * MiB), "init");
	peek_table(&bt, 0, &pt);
	n = pt.nr_slots;
	ASSERT(n < 65536, "table not smaller than the device (%llu slots)",
	       (unsigned long long)n);

	write_begin(&bt, &w, c * cs, 8);
	EXPECT_FILL(&bt, c * cs, 8, false);
	EXPECT_FILL(&bt, (c + n) * cs, 8, false);	/* allowed */
	EXPECT_FILL(&bt, (c + 3 * n) * cs, 8, false);	/* allowed */
	bch_bypass_tracker_end_write(&w);

	write_begin(&bt, &w, (c + 3 * n) * cs, 8);
	EXPECT_FILL(&bt, (c + 3 * n) * cs, 8, false);	/* its own chunk */
	EXPECT_FILL(&bt, c * cs, 8, false);
	EXPECT_FILL(&bt, (c + 1) * cs, 8, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/* --- randomised: a write in flight always makes its own range busy ----- */

struct geo {
	const char	*name;
	u64		dev_bytes;
	u64		chunk_bytes;
};

static const struct geo geos[] = {
	{ "empty device, one slot",		0,		1 * MiB },
	{ "4 KiB device at 1 GiB chunks",	4 * KiB,	1 * GiB },
	{ "3 MiB at 1 MiB: 4 slots",		3 * MiB,	1 * MiB },
	{ "64 MiB at 1 MiB: exact",		64 * MiB,	1 * MiB },
	{ "64 GiB at 1 MiB: aliased 4x",	64 * GiB,	1 * MiB },
	{ "1 TiB at 4 KiB: aliased 16384x",	1 * TiB,	4 * KiB },
	{ "100 TiB at 1 GiB",			100 * TiB,	1 * GiB },
};

struct flight {
	struct bypass_write	w;
	sector_t		sector;
	unsigned int		nr;	/* as asked, 0 included */
};

static void random_write(u64 *rs, u64 dev, u64 cs, sector_t *sector,
			 unsigned int *nr)
{
	u64 span = peek_max_span();

	switch (rnd_below(rs, 6)) {
	case 0:
		*sector = rnd_below(rs, 2 * dev + 2);
		break;
	case 1:	/* around a chunk boundary */
		*sector = (rnd_below(rs, dev / cs + 3) * cs) + 8 -
			  rnd_below(rs, 17);
		break;
	case 2:	/* around the end of the device */
		*sector = dev + 8 - rnd_below(rs, 17);
		break;
	case 3:
		*sector = rnd_next(rs);
		break;
	case 4:
		*sector = U64_MAX - rnd_below(rs, 3 * cs);
		break;
	default:
		*sector = rnd_below(rs, 4) * cs;
		break;
	}
	switch (rnd_below(rs, 8)) {
	case 0:
		*nr = rnd_below(rs, 2);
		break;
	case 1:
		*nr = 1 + rnd_below(rs, 256);
		break;
	case 2:
		*nr = cs - 1 + rnd_below(rs, 3);
		break;
	case 3:
		*nr = 2 * cs;
		break;
	case 4:
		*nr = (span - 1 + rnd_below(rs, 3)) * cs;
		break;
	case 5:
		*nr = 1 + rnd_below(rs, 1U << 23);	/* up to 4 GiB */
		break;
	default:
		*nr = 8;
		break;
	}
}

static bool check_own_range(struct bypass_tracker *bt, u64 *rs,
			    const struct flight *f, const char *geo)
{
	u64 len = max(f->nr, 1U);
	u64 offs[4] = { 0, len - 1, rnd_below(rs, len), len / 2 };
	unsigned int i;

	if (bch_bypass_tracker_may_fill(bt, f->sector, f->nr)) {
		t_fail_at(__FILE__, __LINE__,
			  "%s: write [%llu, +%u) in flight, but may_fill() of its range is true",
			  geo, (unsigned long long)f->sector, f->nr);
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		sector_t s = f->sector + offs[i];

		if (bch_bypass_tracker_may_fill(bt, s, 1)) {
			t_fail_at(__FILE__, __LINE__,
				  "%s: write [%llu, +%u) in flight, but may_fill(%llu, 1) is true",
				  geo, (unsigned long long)f->sector, f->nr,
				  (unsigned long long)s);
			return false;
		}
	}
	/* A read that starts before the write and ends in its first sector. */
	if (f->sector >= 7 &&
	    bch_bypass_tracker_may_fill(bt, f->sector - 7, 8)) {
		t_fail_at(__FILE__, __LINE__,
			  "%s: write [%llu, +%u) in flight, but may_fill(%llu, 8) is true",
			  geo, (unsigned long long)f->sector, f->nr,
			  (unsigned long long)f->sector - 7);
		return false;
	}
	return true;
}

static void test_own_range_always_busy(void)
{
	unsigned int g;

	for (g = 0; g < ARRAY_SIZE(geos); g++) {
		const struct geo *geo = &geos[g];
		struct flight fl[8];
		unsigned int n = 0, i, j, iter;
		struct bypass_tracker bt;
		u64 rs = 0x9e3779b97f4a7c15ULL + g;
		sector_t cs = SECTORS(geo->chunk_bytes);
		bool ok = true;

		ASSERT(!tracker_init(&bt, geo->dev_bytes, geo->chunk_bytes),
		       "init");
		for (iter = 0; iter < 3000 && ok; iter++) {
			if (n == ARRAY_SIZE(fl) || (n && rnd_below(&rs, 2))) {
				i = rnd_below(&rs, n);
				bch_bypass_tracker_end_write(&fl[i].w);
				fl[i] = fl[--n];
			} else {
				struct flight *f = &fl[n++];

				random_write(&rs, SECTORS(geo->dev_bytes), cs,
					     &f->sector, &f->nr);
				write_begin(&bt, &f->w, f->sector, f->nr);
			}
			for (j = 0; j < n && ok; j++)
				ok = check_own_range(&bt, &rs, &fl[j],
						     geo->name);
		}
		while (n)
			bch_bypass_tracker_end_write(&fl[--n].w);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

/* --- wide writes: the coarse level ----------------------------------------- */

/*
 * A write over more than MAX_SPAN chunks counts on the coarse level: reads
 * in the coarse chunks it touches skip their fill, reads elsewhere fill.
 */
static void test_wide_write_is_coarse(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(1 * MiB);
	sector_t ccs = SECTORS(coarse_chunk_bytes(1 * MiB));	/* 256 MiB */
	u32 span = peek_max_span();
	struct peek_table pt;

	t_note("BYPASS_TABLE_MAX_SPAN = %u chunks, coarse chunk %llu MiB",
	       span, (unsigned long long)(ccs >> 11));
	ASSERT(!tracker_init(&bt, 4 * GiB, 1 * MiB), "init");
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.coarse_shift, ilog2(ccs));
	EXPECT_EQ(pt.nr_coarse_slots, 16);
	write_begin(&bt, &w, 0, (span + 1) * cs);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.wide, 0);
	EXPECT_EQ(pt.coarse_writes, 1);
	EXPECT_EQ(pt.coarse_sum, 1);
	EXPECT_EQ(pt.slot_sum, 0);
	EXPECT_EQ(pt.inflight, 1);
	EXPECT_FILL(&bt, 0, 1, false);
	EXPECT_FILL(&bt, (span + 1) * cs - 1, 1, false);
	/* Outside the write but in its coarse chunk: held back. */
	EXPECT_FILL(&bt, ccs - 1, 1, false);
	/* The next coarse chunk and far away: fill. */
	EXPECT_FILL(&bt, ccs, 8, true);
	EXPECT_FILL(&bt, SECTORS(4 * GiB) - 1, 1, true);
	/* A read straddling into the written coarse chunk: held back. */
	EXPECT_FILL(&bt, ccs - 8, 16, false);
	EXPECT_EQ_U(bch_bypass_tracker_inflight_writes(&bt), 1);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.coarse_writes, 0);
	EXPECT_EQ(pt.coarse_sum, 0);
	EXPECT_FILL(&bt, 0, 1, true);
	bch_bypass_tracker_exit(&bt);
}

static void test_max_span_is_fine(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(1 * MiB), c = 10;
	u32 span = peek_max_span();
	struct peek_table pt;

	ASSERT(!tracker_init(&bt, 1 * GiB, 1 * MiB), "init");
	write_begin(&bt, &w, c * cs, span * cs);
	expect_only_slots(&bt, c, span, "MAX_SPAN aligned chunks", 1 * MiB);
	EXPECT_FILL(&bt, (c - 1) * cs, cs, true);
	EXPECT_FILL(&bt, (c + span) * cs, cs, true);
	EXPECT_FILL(&bt, (c + span) * cs - 1, 1, false);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* The same length one sector later touches MAX_SPAN + 1 chunks. */
	write_begin(&bt, &w, c * cs + 1, span * cs);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.wide, 0);
	EXPECT_EQ(pt.coarse_writes, 1);
	EXPECT_EQ(pt.slot_sum, 0);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

static void test_small_table_span(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(1 * MiB);
	struct peek_table pt;

	/* 3 chunks: 4 slots, so a write of 4 chunks uses every slot once. */
	ASSERT(!tracker_init(&bt, 3 * MiB, 1 * MiB), "init");
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.nr_slots, 4);
	EXPECT_EQ(pt.nr_coarse_slots, 1);
	write_begin(&bt, &w, 2 * cs, 4 * cs);	/* chunks 2..5: slots 2 3 0 1 */
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.wide, 0);
	EXPECT_EQ(pt.slot_sum, 4);
	EXPECT_EQ(pt.nonzero_slots, 4);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* 5 chunks would count one slot twice: the coarse level takes it. */
	write_begin(&bt, &w, 0, 5 * cs);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.coarse_writes, 1);
	EXPECT_EQ(pt.slot_sum, 0);
	EXPECT_FILL(&bt, 0, 1, false);
	EXPECT_FILL(&bt, 2 * cs, 1, false);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	/* Two coarse chunks on a one-slot level: wide, never a slot twice. */
	write_begin(&bt, &w, SECTORS(coarse_chunk_bytes(1 * MiB)) - 8, 5 * cs);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.wide, 1);
	EXPECT_EQ(pt.coarse_sum, 0);
	EXPECT_FILL(&bt, 0, 1, false);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/*
 * Reads of up to BYPASS_TABLE_MAX_READ_SPAN chunks (a 1 MiB fill at 4 KiB
 * chunks, 257 of them when it is not aligned to a chunk) are checked chunk
 * by chunk, in their first, middle and last chunk alike; wider ones are
 * busy iff anything at all is in flight.
 */
static void test_wide_read(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(4 * KiB);
	unsigned int read = SECTORS(1 * MiB);	/* 256 chunks */

	ASSERT(!tracker_init(&bt, 1 * GiB, 4 * KiB), "init");
	EXPECT_FILL(&bt, 0, read, true);	/* nothing in flight */
	write_begin(&bt, &w, 900 * cs, 8);
	EXPECT_FILL(&bt, 0, read, true);	/* elsewhere: fill */
	EXPECT_FILL(&bt, 900 * cs, read, false);	/* first chunk */
	EXPECT_FILL(&bt, 900 * cs - read / 2, read, false);	/* middle */
	EXPECT_FILL(&bt, 901 * cs - read, read, false);	/* last */
	EXPECT_FILL(&bt, 901 * cs, read, true);	/* just after */
	EXPECT_FILL(&bt, 900 * cs - read, read, true);	/* just before */
	/* Unaligned, 257 chunks: still chunk by chunk. */
	EXPECT_FILL(&bt, 1, read, true);
	EXPECT_FILL(&bt, 900 * cs - read + 1, read, false);
	/* Wider than MAX_READ_SPAN: busy as soon as anything is in flight. */
	EXPECT_FILL(&bt, 0, read + 2 * cs, false);
	bch_bypass_tracker_end_write(&w);
	EXPECT_FILL(&bt, 0, read + 2 * cs, true);
	bch_bypass_tracker_exit(&bt);
}

static struct bypass_tracker *between_sums_bt;

/* At the read barrier of bypass_table_inflight(): a whole write, once. */
static void write_between_sums(void)
{
	struct bypass_write w;
	int cpu = compat_cpu;

	compat_rmb_hook = NULL;
	compat_cpu = 1;
	write_begin(between_sums_bt, &w, 0, 8);
	compat_cpu = 2;		/* a write can end on another CPU */
	bch_bypass_tracker_end_write(&w);
	compat_cpu = cpu;
}

/*
 * bypass_table_inflight() sums the ends before the begins.  A write that
 * begins and ends between the two sums then counts as in flight: one too
 * many, which only skips a fill.  Summed the other way round, its end is
 * counted without its begin and cancels a write that is still in flight,
 * and a wide read fills over it.
 */
static void test_inflight_sum_order(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;
	sector_t cs = SECTORS(4 * KiB);
	unsigned int read = SECTORS(1 * MiB) + 2 * cs;	/* > MAX_READ_SPAN */

	ASSERT(!tracker_init(&bt, 1 * GiB, 4 * KiB), "init");
	write_begin(&bt, &w, 900 * cs, 8);
	between_sums_bt = &bt;
	compat_rmb_hook = write_between_sums;
	EXPECT_FILL(&bt, 0, read, false);
	EXPECT(!compat_rmb_hook, "no read barrier between the sums");
	compat_rmb_hook = NULL;
	bch_bypass_tracker_end_write(&w);
	EXPECT_FILL(&bt, 0, read, true);
	bch_bypass_tracker_exit(&bt);
}

/* Best of 3 rounds of @n calls, in ns per call. */
static double ns_per_pair(struct bypass_tracker *bt, sector_t sector,
			  unsigned int nr, unsigned int n)
{
	double best = 1e18;
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		u64 t0 = compat_now_ns();

		for (i = 0; i < n; i++) {
			struct bypass_write w;

			write_begin(bt, &w, sector, nr);
			bch_bypass_tracker_end_write(&w);
		}
		best = min(best, (double)(compat_now_ns() - t0) / n);
	}
	return best;
}

static double ns_per_check(struct bypass_tracker *bt, sector_t sector,
			   unsigned int nr, unsigned int n)
{
	double best = 1e18;
	unsigned int round, i;

	for (round = 0; round < 3; round++) {
		u64 t0 = compat_now_ns();

		for (i = 0; i < n; i++)
			bch_bypass_tracker_may_fill(bt, sector, nr);
		best = min(best, (double)(compat_now_ns() - t0) / n);
	}
	return best;
}


/*
 * A read that spans exactly as many chunks as a level has slots must look
 * at every slot, the last one included (the clamp in bypass_table_busy()
 * is first + mask, not one less).  Fine level: a 512 KiB device at 128k
 * chunks has 4 slots; a write in chunk 3 holds back a read of the whole
 * device.  Coarse level: a 64 MiB device has 2 coarse chunks of 32 MiB; a
 * 4 MiB write (32 chunks: coarse) at 32 MiB holds back a read across the
 * 32 MiB boundary, which the fine slots know nothing about.
 */
static void test_read_covering_every_slot(void)
{
	struct bypass_tracker bt;
	struct bypass_write w;

	ASSERT(!tracker_init(&bt, 512 * KiB, 128 * KiB), "init");
	write_begin(&bt, &w, SECTORS(384 * KiB), 8);
	EXPECT_FILL(&bt, 0, SECTORS(512 * KiB), false);
	EXPECT_FILL(&bt, SECTORS(256 * KiB), SECTORS(256 * KiB), false);
	EXPECT_FILL(&bt, 0, SECTORS(384 * KiB), true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);

	ASSERT(!tracker_init(&bt, 64 * MiB, 128 * KiB), "init");
	write_begin(&bt, &w, SECTORS(32 * MiB), SECTORS(4 * MiB));
	EXPECT_FILL(&bt, SECTORS(32 * MiB - 4 * KiB), SECTORS(8 * KiB), false);
	EXPECT_FILL(&bt, SECTORS(32 * MiB - 8 * KiB), SECTORS(4 * KiB), true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

/*
 * A 4 GiB discard (one bio's maximum) at 4 KiB chunks spans 2^20 chunks but
 * only 129 coarse ones: bounded work, and reads outside it still fill.
 */
static void test_whole_device_discard_is_bounded(void)
{
	struct bypass_tracker bt;
	struct bypass_write w, small;
	unsigned int four_gib = SECTORS(4 * GiB) - 8;	/* one bio's maximum */
	double wide_ns, small_ns, read_ns, small_read_ns;
	u64 skipped;
	struct peek_table pt;

	ASSERT(!tracker_init(&bt, 1 * TiB, 4 * KiB), "init");
	write_begin(&bt, &w, 8, four_gib);
	peek_table(&bt, 0, &pt);
	EXPECT_EQ(pt.wide, 0);
	EXPECT_EQ(pt.nonzero_slots, 0);
	EXPECT_EQ(pt.coarse_sum, 128);
	EXPECT(w.nr_slots <= peek_max_coarse_span(), "%u coarse slots",
	       w.nr_slots);
	EXPECT_FILL(&bt, 0, 8, false);
	EXPECT_FILL(&bt, SECTORS(4 * GiB) - 8, 8, false);
	EXPECT_FILL(&bt, SECTORS(4 * GiB), 8, true);
	EXPECT_FILL(&bt, SECTORS(1 * TiB) - 8, 8, true);
	bch_bypass_tracker_end_write(&w);
	EXPECT_IDLE(&bt);

	wide_ns = ns_per_pair(&bt, SECTORS(512 * GiB), four_gib, 20000);
	small_ns = ns_per_pair(&bt, SECTORS(512 * GiB), 8, 20000);
	/* Slot 512: not among slots 0..255, where the reads below look. */
	write_begin(&bt, &small, SECTORS(3 * GiB + 2 * MiB), 8);
	skipped = bch_bypass_tracker_skipped_fills(&bt);
	read_ns = ns_per_check(&bt, 0, SECTORS(1 * MiB), 20000);
	small_read_ns = ns_per_check(&bt, 0, 8, 20000);
	EXPECT_EQ_U(bch_bypass_tracker_skipped_fills(&bt) - skipped, 0);
	bch_bypass_tracker_end_write(&small);
	t_note("4 GiB discard at 4 KiB chunks: %.0f ns per begin+end (4 KiB write: %.0f ns); 1 MiB read check %.0f ns (4 KiB: %.0f ns)",
	       wide_ns, small_ns, read_ns, small_read_ns);
	/* Per-chunk work would be 2^20 counter updates: ~1000x slower. */
	EXPECT(wide_ns < 100 * small_ns + 5000,
	       "4 GiB begin+end %.0f ns vs 4 KiB %.0f ns", wide_ns, small_ns);
	EXPECT_IDLE(&bt);
	bch_bypass_tracker_exit(&bt);
}

void suite_chunks(void)
{
	RUN(test_write_ending_at_boundary,
	    "chunks: write ending exactly at a chunk boundary (4k..1G)");
	RUN(test_write_starting_at_boundary,
	    "chunks: write starting exactly at a chunk boundary (4k..1G)");
	RUN(test_single_sector_at_zero,
	    "chunks: single sector at sector 0 (4k..1G)");
	RUN(test_write_spanning_two_chunks,
	    "chunks: write spanning 2 chunks, write of exactly 1 chunk");
	RUN(test_last_sector_of_device,
	    "chunks: last sector of the device, and past the end");
	RUN(test_precise_on_exact_layout,
	    "chunks: exact layout holds back only the written chunk");
	RUN(test_zero_length_ranges,
	    "chunks: nr_sectors 0 counts as one sector, never wraps");
	RUN(test_huge_sectors_alias,
	    "chunks: sectors beyond the table and up to 2^64 alias or go wide");
	RUN(test_alias_both_ways,
	    "aliasing: chunk c and c + nslots make each other busy");
	RUN(test_own_range_always_busy,
	    "aliasing: a write in flight always makes its own range busy (randomised, 7 geometries)");
	RUN(test_wide_write_is_coarse,
	    "wide: a write over more than MAX_SPAN chunks holds back its coarse chunks only");
	RUN(test_max_span_is_fine,
	    "wide: MAX_SPAN chunks are counted per chunk, one sector more goes coarse");
	RUN(test_small_table_span,
	    "wide: a level never counts a slot twice: coarse, then wide");
	RUN(test_wide_read,
	    "wide: reads up to 1 MiB at 4k chunks are checked chunk by chunk; wider ones busy iff anything is in flight");
	RUN(test_inflight_sum_order,
	    "wide: a write that begins and ends while a wide read sums the counts hides no other write");
	RUN(test_read_covering_every_slot,
	    "chunks: a read spanning every slot of a level sees a write in the last one");
	RUN(test_whole_device_discard_is_bounded,
	    "wide: a 4 GiB discard costs at most 129 coarse counters, reads outside it fill");
}
