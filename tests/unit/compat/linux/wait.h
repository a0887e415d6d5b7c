/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/wait.h>: a wait queue is a condition
 * variable plus a wake-up count, so that a wake_up between the condition
 * check and the sleep is not lost (as prepare_to_wait() guarantees).
 * No polling: a waker that forgets to wake is seen as a timeout.  The
 * timeout is in jiffies (HZ = 250) of real time.  Signals never interrupt.
 */
#ifndef _COMPAT_LINUX_WAIT_H
#define _COMPAT_LINUX_WAIT_H

#include <pthread.h>
#include <linux/jiffies.h>
#include <linux/types.h>

typedef struct wait_queue_head {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	unsigned long	wakeups;
} wait_queue_head_t;

void init_waitqueue_head(wait_queue_head_t *wq_head);
void wake_up_all(wait_queue_head_t *wq_head);
#define wake_up(wq_head)	wake_up_all(wq_head)

unsigned long compat_wait_prepare(wait_queue_head_t *wq_head);
u64 compat_wait_deadline(long timeout);
long compat_wait_sleep(wait_queue_head_t *wq_head, unsigned long wakeups,
		       u64 deadline);

/*
 * Kernel semantics: 0 if @condition is still false when @timeout elapsed,
 * 1 if it became true just as it elapsed, else the jiffies left (>= 1).
 */
#define wait_event_interruptible_timeout(wq_head, condition, timeout)	\
({									\
	long __wet_ret = (timeout);					\
	u64 __wet_deadline = compat_wait_deadline(__wet_ret);		\
									\
	for (;;) {							\
		unsigned long __wet_w = compat_wait_prepare(&(wq_head)); \
									\
		if (condition) {					\
			if (!__wet_ret)					\
				__wet_ret = 1;				\
			break;						\
		}							\
		if (!__wet_ret)						\
			break;						\
		__wet_ret = compat_wait_sleep(&(wq_head), __wet_w,	\
					      __wet_deadline);		\
	}								\
	__wet_ret;							\
})
#define wait_event_timeout(wq_head, condition, timeout)			\
	wait_event_interruptible_timeout(wq_head, condition, timeout)

/*
 * The kernel's waits forever.  Here a wake-up that never comes within 10 s
 * aborts the test, even if the condition has become true meanwhile: the
 * kernel, which only looks again when woken, would sleep forever.
 */
void compat_lost_wakeup(const char *condition, const char *file, int line);
#define wait_event(wq_head, condition)					\
do {									\
	for (;;) {							\
		unsigned long __we_w = compat_wait_prepare(&(wq_head));	\
									\
		if (condition)						\
			break;						\
		/* Even if (condition) holds by now: nothing woke us. */ \
		if (!compat_wait_sleep(&(wq_head), __we_w,		\
				       compat_wait_deadline(10 * HZ)))	\
			compat_lost_wakeup(#condition, __FILE__, __LINE__); \
	}								\
} while (0)

#endif
