// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace kernel services behind the headers in compat/linux/, for
 * the bypass tracker's unit tests.  Each one keeps the property the
 * tracker relies on, and checks what the kernel's debug options would:
 * - allocations can be made to fail (compat_alloc_fail()) and are counted,
 *   so that a test sees leaks and what memory_bytes should say;
 * - WARN*() hits are counted; the test runner fails the test that hit one;
 * - RCU grace periods really wait for every reader that was running;
 *   sleeping inside a reader WARNs;
 * - system_wq runs work on its own thread, later, never twice at once;
 * - mutexes know their owner, for lockdep_is_held();
 * - wait queues do not lose a wake-up, and time out in real time.
 * Limitations: nothing is ever interrupted by a signal (-EINTR paths are
 * not reachable); there is one worker thread, where the kernel has a pool
 * (a work item that blocks delays every other one here).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "compat.h"

uint64_t compat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static struct timespec ns_to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	return ts;
}

/* --- WARN ---------------------------------------------------------------- */

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long warn_count;
static char warn_last[512];

void compat_warn(const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';

	pthread_mutex_lock(&warn_lock);
	warn_count++;
	snprintf(warn_last, sizeof(warn_last), "%s:%d: %s", file, line, msg);
	pthread_mutex_unlock(&warn_lock);
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, msg);
}

unsigned long compat_warnings(void)
{
	unsigned long n;

	pthread_mutex_lock(&warn_lock);
	n = warn_count;
	pthread_mutex_unlock(&warn_lock);
	return n;
}

const char *compat_last_warning(void)
{
	static char copy[sizeof(warn_last)];

	pthread_mutex_lock(&warn_lock);
	memcpy(copy, warn_last, sizeof(copy));
	pthread_mutex_unlock(&warn_lock);
	return copy;
}

/* --- allocations --------------------------------------------------------- */

struct alloc_hdr {
	size_t		size;
	unsigned long	magic;
};

#define ALLOC_MAGIC	0xb1a5ed0c0ffee5edUL

static pthread_mutex_t alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int alloc_skip, alloc_fail;
static unsigned long alloc_attempts, alloc_live;
static size_t alloc_live_bytes;

void compat_alloc_fail(unsigned int skip, unsigned int fail)
{
	pthread_mutex_lock(&alloc_lock);
	alloc_skip = skip;
	alloc_fail = fail;
	pthread_mutex_unlock(&alloc_lock);
}

unsigned long compat_alloc_attempts(void)
{
	unsigned long n;

	pthread_mutex_lock(&alloc_lock);
	n = alloc_attempts;
	pthread_mutex_unlock(&alloc_lock);
	return n;
}

unsigned long compat_alloc_live(void)
{
	unsigned long n;

	pthread_mutex_lock(&alloc_lock);
	n = alloc_live;
	pthread_mutex_unlock(&alloc_lock);
	return n;
}

size_t compat_alloc_live_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&alloc_lock);
	n = alloc_live_bytes;
	pthread_mutex_unlock(&alloc_lock);
	return n;
}

void *compat_alloc(size_t size, gfp_t flags)
{
	struct alloc_hdr *h;
	bool fail;

	if (flags & GFP_KERNEL)
		might_sleep();

	pthread_mutex_lock(&alloc_lock);
	alloc_attempts++;
	if (alloc_skip) {
		alloc_skip--;
		fail = false;
	} else {
		fail = alloc_fail != 0;
		if (fail)
			alloc_fail--;
	}
	pthread_mutex_unlock(&alloc_lock);

	if (fail || size > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	/* Catch code that relies on memory it did not ask to be zeroed. */
	memset(h + 1, flags & __GFP_ZERO ? 0 : 0xa5, size);
	h->size = size;
	h->magic = ALLOC_MAGIC;

	pthread_mutex_lock(&alloc_lock);
	alloc_live++;
	alloc_live_bytes += size;
	pthread_mutex_unlock(&alloc_lock);
	return h + 1;
}

void compat_free(const void *ptr)
{
	struct alloc_hdr *h;

	if (!ptr)
		return;
	h = (struct alloc_hdr *)ptr - 1;
	if (WARN(h->magic != ALLOC_MAGIC,
		 "kvfree(%p): not allocated here, or freed twice\n", ptr))
		return;
	h->magic = 0;

	pthread_mutex_lock(&alloc_lock);
	alloc_live--;
	alloc_live_bytes -= h->size;
	pthread_mutex_unlock(&alloc_lock);
	free(h);
}

/* --- per-cpu ------------------------------------------------------------- */

__thread int compat_cpu = -1;
void (*compat_rmb_hook)(void);
static unsigned int compat_next_cpu;

unsigned int compat_this_cpu_slow(void)
{
	compat_cpu = __atomic_fetch_add(&compat_next_cpu, 1, __ATOMIC_RELAXED) %
		     COMPAT_NR_CPUS;
	return compat_cpu;
}

void *compat_alloc_percpu(size_t size)
{
	void *p;

	if (WARN(size > COMPAT_PCPU_UNIT, "alloc_percpu(%zu): too big\n", size))
		return NULL;
	p = compat_alloc(COMPAT_NR_CPUS * COMPAT_PCPU_UNIT,
			 GFP_KERNEL | __GFP_ZERO);
	return p ? (void *)((uintptr_t)p ^ COMPAT_PCPU_TAG) : NULL;
}

void free_percpu(void *ptr)
{
	if (ptr)
		compat_free((void *)((uintptr_t)ptr ^ COMPAT_PCPU_TAG));
}

/* --- preemption points --------------------------------------------------- */

unsigned int compat_preempt_every;

void compat_preempt_rate(unsigned int n)
{
	__atomic_store_n(&compat_preempt_every, n, __ATOMIC_RELAXED);
}

void compat_preempt_maybe(void)
{
	static __thread u64 state;
	unsigned int n = __atomic_load_n(&compat_preempt_every,
					 __ATOMIC_RELAXED);
	u64 x;

	if (!state)
		state = (uintptr_t)&state | 1;
	x = state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	state = x;
	x *= 0x2545f4914f6cdd1dULL;
	if (!n || (x >> 32) % n)
		return;
	if (x & 1) {
		sched_yield();
	} else {
		struct timespec ts = { .tv_nsec = 1000 + (x >> 8) % 200000 };

		nanosleep(&ts, NULL);
	}
}

/* --- RCU ----------------------------------------------------------------- */

__thread struct compat_rcu_reader *compat_rcu_self;
bool compat_rcu_membarrier;
#ifdef __SANITIZE_THREAD__
long compat_mb_word;
#endif

static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t rcu_readers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t rcu_gp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct compat_rcu_reader *rcu_readers;
static unsigned long rcu_gp_count;

static void rcu_init(void)
{
	long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    !syscall(__NR_membarrier,
		     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		__atomic_store_n(&compat_rcu_membarrier, true,
				 __ATOMIC_RELAXED);
}

bool compat_rcu_uses_membarrier(void)
{
	pthread_once(&rcu_once, rcu_init);
	return compat_rcu_membarrier;
}

/* A thread's first rcu_read_lock() lands here.  Readers are never freed. */
struct compat_rcu_reader *compat_rcu_register(void)
{
	struct compat_rcu_reader *r;

	pthread_once(&rcu_once, rcu_init);
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	pthread_mutex_lock(&rcu_readers_lock);
	r->next = rcu_readers;
	__atomic_store_n(&rcu_readers, r, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&rcu_readers_lock);
	compat_rcu_self = r;
	return r;
}

/* A full barrier on every thread of the process, or on this one. */
static void rcu_barrier_all(void)
{
	if (compat_rcu_membarrier) {
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			    0, 0))
			abort();
	} else {
		smp_mb();
	}
}

static void backoff(unsigned int *spins)
{
	if (++*spins < 100) {
		sched_yield();
	} else {
		struct timespec ts = { .tv_nsec = 20000 };

		nanosleep(&ts, NULL);
	}
}

void synchronize_rcu(void)
{
	struct compat_rcu_reader *r;

	/* Inside a reader this would wait for itself forever. */
	if (WARN(rcu_read_lock_held(),
		 "synchronize_rcu() inside an RCU read-side critical section\n"))
		return;
	pthread_once(&rcu_once, rcu_init);

	pthread_mutex_lock(&rcu_gp_lock);
	rcu_barrier_all();
	for (r = __atomic_load_n(&rcu_readers, __ATOMIC_ACQUIRE); r;
	     r = r->next) {
		unsigned long ctr = __atomic_load_n(&r->ctr, __ATOMIC_ACQUIRE);
		unsigned int spins = 0;

		if (!(ctr & 1))
			continue;
		while (__atomic_load_n(&r->ctr, __ATOMIC_ACQUIRE) == ctr)
			backoff(&spins);
	}
	rcu_barrier_all();
	rcu_gp_count++;
	pthread_mutex_unlock(&rcu_gp_lock);
}

unsigned long compat_rcu_grace_periods(void)
{
	unsigned long n;

	pthread_mutex_lock(&rcu_gp_lock);
	n = rcu_gp_count;
	pthread_mutex_unlock(&rcu_gp_lock);
	return n;
}

void compat_might_sleep(const char *file, int line)
{
	if (rcu_read_lock_held())
		compat_warn(file, line,
			    "sleeping inside an RCU read-side critical section");
}

/* --- mutexes ------------------------------------------------------------- */

static unsigned long self_id(void)
{
	return (unsigned long)pthread_self();
}

void mutex_init(struct mutex *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&lock->m, &attr);
	pthread_mutexattr_destroy(&attr);
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
}

void mutex_destroy(struct mutex *lock)
{
	WARN(pthread_mutex_destroy(&lock->m), "mutex_destroy() of a held mutex\n");
}

void mutex_lock(struct mutex *lock)
{
	int ret;

	might_sleep();
	ret = pthread_mutex_lock(&lock->m);
	if (WARN(ret, "mutex_lock(): %s\n", strerror(ret)))
		abort();
	__atomic_store_n(&lock->owner, self_id(), __ATOMIC_RELAXED);
}

int mutex_lock_interruptible(struct mutex *lock)
{
	mutex_lock(lock);
	return 0;
}

void mutex_unlock(struct mutex *lock)
{
	if (WARN(__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != self_id(),
		 "mutex_unlock() of a mutex this thread does not hold\n"))
		return;
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lock->m);
}

bool compat_mutex_is_held(struct mutex *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == self_id();
}

/* --- wait queues --------------------------------------------------------- */

void init_waitqueue_head(wait_queue_head_t *wq_head)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&wq_head->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wq_head->cond, &attr);
	pthread_condattr_destroy(&attr);
	wq_head->wakeups = 0;
}

void wake_up_all(wait_queue_head_t *wq_head)
{
	pthread_mutex_lock(&wq_head->lock);
	wq_head->wakeups++;
	pthread_cond_broadcast(&wq_head->cond);
	pthread_mutex_unlock(&wq_head->lock);
}

unsigned long compat_wait_prepare(wait_queue_head_t *wq_head)
{
	unsigned long w;

	pthread_mutex_lock(&wq_head->lock);
	w = wq_head->wakeups;
	pthread_mutex_unlock(&wq_head->lock);
	return w;
}

u64 compat_wait_deadline(long timeout)
{
	return compat_now_ns() + (timeout > 0 ? timeout * NSEC_PER_JIFFY : 0);
}

void compat_lost_wakeup(const char *condition, const char *file, int line)
{
	fprintf(stderr, "%s:%d: wait_event(%s): no wake-up in 10 s\n",
		file, line, condition);
	abort();
}

/* Sleeps until woken after @wakeups or until @deadline; jiffies left. */
long compat_wait_sleep(wait_queue_head_t *wq_head, unsigned long wakeups,
		       u64 deadline)
{
	struct timespec ts = ns_to_timespec(deadline);
	u64 now;

	might_sleep();
	pthread_mutex_lock(&wq_head->lock);
	while (wq_head->wakeups == wakeups &&
	       pthread_cond_timedwait(&wq_head->cond, &wq_head->lock,
				      &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&wq_head->lock);

	now = compat_now_ns();
	return now >= deadline ? 0 :
		(long)DIV_ROUND_UP(deadline - now, NSEC_PER_JIFFY);
}

/* --- system_wq ----------------------------------------------------------- */

struct workqueue_struct {
	pthread_mutex_t		lock;
	pthread_cond_t		more;
	pthread_cond_t		idle;
	struct work_struct	*head, *tail;
	struct work_struct	*running;
	bool			started;
	unsigned long		executed;
};

static struct workqueue_struct compat_system_wq = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};
struct workqueue_struct *system_wq = &compat_system_wq;

static void *worker_thread(void *arg)
{
	struct workqueue_struct *wq = arg;
	struct work_struct *work;

	pthread_mutex_lock(&wq->lock);
	for (;;) {
		while (!wq->head)
			pthread_cond_wait(&wq->more, &wq->lock);
		work = wq->head;
		wq->head = work->next;
		if (!wq->head)
			wq->tail = NULL;
		work->next = NULL;
		work->pending = false;
		wq->running = work;
		pthread_mutex_unlock(&wq->lock);

		work->func(work);
		WARN(rcu_read_lock_held(), "work item left an RCU reader open\n");

		pthread_mutex_lock(&wq->lock);
		wq->running = NULL;
		wq->executed++;
		pthread_cond_broadcast(&wq->idle);
	}
	return NULL;
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	pthread_mutex_lock(&wq->lock);
	if (!wq->started) {
		pthread_t t;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, worker_thread, wq))
			abort();
		pthread_attr_destroy(&attr);
		wq->started = true;
	}
	if (work->pending) {
		pthread_mutex_unlock(&wq->lock);
		return false;
	}
	work->pending = true;
	__atomic_store_n(&work->wq, wq, __ATOMIC_RELAXED);
	work->next = NULL;
	if (wq->tail)
		wq->tail->next = work;
	else
		wq->head = work;
	wq->tail = work;
	pthread_cond_signal(&wq->more);
	pthread_mutex_unlock(&wq->lock);
	return true;
}

bool cancel_work_sync(struct work_struct *work)
{
	struct workqueue_struct *wq = __atomic_load_n(&work->wq,
						      __ATOMIC_RELAXED);
	struct work_struct **link;
	bool was_pending;

	might_sleep();
	if (!wq)
		return false;

	pthread_mutex_lock(&wq->lock);
	was_pending = work->pending;
	if (was_pending) {
		struct work_struct *prev = NULL;

		for (link = &wq->head; *link != work; link = &(*link)->next)
			prev = *link;
		*link = work->next;
		if (wq->tail == work)
			wq->tail = prev;
		work->next = NULL;
		work->pending = false;
	}
	while (wq->running == work)
		pthread_cond_wait(&wq->idle, &wq->lock);
	pthread_mutex_unlock(&wq->lock);
	return was_pending;
}

/* Waits until @work is neither queued nor running, as the kernel's does. */
bool flush_work(struct work_struct *work)
{
	struct workqueue_struct *wq = __atomic_load_n(&work->wq,
						      __ATOMIC_RELAXED);
	bool waited = false;

	might_sleep();
	if (!wq)
		return false;
	pthread_mutex_lock(&wq->lock);
	while (work->pending || wq->running == work) {
		waited = true;
		pthread_cond_wait(&wq->idle, &wq->lock);
	}
	pthread_mutex_unlock(&wq->lock);
	return waited;
}

void flush_workqueue(struct workqueue_struct *wq)
{
	might_sleep();
	pthread_mutex_lock(&wq->lock);
	while (wq->head || wq->running)
		pthread_cond_wait(&wq->idle, &wq->lock);
	pthread_mutex_unlock(&wq->lock);
}

/* --- delayed work ------------------------------------------------------- */

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond = PTHREAD_COND_INITIALIZER;
static struct delayed_work *timer_list;
static bool timer_started;

static long long timer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Caller holds timer_lock. */
static bool timer_unlink(struct delayed_work *dwork)
{
	struct delayed_work **link;

	for (link = &timer_list; *link; link = &(*link)->tnext) {
		if (*link == dwork) {
			*link = dwork->tnext;
			dwork->tnext = NULL;
			dwork->expires_ns = 0;
			return true;
		}
	}
	return false;
}

static void *timer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		struct delayed_work *d, *due = NULL;
		long long now = timer_now_ns(), next = 0;

		for (d = timer_list; d; d = d->tnext) {
			if (d->expires_ns <= now) {
				due = d;
				break;
			}
			if (!next || d->expires_ns < next)
				next = d->expires_ns;
		}
		if (due) {
			timer_unlink(due);
			pthread_mutex_unlock(&timer_lock);
			queue_work(due->twq, &due->work);
			pthread_mutex_lock(&timer_lock);
			continue;
		}
		if (next) {
			struct timespec ts;

			/* timer_cond uses CLOCK_MONOTONIC, see timer_add(). */
			ts.tv_sec = next / 1000000000LL;
			ts.tv_nsec = next % 1000000000LL;
			pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
		} else {
			pthread_cond_wait(&timer_cond, &timer_lock);
		}
	}
	return NULL;
}

/* Caller holds timer_lock. */
static void timer_add(struct workqueue_struct *wq, struct delayed_work *dwork,
		      unsigned long delay)
{
	if (!timer_started) {
		pthread_condattr_t ca;
		pthread_attr_t attr;
		pthread_t t;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_destroy(&timer_cond);
		pthread_cond_init(&timer_cond, &ca);
		pthread_condattr_destroy(&ca);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, timer_thread, NULL))
			abort();
		pthread_attr_destroy(&attr);
		timer_started = true;
	}
	dwork->twq = wq;
	dwork->expires_ns = timer_now_ns() + (long long)delay * NSEC_PER_JIFFY;
	dwork->tnext = timer_list;
	timer_list = dwork;
	pthread_cond_signal(&timer_cond);
}

bool queue_delayed_work(struct workqueue_struct *wq,
			struct delayed_work *dwork, unsigned long delay)
{
	bool queued = true;

	bool pending;

	pthread_mutex_lock(&wq->lock);
	pending = dwork->work.pending;
	pthread_mutex_unlock(&wq->lock);

	pthread_mutex_lock(&timer_lock);
	if (dwork->expires_ns || pending)
		queued = false;
	else if (delay)
		timer_add(wq, dwork, delay);
	pthread_mutex_unlock(&timer_lock);
	if (queued && !delay)
		queued = queue_work(wq, &dwork->work);
	return queued;
}

bool mod_delayed_work(struct workqueue_struct *wq,
		      struct delayed_work *dwork, unsigned long delay)
{
	bool was_pending;

	pthread_mutex_lock(&timer_lock);
	was_pending = timer_unlink(dwork);
	if (delay)
		timer_add(wq, dwork, delay);
	pthread_mutex_unlock(&timer_lock);
	if (!delay && !queue_work(wq, &dwork->work))
		was_pending = true;
	return was_pending;
}

bool cancel_delayed_work_sync(struct delayed_work *dwork)
{
	bool was_pending;

	might_sleep();
	pthread_mutex_lock(&timer_lock);
	was_pending = timer_unlink(dwork);
	pthread_mutex_unlock(&timer_lock);
	return cancel_work_sync(&dwork->work) || was_pending;
}

void compat_flush_system_wq(void)
{
	struct delayed_work *d;

	pthread_mutex_lock(&timer_lock);
	while ((d = timer_list)) {
		timer_unlink(d);
		pthread_mutex_unlock(&timer_lock);
		queue_work(d->twq, &d->work);
		pthread_mutex_lock(&timer_lock);
	}
	pthread_mutex_unlock(&timer_lock);
	flush_workqueue(system_wq);
}

unsigned long compat_work_executed(void)
{
	unsigned long n;

	pthread_mutex_lock(&system_wq->lock);
	n = system_wq->executed;
	pthread_mutex_unlock(&system_wq->lock);
	return n;
}

/* --- number parsing (lib/kstrtox.c, lib/vsprintf.c semantics) ------------ */

#define KSTRTOX_OVERFLOW	(1U << 31)

static const char *parse_integer_fixup_radix(const char *s,
					     unsigned int *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if (_tolower(s[1]) == 'x' && isxdigit(s[2]))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && _tolower(s[1]) == 'x')
		s += 2;
	return s;
}

/*
 * Digits parsed, KSTRTOX_OVERFLOW or'ed in if the value wrapped; the
 * wrapped value is stored anyway, as in the kernel.
 */
static unsigned int parse_integer_limit(const char *s, unsigned int base,
					unsigned long long *p, size_t max_chars)
{
	unsigned long long res = 0;
	unsigned int rv = 0;

	while (max_chars--) {
		unsigned int c = (unsigned char)*s;
		unsigned int lc = _tolower(c);
		unsigned int val;

		if ('0' <= c && c <= '9')
			val = c - '0';
		else if ('a' <= lc && lc <= 'f')
			val = lc - 'a' + 10;
		else
			break;
		if (val >= base)
			break;
		if (res & (~0ULL << 60)) {
			if (res > (ULLONG_MAX - val) / base)
				rv |= KSTRTOX_OVERFLOW;
		}
		res = res * base + val;
		rv++;
		s++;
	}
	*p = res;
	return rv;
}

int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v;
	unsigned int rv;

	if (s[0] == '+')
		s++;
	s = parse_integer_fixup_radix(s, &base);
	rv = parse_integer_limit(s, base, &v, INT_MAX);
	if (rv & KSTRTOX_OVERFLOW)
		return -ERANGE;
	if (rv == 0)
		return -EINVAL;
	s += rv;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* No whitespace skipping, no sign, wraps silently: as in the kernel. */
unsigned long long simple_strtoull(const char *cp, char **endp,
				   unsigned int base)
{
	unsigned long long result;
	unsigned int rv;

	cp = parse_integer_fixup_radix(cp, &base);
	rv = parse_integer_limit(cp, base, &result, INT_MAX);
	cp += rv & ~KSTRTOX_OVERFLOW;
	if (endp)
		*endp = (char *)cp;
	return result;
}
