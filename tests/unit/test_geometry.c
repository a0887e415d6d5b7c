// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that a read miss is checked over every chunk it covers, whatever
 * the sizes and alignments of reads and writes, through the public API
 * only (write_prepare/begin_write/end_write, may_fill, set_chunk_size):
 * - a read over several chunks is busy when an in-flight write overlaps
 *   its first, a middle or its last chunk, and only then (exact layouts);
 * - writes larger than reads: a one-sector read anywhere in any chunk of
 *   a misaligned write is busy;
 * - writes that straddle a chunk boundary hold back both chunks, and
 *   misaligned writes exactly the chunks they touch, no more, no less;
 * - all of it at chunk sizes from 4 KiB to 1 GiB, and across a chunk_size
 *   change made while the write is in flight;
 * - a randomised model check: may_fill() is false exactly when some
 *   in-flight write shares a chunk with the read.
 * Every workload before these tests read and wrote the same sizes at the
 * same alignment, so a tracker that looked only at the first chunk of a
 * read miss passed all of them.
 */
#include <linux/log2.h>

#include "unit.h"

/* Chunk sizes: both ends of the range and some between. */
static const u64 geo_chunks[] = { 4 * KiB, 16 * KiB, 128 * KiB, 1 * MiB,
				  32 * MiB, 1 * GiB };

/* Chunks of a device: few enough for one slot per chunk at every size. */
#define GEO_DEV_CHUNKS	64
/* Chunks of a multi-chunk read; well below the tracker's span limit. */
#define GEO_READ_CHUNKS	6

/* A sector inside chunk @c that is aligned to nothing: 3/8 into it. */
static sector_t inside(sector_t cs, u64 c)
{
	return c * cs + (cs * 3 / 8) + 1;
}

/*
 * A read over GEO_READ_CHUNKS chunks starting misaligned in chunk 10, and
 * a one-sector (and a 4 KiB) write in chunk 10 + @k of it: busy while the
 * write is in flight, fillable after.
 */
static void read_with_write_in_chunk(const char *where, u64 k)
{
	unsigned int i, len;

	for (i = 0; i < ARRAY_SIZE(geo_chunks); i++) {
		for (len = 1; len <= 8; len += 7) {
			struct bypass_tracker bt;
			struct bypass_write w;
			sector_t cs = SECTORS(geo_chunks[i]);
			/* From a misaligned sector of chunk 10 to a misaligned
			 * sector of its last chunk. */
			sector_t rs = 10 * cs + 1;
			unsigned int rn = (GEO_READ_CHUNKS - 1) * cs + cs / 2;
			sector_t ws = inside(cs, 10 + k);

			if (len > cs)
				continue;
			if (k == GEO_READ_CHUNKS - 1)	/* the last chunk's part */
				ws = rs + rn - len;
			ASSERT(!tracker_init(&bt, GEO_DEV_CHUNKS * geo_chunks[i],
					     geo_chunks[i]), "init");
			write_begin(&bt, &w, ws, len);
			if (bch_bypass_tracker_may_fill(&bt, rs, rn))
				t_fail_at(__FILE__, __LINE__,
					  "%llu KiB chunks: a read of %u sectors from %llu may fill, with a %u-sector write at %llu in its %s chunk",
					  (unsigned long long)(geo_chunks[i] >> 10),
					  rn, (unsigned long long)rs, len,
					  (unsigned long long)ws, where);
			bch_bypass_tracker_end_write(&w);
			EXPECT_FILL(&bt, rs, rn, true);
			EXPECT_IDLE(&bt);
			bch_bypass_tracker_exit(&bt);
			if (t_failed())
				return;
		}
	}
}

static void test_read_first_chunk(void)
{
	read_with_write_in_chunk("first", 0);
}

static void test_read_middle_chunk(void)
{
	u64 k;

	for (k = 1; k < GEO_READ_CHUNKS - 1 && !t_failed(); k++)
		read_with_write_in_chunk("middle", k);
}

static void test_read_last_chunk(void)
{
	read_with_write_in_chunk("last", GEO_READ_CHUNKS - 1);
}

/*
 * Runs @body on a fresh tracker with an exact layout at every chunk size
 * (@cs in sectors), checks that it is idle afterwards, and stops at the
 * first failure.
 */
static void each_chunk_size(void (*body)(struct bypass_tracker *bt,
					 sector_t cs))
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(geo_chunks) && !t_failed(); i++) {
		struct bypass_tracker bt;

		ASSERT(!tracker_init(&bt, GEO_DEV_CHUNKS * geo_chunks[i],
				     geo_chunks[i]), "init");
		body(&bt, SECTORS(geo_chunks[i]));
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

/* Writes on either side of the read, in the chunks next to it: not busy. */
static void read_neighbours_free(struct bypass_tracker *bt, sector_t cs)
{
	struct bypass_write before, after;
	sector_t rs = 10 * cs;
	unsigned int rn = GEO_READ_CHUNKS * cs;

	/* The last sector before the read, the first after it. */
	write_begin(bt, &before, rs - 1, 1);
	write_begin(bt, &after, rs + rn, 1);
	EXPECT_FILL(bt, rs, rn, true);
	/* One sector more on either side, and it is busy. */
	EXPECT_FILL(bt, rs - 1, rn, false);
	EXPECT_FILL(bt, rs, rn + 1, false);
	bch_bypass_tracker_end_write(&before);
	bch_bypass_tracker_end_write(&after);
}

static void test_read_neighbours_free(void)
{
	each_chunk_size(read_neighbours_free);
}

/*
 * A write over 3 chunks and a bit, misaligned at both ends: a one-sector
 * read in every chunk it touches is busy, at the first and last sector it
 * covers as much as in its middle; the sectors of the chunks just outside
 * are not.
 */
static void write_larger_than_read(struct bypass_tracker *bt, sector_t cs)
{
	struct bypass_write w;
	sector_t ws = inside(cs, 20);
	unsigned int wn = 3 * cs;	/* ends inside chunk 23 */
	u64 c;

	write_begin(bt, &w, ws, wn);
	for (c = 20; c <= 23; c++) {
		EXPECT_FILL(bt, c * cs, 1, false);
		EXPECT_FILL(bt, c * cs + cs - 1, 1, false);
		EXPECT_FILL(bt, inside(cs, c), 8 < cs ? 8 : 1, false);
	}
	EXPECT_FILL(bt, ws, 1, false);
	EXPECT_FILL(bt, ws + wn - 1, 1, false);
	EXPECT_FILL(bt, 20 * cs - 1, 1, true);
	EXPECT_FILL(bt, 24 * cs, 1, true);
	bch_bypass_tracker_end_write(&w);
}

static void test_write_larger_than_read(void)
{
	each_chunk_size(write_larger_than_read);
}

/*
 * A 4 KiB write whose first half is the end of chunk c and whose second
 * half is the start of chunk c + 1 holds back both, and neither c - 1 nor
 * c + 2.
 */
static void write_straddles_boundary(struct bypass_tracker *bt, sector_t cs)
{
	struct bypass_write w;
	sector_t c = 30;

	write_begin(bt, &w, (c + 1) * cs - 4, 8);
	EXPECT_FILL(bt, c * cs, 1, false);
	EXPECT_FILL(bt, (c + 1) * cs + cs - 1, 1, false);
	EXPECT_FILL(bt, c * cs - 1, 1, true);
	EXPECT_FILL(bt, (c + 2) * cs, 1, true);
	/* A read of c - 1 and c, and one of c + 1 and c + 2. */
	EXPECT_FILL(bt, (c - 1) * cs, 2 * cs, false);
	EXPECT_FILL(bt, (c + 1) * cs, 2 * cs, false);
	bch_bypass_tracker_end_write(&w);
}

static void test_write_straddles_boundary(void)
{
	each_chunk_size(write_straddles_boundary);
}

/* Chunks [first, last] a range of sectors touches. */
static void chunk_range(sector_t s, unsigned int n, sector_t cs, u64 *first,
			u64 *last)
{
	*first = s / cs;
	*last = (s + (n ? n : 1) - 1) / cs;
}

/*
 * Misaligned writes of 1 sector to 2 chunks, at every offset class in a
 * chunk: single-sector reads in each chunk from two before the write to
 * two after it are busy exactly for the chunks the write touches.
 */
static void test_misaligned_exact(void)
{
	static const unsigned int offs[] = { 0, 1, 7, 8, 9 };
	unsigned int i, o, l;

	for (i = 0; i < ARRAY_SIZE(geo_chunks); i++) {
		sector_t cs = SECTORS(geo_chunks[i]);
		unsigned int lens[] = { 1, 8, cs - 1, cs, cs + 1, 2 * cs - 1 };

		for (o = 0; o < ARRAY_SIZE(offs); o++) {
			for (l = 0; l < ARRAY_SIZE(lens); l++) {
				struct bypass_tracker bt;
				struct bypass_write w;
				sector_t ws = 40 * cs - offs[o];
				u64 wf, wl, c;

				if (!lens[l] || offs[o] >= cs)
					continue;
				ASSERT(!tracker_init(&bt, GEO_DEV_CHUNKS * geo_chunks[i],
						     geo_chunks[i]), "init");
				write_begin(&bt, &w, ws, lens[l]);
				chunk_range(ws, lens[l], cs, &wf, &wl);
				for (c = wf - 2; c <= wl + 2; c++) {
					bool want = c < wf || c > wl;

					if (bch_bypass_tracker_may_fill(&bt,
							c * cs + cs / 2, 1) != want)
						t_fail_at(__FILE__, __LINE__,
							  "%llu KiB chunks, write of %u sectors at %llu (chunks %llu..%llu): may_fill in chunk %llu is %d",
							  (unsigned long long)(geo_chunks[i] >> 10),
							  lens[l], (unsigned long long)ws,
							  (unsigned long long)wf,
							  (unsigned long long)wl,
							  (unsigned long long)c, !want);
				}
				bch_bypass_tracker_end_write(&w);
				EXPECT_IDLE(&bt);
				bch_bypass_tracker_exit(&bt);
				if (t_failed())
					return;
			}
		}
	}
}

/*
 * chunk_size changes while writes are in flight: a write begun at FROM
 * holds its chunks at FROM's layout; after the change to TO, a read over
 * several TO-chunks that overlaps the write only in a later chunk is busy
 * until the write ends, and a read of an untouched chunk is not.
 */
static void test_across_chunk_size_change(void)
{
	static const u64 pairs[][2] = {
		{ 4 * KiB, 1 * MiB }, { 1 * MiB, 4 * KiB },
		{ 16 * KiB, 128 * KiB }, { 128 * KiB, 16 * KiB },
		{ 1 * MiB, 1 * GiB }, { 1 * GiB, 1 * MiB },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		u64 from = pairs[i][0], to = pairs[i][1], big = max(from, to);
		struct bypass_tracker bt;
		struct bypass_write w;
		sector_t fcs = SECTORS(from), tcs = SECTORS(to);
		sector_t bcs = SECTORS(big);
		/* In the 5th chunk of the larger size, misaligned. */
		sector_t ws = 4 * bcs + bcs / 2 + 3;
		sector_t rs;
		unsigned int rn;

		ASSERT(!tracker_init(&bt, GEO_DEV_CHUNKS * big, from), "init");
		write_begin(&bt, &w, ws, 8);
		EXPECT_EQ(bch_bypass_tracker_set_chunk_size(&bt, to), 0);
		EXPECT_EQ_U(bch_bypass_tracker_chunk_size(&bt), to);
		/* A read of 4 chunks of the new size, the write in its last. */
		rs = (ws / tcs - 3) * tcs + 1;
		rn = ws - rs + 1;
		if (bch_bypass_tracker_may_fill(&bt, rs, rn))
			t_fail_at(__FILE__, __LINE__,
				  "%llu KiB -> %llu KiB with a write in flight at %llu: a read of %u sectors from %llu may fill",
				  (unsigned long long)(from >> 10),
				  (unsigned long long)(to >> 10),
				  (unsigned long long)ws, rn,
				  (unsigned long long)rs);
		/* The write's own sector, at both layouts' reads. */
		EXPECT_FILL(&bt, ws, 1, false);
		/* Far away: neither layout has anything there. */
		EXPECT_FILL(&bt, 40 * bcs, (unsigned int)min_t(u64, 4 * fcs, 4 * tcs), true);
		bch_bypass_tracker_end_write(&w);
		EXPECT_FILL(&bt, rs, rn, true);
		compat_flush_system_wq();
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
		if (t_failed())
			return;
	}
}

/*
 * The model: with up to 4 writes of 1 to 3 chunks in flight at random
 * misaligned places on an exact layout, may_fill() of random reads of 1
 * sector to 8 chunks is false exactly when the read shares a chunk with
 * one of them.
 */
static void test_random_against_model(void)
{
	u64 rs_state = 0x5eed0f0e11a9ULL;
	unsigned int round;

	for (round = 0; round < 400 && !t_failed(); round++) {
		u64 chunk = geo_chunks[rnd_below(&rs_state, ARRAY_SIZE(geo_chunks))];
		sector_t cs = SECTORS(chunk);
		struct bypass_tracker bt;
		struct bypass_write w[4];
		u64 wf[4], wl[4];
		sector_t ws[4];
		unsigned int wn[4], nw = 1 + rnd_below(&rs_state, 4), i, r;

		ASSERT(!tracker_init(&bt, GEO_DEV_CHUNKS * chunk, chunk), "init");
		for (i = 0; i < nw; i++) {
			ws[i] = rnd_below(&rs_state, (GEO_DEV_CHUNKS - 4) * cs);
			wn[i] = 1 + rnd_below(&rs_state, 3 * cs);
			chunk_range(ws[i], wn[i], cs, &wf[i], &wl[i]);
			write_begin(&bt, &w[i], ws[i], wn[i]);
		}
		for (r = 0; r < 50; r++) {
			sector_t s = rnd_below(&rs_state, (GEO_DEV_CHUNKS - 8) * cs);
			unsigned int n = 1 + rnd_below(&rs_state, 8 * cs);
			u64 rf, rl;
			bool want = true, got;

			chunk_range(s, n, cs, &rf, &rl);
			for (i = 0; i < nw; i++)
				if (rf <= wl[i] && wf[i] <= rl)
					want = false;
			got = bch_bypass_tracker_may_fill(&bt, s, n);
			if (got != want) {
				t_fail_at(__FILE__, __LINE__,
					  "round %u, %llu KiB chunks: may_fill(%llu, %u) (chunks %llu..%llu) = %d, the model says %d",
					  round, (unsigned long long)(chunk >> 10),
					  (unsigned long long)s, n,
					  (unsigned long long)rf,
					  (unsigned long long)rl, got, want);
				break;
			}
		}
		for (i = 0; i < nw; i++)
			bch_bypass_tracker_end_write(&w[i]);
		EXPECT_IDLE(&bt);
		bch_bypass_tracker_exit(&bt);
	}
}

void suite_geometry(void)
{
	RUN(test_read_first_chunk,
	    "geometry: a write in a read's first chunk makes it busy (4k..1G, misaligned)");
	RUN(test_read_middle_chunk,
	    "geometry: a write in a read's middle chunks makes it busy (4k..1G, misaligned)");
	RUN(test_read_last_chunk,
	    "geometry: a write in a read's last chunk makes it busy (4k..1G, misaligned)");
	RUN(test_read_neighbours_free,
	    "geometry: writes next to a multi-chunk read leave it free, one sector more does not");
	RUN(test_write_larger_than_read,
	    "geometry: writes larger than reads: every chunk of a misaligned 3-chunk write is busy");
	RUN(test_write_straddles_boundary,
	    "geometry: a write straddling a chunk boundary holds back both chunks, no more");
	RUN(test_misaligned_exact,
	    "geometry: misaligned writes of 1 sector to 2 chunks hold back exactly their chunks");
	RUN(test_across_chunk_size_change,
	    "geometry: across a chunk_size change a read sees a write in its last chunk (4k<->1M, 16k<->128k, 1M<->1G)");
	RUN(test_random_against_model,
	    "geometry: may_fill() agrees with a model of chunks shared with writes in flight (randomised)");
}
