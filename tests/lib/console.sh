# SPDX-License-Identifier: GPL-2.0
#
# console.sh - find what the kernel reported on a guest's serial console.
# Bash: sourced by tests/vm/run, which names the report of a guest that
# died, and by tests/host-selftest, which checks it on sample lines.

# What the kernel prints when it oopses ("int3: 0000 [#1]" on 6.1, with
# "Oops: " before it on 6.12), hits a BUG, panics or stalls, and warns
# (seen only with --loglevel 5 or more): its own lines, which start with a
# timestamp; the cases' lines do not.  KCSAN's reports are left out: the
# KCSAN tier tolerates them (log_trouble in tests/rc).
KERNEL_REPORT='^\[ *[0-9]+\.[0-9]+\] .*(Oops|BUG:|WARNING:|kernel BUG at|: [0-9a-f]{4} \[#[0-9]+\]|general protection fault|Kernel panic|soft lockup|rcu_(preempt|sched) (self-)?detected stall|blocked for more than)'

# kernel_first_report LOG: the number of LOG's first line that matches
# KERNEL_REPORT and is not a KCSAN report; nothing if there is none.
kernel_first_report() {
	grep -a -n -E "$KERNEL_REPORT" "$1" | grep -a -v 'BUG: KCSAN: ' | head -1 | cut -d: -f1 || true
}

# kernel_report_line LOG N: console line N of LOG, and the first kernel
# RIP in the 41 lines from it, without timestamps, on one line.
kernel_report_line() {
	local what rip

	what=$(sed -n "$2p" "$1" | tr -d '\r' | sed 's/^\[ *[0-9.]*\] //')
	rip=$(sed -n "$2,$(($2 + 40))p" "$1" | grep -a -m1 'RIP: 0010:' | tr -d '\r' |
		sed 's/^\[ *[0-9.]*\] //' || true)
	echo "$what${rip:+ ($rip)}"
}
