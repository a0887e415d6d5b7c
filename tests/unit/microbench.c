// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark: the bypass tracker's cost per request, next to a model
 * of the v2 patch's design, on the same workload.
 *
 * - "tracker" is bypass_tracker.c as src/dkms/series assembles it (see
 *   the Makefile's SRC), built with -O2 against compat/, with
 *   this_cpu_inc() an unlocked increment as in the kernel (each thread
 *   has its own "CPU" here).  rcu_read_lock() costs about what it does in
 *   the kernel with PREEMPT_RCU (a thread-local counter; the kernel
 *   increments current->rcu_read_lock_nesting).
 * - "v2" exists only in this file: u16 counters in lazily allocated 4 KiB
 *   pages (2048 chunks per page, 64 GiB at 32 MiB chunks), one
 *   pthread_spinlock_t per page, taken for every begin, end and check;
 *   the page is allocated under the lock on first use, as v2 did with
 *   GFP_NOWAIT.  Pages stay once allocated, and a warm-up run allocates
 *   them before anything is timed.
 *
 * Workload, the same for both: random 128 KiB writes (128 KiB aligned)
 * over a 512 MiB and a 1 TiB device, 32 in flight per thread (fio iodepth
 * 32: each new write ends the oldest), and 4 KiB read checks (4 KiB
 * aligned) with the thread's 32 writes in flight, and on an idle tracker.
 * Chunk sizes 1 MiB and 32 MiB, the same for both designs.  1 and 2
 * threads, each pinned to its own CPU when possible; ns per operation per
 * thread, median of 11 runs after one warm-up run.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/blk_types.h>
#include <linux/kernel.h>
#include <linux/log2.h>

#include "bypass_tracker.h"
#include "compat.h"

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)
#define TiB		(1ULL << 40)

#define DEPTH		32
#define OPS		200000
#define NR_OFFSETS	(1 << 16)
#define RUNS		11
#define MAX_THREADS	2

/* --- v2 model ------------------------------------------------------------ */

#define V2_PAGE_SIZE	4096
#define V2_PER_PAGE	(V2_PAGE_SIZE / sizeof(u16))

struct v2_tracker {
	unsigned int		chunk_shift;	/* log2(chunk sectors) */
	u64			nr_pages;
	u16			**pages;
	pthread_spinlock_t	*locks;
};

struct v2_write {
	sector_t	sector;
	unsigned int	nr_sectors;
};

static int v2_init(struct v2_tracker *v, u64 dev_sectors,
		   unsigned int chunk_shift)
{
	u64 chunks = DIV_ROUND_UP(dev_sectors, 1ULL << chunk_shift), i;

	v->chunk_shift = chunk_shift;
	v->nr_pages = DIV_ROUND_UP(chunks, V2_PER_PAGE);
	v->pages = calloc(v->nr_pages, sizeof(*v->pages));
	v->locks = calloc(v->nr_pages, sizeof(*v->locks));
	if (!v->pages || !v->locks)
		return -ENOMEM;
	for (i = 0; i < v->nr_pages; i++)
		pthread_spin_init(&v->locks[i], PTHREAD_PROCESS_PRIVATE);
	return 0;
}

static void v2_exit(struct v2_tracker *v)
{
	u64 i;

	for (i = 0; i < v->nr_pages; i++) {
		free(v->pages[i]);
		pthread_spin_destroy(&v->locks[i]);
	}
	free(v->pages);
	free((void *)v->locks);
}

/* Adds @delta to the counters of every chunk of the range, page by page. */
static void v2_update(struct v2_tracker *v, const struct v2_write *w,
		      int delta)
{
	u64 first = w->sector >> v->chunk_shift;
	u64 last = (w->sector + w->nr_sectors - 1) >> v->chunk_shift;
	u64 c = first;

	while (c <= last) {
		u64 p = c / V2_PER_PAGE;
		u64 end = min(last, (p + 1) * V2_PER_PAGE - 1);
		u16 *page;

		pthread_spin_lock(&v->locks[p]);
		page = v->pages[p];
		if (!page) {
			page = calloc(1, V2_PAGE_SIZE);	/* GFP_NOWAIT */
			__atomic_store_n(&v->pages[p], page,
					 __ATOMIC_RELEASE);
		}
		if (page) {
			for (; c <= end; c++) {
				u16 *ctr = &page[c % V2_PER_PAGE];

				if (delta > 0 && *ctr < U16_MAX)
					__atomic_store_n(ctr, *ctr + 1,
							 __ATOMIC_RELAXED);
				else if (delta < 0 && *ctr)
					__atomic_store_n(ctr, *ctr - 1,
							 __ATOMIC_RELAXED);
			}
		}
		pthread_spin_unlock(&v->locks[p]);
		c = end + 1;
	}
}

static bool v2_may_fill(struct v2_tracker *v, sector_t sector,
			unsigned int nr_sectors)
{
	u64 first = sector >> v->chunk_shift;
	u64 last = (sector + nr_sectors - 1) >> v->chunk_shift;
	u64 c = first;
	bool busy = false;

	while (c <= last && !busy) {
		u64 p = c / V2_PER_PAGE;
		u64 end = min(last, (p + 1) * V2_PER_PAGE - 1);
		u16 *page = __atomic_load_n(&v->pages[p], __ATOMIC_ACQUIRE);

		if (page) {
			pthread_spin_lock(&v->locks[p]);
			for (; c <= end && !busy; c++)
				busy = page[c % V2_PER_PAGE];
			pthread_spin_unlock(&v->locks[p]);
		}
		c = end + 1;
	}
	return !busy;
}

/* --- the runs ------------------------------------------------------------ */

struct config {
	u64		dev_bytes;
	u64		chunk_bytes;
	unsigned int	threads;
	bool		v2;
};

struct shared {
	const struct config	*cfg;
	struct bypass_tracker	bt;
	struct v2_tracker	v2;
	pthread_barrier_t	start;
};

struct thread {
	pthread_t	thread;
	struct shared	*sh;
	unsigned int	index;
	sector_t	*writes;	/* NR_OFFSETS write offsets */
	sector_t	*reads;
	double		ns_pair, ns_check_busy, ns_check_idle;
};

static volatile unsigned long sink;

static u64 xorshift(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static double tracker_pairs(struct thread *th)
{
	struct bypass_tracker *bt = &th->sh->bt;
	struct bypass_write ring[DEPTH];
	unsigned int i;
	u64 t0;

	t0 = compat_now_ns();
	for (i = 0; i < OPS; i++) {
		struct bypass_write *w = &ring[i % DEPTH];

		if (i >= DEPTH)
			bch_bypass_tracker_end_write(w);
		bch_bypass_tracker_write_prepare(bt, w,
				th->writes[i % NR_OFFSETS], 256);
		bch_bypass_tracker_begin_write(w);
	}
	for (i = 0; i < DEPTH; i++)
		bch_bypass_tracker_end_write(&ring[i]);
	return (double)(compat_now_ns() - t0) / OPS;
}

static double tracker_checks(struct thread *th, bool busy)
{
	struct bypass_tracker *bt = &th->sh->bt;
	struct bypass_write ring[DEPTH];
	unsigned long fills = 0;
	unsigned int i;
	u64 t0;

	for (i = 0; busy && i < DEPTH; i++) {
		bch_bypass_tracker_write_prepare(bt, &ring[i], th->writes[i],
						 256);
		bch_bypass_tracker_begin_write(&ring[i]);
	}
	t0 = compat_now_ns();
	for (i = 0; i < OPS; i++)
		fills += bch_bypass_tracker_may_fill(bt,
				th->reads[i % NR_OFFSETS], 8);
	t0 = compat_now_ns() - t0;
	for (i = 0; busy && i < DEPTH; i++)
		bch_bypass_tracker_end_write(&ring[i]);
	sink += fills;
	return (double)t0 / OPS;
}

static double v2_pairs(struct thread *th)
{
	struct v2_tracker *v = &th->sh->v2;
	struct v2_write ring[DEPTH];
	unsigned int i;
	u64 t0;

	t0 = compat_now_ns();
	for (i = 0; i < OPS; i++) {
		struct v2_write *w = &ring[i % DEPTH];

		if (i >= DEPTH)
			v2_update(v, w, -1);
		w->sector = th->writes[i % NR_OFFSETS];
		w->nr_sectors = 256;
		v2_update(v, w, 1);
	}
	for (i = 0; i < DEPTH; i++)
		v2_update(v, &ring[i], -1);
	return (double)(compat_now_ns() - t0) / OPS;
}

static double v2_checks(struct thread *th, bool busy)
{
	struct v2_tracker *v = &th->sh->v2;
	struct v2_write ring[DEPTH];
	unsigned long fills = 0;
	unsigned int i;
	u64 t0;

	for (i = 0; busy && i < DEPTH; i++) {
		ring[i].sector = th->writes[i];
		ring[i].nr_sectors = 256;
		v2_update(v, &ring[i], 1);
	}
	t0 = compat_now_ns();
	for (i = 0; i < OPS; i++)
		fills += v2_may_fill(v, th->reads[i % NR_OFFSETS], 8);
	t0 = compat_now_ns() - t0;
	for (i = 0; busy && i < DEPTH; i++)
		v2_update(v, &ring[i], -1);
	sink += fills;
	return (double)t0 / OPS;
}

static void *bench_thread(void *arg)
{
	struct thread *th = arg;
	bool v2 = th->sh->cfg->v2;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(th->index, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);

	pthread_barrier_wait(&th->sh->start);
	th->ns_pair = v2 ? v2_pairs(th) : tracker_pairs(th);
	pthread_barrier_wait(&th->sh->start);
	th->ns_check_busy = v2 ? v2_checks(th, true) :
				 tracker_checks(th, true);
	pthread_barrier_wait(&th->sh->start);
	th->ns_check_idle = v2 ? v2_checks(th, false) :
				 tracker_checks(th, false);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

struct result {
	double	pair, check_busy, check_idle;
};

static void run_config(const struct config *cfg, struct thread *th,
		       struct result *res)
{
	double pair[RUNS], busy[RUNS], idle[RUNS];
	struct shared sh = { .cfg = cfg };
	unsigned int run, i;
	unsigned int shift = ilog2(cfg->chunk_bytes) - SECTOR_SHIFT;

	bch_bypass_tracker_default_chunk_shift = shift;
	if (cfg->v2 ? v2_init(&sh.v2, cfg->dev_bytes >> 9, shift) :
		      bch_bypass_tracker_init(&sh.bt, cfg->dev_bytes >> 9)) {
		fprintf(stderr, "microbench: init failed\n");
		exit(1);
	}
	pthread_barrier_init(&sh.start, NULL, cfg->threads);

	for (run = 0; run <= RUNS; run++) {
		double p = 0, b = 0, d = 0;

		for (i = 0; i < cfg->threads; i++) {
			th[i].sh = &sh;
			pthread_create(&th[i].thread, NULL, bench_thread,
				       &th[i]);
		}
		for (i = 0; i < cfg->threads; i++) {
			pthread_join(th[i].thread, NULL);
			p += th[i].ns_pair / cfg->threads;
			b += th[i].ns_check_busy / cfg->threads;
			d += th[i].ns_check_idle / cfg->threads;
		}
		if (!run)
			continue;	/* warm-up */
		pair[run - 1] = p;
		busy[run - 1] = b;
		idle[run - 1] = d;
	}
	res->pair = median(pair, RUNS);
	res->check_busy = median(busy, RUNS);
	res->check_idle = median(idle, RUNS);

	pthread_barrier_destroy(&sh.start);
	if (cfg->v2)
		v2_exit(&sh.v2);
	else
		bch_bypass_tracker_exit(&sh.bt);
}

int main(void)
{
	static const u64 devs[] = { 512 * MiB, 1 * TiB };
	static const u64 chunks[] = { 1 * MiB, 32 * MiB };
	struct thread th[MAX_THREADS];
	unsigned int d, c, t, i, j;

	for (i = 0; i < MAX_THREADS; i++) {
		th[i].index = i;
		th[i].writes = malloc(NR_OFFSETS * sizeof(sector_t));
		th[i].reads = malloc(NR_OFFSETS * sizeof(sector_t));
		if (!th[i].writes || !th[i].reads)
			return 1;
	}

	printf("microbench: ns per operation per thread, median of %u runs of %u operations\n",
	       RUNS, OPS);
	printf("tracker = bypass_tracker.c of src/dkms/series; v2 = u16 counters in lazy 4 KiB pages, per-page spinlocks\n");
	printf("128 KiB random writes, %u in flight per thread; 4 KiB random read checks\n\n",
	       DEPTH);
	printf("%-6s %-8s %-7s | %-17s | %-24s | %-17s\n", "chunk", "device",
	       "threads", "begin+end pair", "may_fill, 32 in flight",
	       "may_fill, idle");
	printf("%-6s %-8s %-7s | %8s %8s | %11s %12s | %8s %8s\n", "", "", "",
	       "tracker", "v2", "tracker", "v2", "tracker", "v2");

	for (c = 0; c < ARRAY_SIZE(chunks); c++) {
		for (d = 0; d < ARRAY_SIZE(devs); d++) {
			for (t = 1; t <= MAX_THREADS; t++) {
				struct result r[2];
				struct config cfg = {
					.dev_bytes = devs[d],
					.chunk_bytes = chunks[c],
					.threads = t,
				};

				for (i = 0; i < t; i++) {
					u64 s = 0x1234 + 77 * i + d;

					for (j = 0; j < NR_OFFSETS; j++) {
						th[i].writes[j] = (xorshift(&s) %
							(devs[d] / (128 * KiB))) * 256;
						th[i].reads[j] = (xorshift(&s) %
							(devs[d] / (4 * KiB))) * 8;
					}
				}
				cfg.v2 = false;
				run_config(&cfg, th, &r[0]);
				cfg.v2 = true;
				run_config(&cfg, th, &r[1]);
				printf("%-6s %-8s %-7u | %8.1f %8.1f | %11.1f %12.1f | %8.1f %8.1f\n",
				       chunks[c] == MiB ? "1M" : "32M",
				       devs[d] == TiB ? "1T" : "512M", t,
				       r[0].pair, r[1].pair, r[0].check_busy,
				       r[1].check_busy, r[0].check_idle,
				       r[1].check_idle);
				fflush(stdout);
			}
		}
	}
	for (i = 0; i < MAX_THREADS; i++) {
		free(th[i].writes);
		free(th[i].reads);
	}
	return 0;
}
