# SPDX-License-Identifier: GPL-2.0
#
# debug.sh - helpers for the cases that drive the debug kernel's checkers
# (scripts/build-debug-kernel): fault injection and kmemleak.  Source it
# after /tests/rc:
#
#	. /tests/lib/debug.sh
#
# On a kernel without these checkers (Debian's) the cases skip; the helpers
# only say whether the checkers are there.
#
# Fault injection is steered by code, not by task: require-start and
# require-end make failslab and fail_page_alloc fail only allocations with
# a given range of code on the stack (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER),
# e.g. all of bcache.ko, or only the bypass tracker's own functions.  The
# tracker's I/O path runs in kworkers and closures as much as in the test's
# task, so a task filter would miss most of it, and failing the allocations
# of busybox, fio, dm or null_blk would test them rather than bcache.

DEBUGFS=/sys/kernel/debug
FI_ATTRS="failslab fail_page_alloc"

have_fault_injection() {
	[ -d $DEBUGFS/failslab ] && [ -d $DEBUGFS/fail_page_alloc ] &&
		[ -f $DEBUGFS/failslab/require-start ] && [ -w /proc/self/fail-nth ]
}

have_kmemleak() {
	[ -f $DEBUGFS/kmemleak ]
}

# --- fault injection -----------------------------------------------------------

# fi_arm START END [VERBOSE [REJECT_START REJECT_END]]: failslab and
# fail_page_alloc fail nothing yet, but every allocation with code from
# [START, END) on the stack, and none from [REJECT_START, REJECT_END), is a
# fault point: for /proc/self/fail-nth, and for fi_probability.  GFP_KERNEL
# allocations count (ignore-gfp-wait=N), and fail_page_alloc counts single
# pages too.  VERBOSE 2 logs a stack trace per injected failure, 0 nothing.
fi_arm() {
	local a d

	for a in $FI_ATTRS; do
		d=$DEBUGFS/$a
		echo 0 > $d/probability
		echo 1 > $d/interval
		echo -1 > $d/times
		echo 0 > $d/space
		echo "${3:-2}" > $d/verbose
		echo N > $d/task-filter
		echo N > $d/ignore-gfp-wait
		echo 32 > $d/stacktrace-depth
		echo "${4:-0}" > $d/reject-start
		echo "${5:-0}" > $d/reject-end
		echo "$1" > $d/require-start
		echo "$2" > $d/require-end
	done
	echo N > $DEBUGFS/failslab/cache-filter
	echo N > $DEBUGFS/fail_page_alloc/ignore-gfp-highmem
	echo 0 > $DEBUGFS/fail_page_alloc/min-order
}

# fi_probability PERCENT TIMES: from now on, fail PERCENT% of the fault
# points, at most TIMES times (fi_injected counts down from it).
fi_probability() {
	local a

	for a in $FI_ATTRS; do
		echo "$2" > $DEBUGFS/$a/times
		echo "$1" > $DEBUGFS/$a/probability
	done
	FI_TIMES=$2
}

# Failures injected since fi_probability, over both attributes.
fi_injected() {
	local a n=0

	for a in $FI_ATTRS; do
		n=$((n + FI_TIMES - $(cat $DEBUGFS/$a/times)))
	done
	echo $n
}

# Back to the boot defaults: nothing fails.
fi_disarm() {
	local a d

	for a in $FI_ATTRS; do
		d=$DEBUGFS/$a
		[ -d $d ] || continue
		echo 0 > $d/probability
		echo 1 > $d/times
		echo 0 > $d/require-start
		echo 0xffffffffffffffff > $d/require-end
		echo 0 > $d/reject-start
		echo 0 > $d/reject-end
		echo 2 > $d/verbose
		echo Y > $d/ignore-gfp-wait
	done
	return 0
}

# fi_nth_write N FILE VALUE: "echo VALUE > FILE" in a new shell whose Nth
# fault point fails (/proc/self/fail-nth).  Prints "RC LEFT ERROR": RC is
# the write's exit status, LEFT is 0 if the failure was injected (the write
# reached N fault points), and ERROR is the write's error message, if any.
fi_nth_write() {
	sh -c '
		echo "$1" > /proc/self/fail-nth || exit 99
		echo "$3" > "$2" 2> /tmp/fi_nth.err
		rc=$?
		read left < /proc/self/fail-nth
		echo 0 > /proc/self/fail-nth
		echo "$rc $left $(sed "s/^.*write error: *//" /tmp/fi_nth.err | head -1)"
	' fi_nth "$@"
}

# fi_log_split LOG: moves the kernel log into LOG and prints it without
# what an injected failure is expected to log: the fault injection's own
# report ("FAULT_INJECTION: forcing a failure" and a stack trace) and the
# allocator's warning about a failed allocation ("page allocation failure"
# or "vmalloc error", a stack trace and the memory summary, which matches
# nothing the runner looks for).  Sets nothing; fi_sites summarises the
# injections, fi_alloc_warnings counts the warnings.
fi_log_split() {
	dmesg -c > "$1"
	awk '
		/FAULT_INJECTION: forcing a failure|page allocation failure:|vmalloc error:/ { skip = 1; next }
		skip && /<\/TASK>/ { skip = 0; next }
		!skip' "$1"
}

# fi_alloc_warnings LOG: how many failed-allocation warnings LOG has.
fi_alloc_warnings() {
	grep -cE 'page allocation failure:|vmalloc error:' "$1" || true
}

# fi_sites LOG: for each injected failure in LOG, the allocator and the
# first caller of it from bcache, e.g. "__kvmalloc_node_noprof <- bypass_table_alloc".
fi_sites() {
	awk '
		function flush() {
			if (site != "" || alloc != "")
				print (alloc == "" ? "?" : alloc) " <- " (site == "" ? "?" : site)
			site = alloc = ""
		}
		/FAULT_INJECTION: forcing a failure/ { flush(); skip = 1; n = 0; next }
		skip && /<\/TASK>/ { skip = 0; flush(); next }
		skip && /\+0x/ {
			for (i = 1; i <= NF; i++) if ($i ~ /\+0x/) break
			f = $i; sub(/\+0x.*/, "", f); sub(/^\?/, "", f)
			if (f ~ /^(dump_stack|dump_stack_lvl|should_fail|should_fail_ex|should_failslab|should_fail_alloc_page|fail_dump|prepare_alloc_pages|stack_trace_save|kasan_|__kasan_|slab_pre_alloc_hook)/)
				next
			if (alloc == "") alloc = f
			if (site == "" && $0 ~ /\[bcache\]/) site = f
		}
		END { flush() }' "$1"
}

# --- kmemleak ------------------------------------------------------------------

# kmemleak_collect FILE: two scans (an object first seen in a scan is only
# reported by the next one, kmemleak's guard against objects in flux), then
# the report into FILE.  Prints how many objects it lists.
kmemleak_collect() {
	echo scan > $DEBUGFS/kmemleak || return 1
	sleep 1
	echo scan > $DEBUGFS/kmemleak || return 1
	cat $DEBUGFS/kmemleak > "$1"
	grep -c '^unreferenced object' "$1" || true
}

# kmemleak_attribute REPORT [RANGE...]: splits REPORT into objects and
# prints one line per object: its owner, then the object's first line.  The
# owner is "bcache" (a frame in [bcache], or an address in one of the
# RANGEs, "0xSTART-0xEND", recorded while bcache was loaded), "module:NAME"
# (a frame in another loaded module), "module" (a frame in a module that is
# no longer loaded, outside the RANGEs: cannot tell which), or "kernel".
kmemleak_attribute() {
	local report=$1

	shift
	awk -v ranges="$*" '
		BEGIN { nr = split(ranges, r, " ") }
		function inrange(a,   i, lo, hi) {
			a = tolower(a)
			for (i = 1; i <= nr; i++) {
				lo = r[i]; hi = r[i]
				sub(/-.*/, "", lo); sub(/^.*-/, "", hi)
				sub(/^0x/, "", lo); sub(/^0x/, "", hi)
				if (a >= lo && a < hi) return 1
			}
			return 0
		}
		function flush() {
			if (head != "") print (owner == "" ? "kernel" : owner), head
			head = owner = ""
		}
		/^unreferenced object/ { flush(); head = $0; next }
		/\[bcache\]/ { owner = "bcache"; next }
		/\[[a-z0-9_]+\]$/ {
			if (owner == "" || owner == "module") {
				m = $NF; gsub(/[][]/, "", m); owner = "module:" m
			}
			next
		}
		/\[<[0-9a-f]+>\] 0x[0-9a-f]+$/ {
			a = $NF; sub(/^0x/, "", a)
			if (inrange(a)) owner = "bcache"
			else if (owner == "" && a ~ /^ffffffff[a-f]/) owner = "module"
		}
		END { flush() }' "$report"
}
