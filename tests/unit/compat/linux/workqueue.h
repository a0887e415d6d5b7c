/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/workqueue.h>: one system_wq served by a
 * real worker thread.  queue_work() only enqueues (false if already
 * pending); the worker clears "pending" before it runs the function, so a
 * work item may be queued again while it runs, and it never runs twice at
 * once.  cancel_work_sync() dequeues a pending item and waits for a running
 * one.
 */
#ifndef _COMPAT_LINUX_WORKQUEUE_H
#define _COMPAT_LINUX_WORKQUEUE_H

#include <linux/types.h>
#include <linux/kernel.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct workqueue_struct;

struct work_struct {
	work_func_t		func;
	struct workqueue_struct	*wq;	/* where it was last queued */
	struct work_struct	*next;
	bool			pending;
};

extern struct workqueue_struct *system_wq;

#define INIT_WORK(_work, _func)						\
do {									\
	(_work)->func = (_func);					\
	(_work)->wq = NULL;						\
	(_work)->next = NULL;						\
	(_work)->pending = false;					\
} while (0)

bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool flush_work(struct work_struct *work);
void flush_workqueue(struct workqueue_struct *wq);

static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}

/*
 * Delayed work: a timer thread moves an item to its workqueue when its
 * delay (in jiffies, HZ from <linux/jiffies.h>) has passed.
 * compat_flush_system_wq() expedites every pending delayed item first, like
 * flush_delayed_work() on each.
 */
struct delayed_work {
	struct work_struct	work;
	struct workqueue_struct	*twq;		/* where it goes when due */
	long long		expires_ns;	/* 0: not on the timer list */
	struct delayed_work	*tnext;
};

#define to_delayed_work(_work)	container_of(_work, struct delayed_work, work)

#define INIT_DELAYED_WORK(_dwork, _func)				\
do {									\
	INIT_WORK(&(_dwork)->work, (_func));				\
	(_dwork)->twq = NULL;						\
	(_dwork)->expires_ns = 0;					\
	(_dwork)->tnext = NULL;						\
} while (0)

bool queue_delayed_work(struct workqueue_struct *wq,
			struct delayed_work *dwork, unsigned long delay);
bool mod_delayed_work(struct workqueue_struct *wq,
		      struct delayed_work *dwork, unsigned long delay);
bool cancel_delayed_work_sync(struct delayed_work *dwork);

#endif
