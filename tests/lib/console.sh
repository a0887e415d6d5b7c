# SPDX-License-Identifier: GPL-2.0
#
# console.sh - find what the kernel reported on a guest's serial console.
# Bash: sourced by tests/vm/run, which names the report of a guest that
# died, and by tests/host-selftest, which checks it on sample lines.

# What the kernel prints when it is unhappy: tests/rc's KERNEL_LOG_BAD,
# the one list the guest fails a case on (read as text, as meta.sh reads
# a case), and the lines that head an oops ("int3: 0000 [#1]" on 6.1, with
# no "Oops: "), a BUG_ON, a panic or a stall; only the kernel's own lines,
# which start with a timestamp (the cases' lines do not).  KCSAN's reports
# are left out: the KCSAN tier tolerates them (log_trouble in tests/rc).
KERNEL_LOG_BAD=$(sed -n "s/^KERNEL_LOG_BAD='\(.*\)'\$/\1/p" "$(dirname "${BASH_SOURCE[0]}")/../rc")
[ -n "$KERNEL_LOG_BAD" ] || { echo "console.sh: no KERNEL_LOG_BAD in tests/rc" >&2; exit 2; }
KERNEL_REPORT="^\[ *[0-9]+\.[0-9]+\] .*($KERNEL_LOG_BAD|kernel BUG at|: [0-9a-f]{4} \[#[0-9]+\]|Kernel panic|soft lockup|rcu_(preempt|sched) (self-)?detected stall)"

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
