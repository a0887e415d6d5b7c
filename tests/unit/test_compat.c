// SPDX-License-Identifier: GPL-2.0
/*
 * Proves that the compat layer behaves like the kernel where the tracker
 * depends on it, so that a passing tracker test means something:
 * - synchronize_rcu() waits for a reader that was running, and not for
 *   one that started after it;
 * - queue_work() runs the work later on another thread, not twice if
 *   queued twice, and cancel_work_sync() waits for a running work item;
 * - allocation failure injection fails exactly the allocations asked for;
 * - WARN() is recorded (and the runner fails a test that did not expect
 *   it);
 * - wait_event_interruptible_timeout() times out in real time, and
 *   returns the jiffies left when woken;
 * - bch_strtoull_h() is bcache's parser (it takes suffixes up to 'y' and
 *   "1e" = 2^60) on top of a simple_strtoull() that wraps silently and
 *   skips no whitespace, as the kernel's.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "bch_util.h"
#include "unit.h"

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int reader_state;	/* 1: inside the reader, 2: left it */

static void *long_reader(void *arg)
{
	(void)arg;
	rcu_read_lock();
	__atomic_store_n(&reader_state, 1, __ATOMIC_SEQ_CST);
	sleep_ms(200);
	__atomic_store_n(&reader_state, 2, __ATOMIC_SEQ_CST);
	rcu_read_unlock();
	return NULL;
}

static void test_grace_period_waits(void)
{
	pthread_t t;
	u64 t0, ms;

	reader_state = 0;
	ASSERT(!pthread_create(&t, NULL, long_reader, NULL), "thread");
	while (!__atomic_load_n(&reader_state, __ATOMIC_SEQ_CST))
		sched_yield();
	t0 = compat_now_ns();
	synchronize_rcu();
	ms = (compat_now_ns() - t0) / 1000000;
	EXPECT(__atomic_load_n(&reader_state, __ATOMIC_SEQ_CST) == 2,
	       "synchronize_rcu() returned while a reader was still inside");
	EXPECT(ms >= 100, "grace period took %llu ms", (unsigned long long)ms);
	pthread_join(t, NULL);

	/* No reader now: a grace period is quick. */
	t0 = compat_now_ns();
	synchronize_rcu();
	ms = (compat_now_ns() - t0) / 1000000;
	EXPECT(ms < 100, "idle grace period took %llu ms",
	       (unsigned long long)ms);
}

struct test_work {
	struct work_struct	work;
	pthread_t		ran_on;
	int			runs;
	int			started;
	int			sleep_ms;
};

static void test_work_fn(struct work_struct *work)
{
	struct test_work *tw = container_of(work, struct test_work, work);

	__atomic_fetch_add(&tw->started, 1, __ATOMIC_SEQ_CST);
	if (tw->sleep_ms)
		sleep_ms(tw->sleep_ms);
	tw->ran_on = pthread_self();
	__atomic_fetch_add(&tw->runs, 1, __ATOMIC_SEQ_CST);
}

static void test_workqueue(void)
{
	static struct test_work tw;
	u64 t0, ms;

	memset(&tw, 0, sizeof(tw));
	INIT_WORK(&tw.work, test_work_fn);
	EXPECT(!cancel_work_sync(&tw.work), "cancel of a never queued work");

	tw.sleep_ms = 100;
	EXPECT(queue_work(system_wq, &tw.work), "first queue_work()");
	EXPECT(__atomic_load_n(&tw.runs, __ATOMIC_SEQ_CST) == 0,
	       "work ran inside queue_work()");
	compat_flush_system_wq();
	EXPECT_EQ(tw.runs, 1);
	EXPECT(!pthread_equal(tw.ran_on, pthread_self()),
	       "work ran on the caller's thread");

	/* Queued while running: runs once more, after. */
	EXPECT(queue_work(system_wq, &tw.work), "queue_work()");
	sleep_ms(20);
	EXPECT(queue_work(system_wq, &tw.work), "queue_work() while running");
	EXPECT(!queue_work(system_wq, &tw.work), "queue_work() while pending");
	compat_flush_system_wq();
	EXPECT_EQ(tw.runs, 3);

	/*
	 * cancel_work_sync() waits for the running instance: once the work
	 * has started (however loaded the machine), cancel returns only
	 * after it finished.
	 */
	EXPECT(queue_work(system_wq, &tw.work), "queue_work()");
	t0 = compat_now_ns();
	while (__atomic_load_n(&tw.started, __ATOMIC_SEQ_CST) < 4 &&
	       compat_now_ns() - t0 < 5000000000ULL)
		sleep_ms(1);
	EXPECT_EQ(tw.started, 4);
	cancel_work_sync(&tw.work);
	ms = (compat_now_ns() - t0) / 1000000;
	EXPECT_EQ(tw.runs, 4);
	t_note("cancel_work_sync() returned %llu ms after the work started", (unsigned long long)ms);
}

static void test_alloc_failure_injection(void)
{
	void *p[4];
	unsigned int i;

	compat_alloc_fail(1, 2);
	for (i = 0; i < 4; i++)
		p[i] = kvzalloc(64, GFP_KERNEL);
	EXPECT(p[0] && !p[1] && !p[2] && p[3], "%p %p %p %p", p[0], p[1],
	       p[2], p[3]);
	for (i = 0; i < 4; i++)
		kvfree(p[i]);
}

static void test_warn_recorded(void)
{
	unsigned long before = compat_warnings();

	t_expect_warnings(1);
	WARN_ONCE(1, "a warning the test asked for\n");
	EXPECT_EQ(compat_warnings(), before + 1);
}

static void *wake_later(void *arg)
{
	sleep_ms(100);
	wake_up_all(arg);
	return NULL;
}

static void test_wait_timeout(void)
{
	static wait_queue_head_t wq;
	pthread_t t;
	long left;
	u64 t0, ms;
	int cond = 0;

	init_waitqueue_head(&wq);
	t0 = compat_now_ns();
	left = wait_event_interruptible_timeout(wq, cond, HZ / 5);
	ms = (compat_now_ns() - t0) / 1000000;
	EXPECT_EQ(left, 0);
	EXPECT(ms >= 190 && ms < 1000, "timed out after %llu ms",
	       (unsigned long long)ms);

	/* Woken with the condition still false: it keeps waiting. */
	ASSERT(!pthread_create(&t, NULL, wake_later, &wq), "thread");
	left = wait_event_interruptible_timeout(wq, cond, HZ / 2);
	pthread_join(t, NULL);
	EXPECT_EQ(left, 0);

	cond = 1;
	left = wait_event_interruptible_timeout(wq, cond, HZ);
	EXPECT_EQ(left, HZ);
	left = wait_event_interruptible_timeout(wq, cond, 0);
	EXPECT_EQ(left, 1);
}

static void test_upstream_parser(void)
{
	unsigned long long v = 0;
	char *end;

	EXPECT_EQ(bch_strtoull_h("4k", &v), 0);
	EXPECT_EQ_U(v, 4096);
	EXPECT_EQ(bch_strtoull_h("1e", &v), 0);
	EXPECT_EQ_U(v, 1ULL << 60);
	EXPECT_EQ(bch_strtoull_h("1y", &v), -EINVAL);
	EXPECT_EQ(bch_strtoull_h("4k\n", &v), 0);
	EXPECT_EQ(bch_strtoull_h("4 k", &v), -EINVAL);
	EXPECT_EQ(bch_strtoull_h("k", &v), -EINVAL);
	/* 2^64 + 4096: bcache's parser alone wraps it to 4096. */
	EXPECT_EQ(bch_strtoull_h("18446744073709555712", &v), 0);
	EXPECT_EQ_U(v, 4096);

	EXPECT_EQ_U(simple_strtoull(" 12", &end, 10), 0);
	EXPECT(*end == ' ', "simple_strtoull() skipped whitespace");
	EXPECT_EQ_U(simple_strtoull("-12", &end, 10), 0);
	EXPECT(*end == '-', "simple_strtoull() took a sign");
	EXPECT_EQ_U(simple_strtoull("0x10", &end, 10), 0);
	EXPECT(*end == 'x', "simple_strtoull() base 10 took 0x");
	EXPECT_EQ(kstrtoull("18446744073709551616", 10, &v), -ERANGE);
	EXPECT_EQ(kstrtoull("18446744073709551615\n", 10, &v), 0);
	EXPECT_EQ_U(v, U64_MAX);
}

void suite_compat(void)
{
	RUN(test_grace_period_waits,
	    "compat: synchronize_rcu() waits for running readers only");
	RUN(test_workqueue,
	    "compat: queue_work() runs later on the worker, cancel_work_sync() waits");
	RUN(test_alloc_failure_injection,
	    "compat: allocation failure injection fails exactly the asked ones");
	RUN(test_warn_recorded, "compat: WARN() is recorded");
	RUN(test_wait_timeout,
	    "compat: wait_event_interruptible_timeout() semantics");
	RUN(test_upstream_parser,
	    "compat: bch_strtoull_h() and simple_strtoull() behave as bcache's and the kernel's");
}
