# SPDX-License-Identifier: GPL-2.0
#
# host.sh - what the host-side test drivers (tests/check, tests/check-debug)
# share: steps, the tally of the guest's TAP, and case metadata.  Bash.
# Source it from the repository's root:
#
#	. tests/lib/host.sh
#
# Sourcing it goes to the repository's root (root=), makes the log directory
# (out=, tests/out) and notes the start (started=).  It keeps the totals in
# PASSED and FAILED and the notes for the end in NOTES; host_finish prints
# them with the last line "N passed, N failed".

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2
. tests/lib/meta.sh

HOST_OUT=${HOST_OUT:-tests/out}
out=$HOST_OUT
mkdir -p "$out"
started=$(date +%s)
PASSED=0 FAILED=0 NOTES=()
# A step's log lines worth repeating under its "ok" line.
STEP_SUMMARY_RE='^(build|static-checks|dkms-round-trip|provenance|harness-selftest|host-selftest|# asan|unit):|^  ok - |^# boot [0-9]+ took'

# step NAME COMMAND...: runs COMMAND with its output in $HOST_OUT/NAME.log;
# one test, passed if COMMAND exits 0.  Returns COMMAND's status.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "=== $name"
	"$@" > "$HOST_OUT/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		PASSED=$((PASSED + 1))
		echo "ok   $name ($(($(date +%s) - t0))s)"
		{ grep -E "$STEP_SUMMARY_RE" "$HOST_OUT/$name.log" || tail -1 "$HOST_OUT/$name.log"; } |
			sed 's/^/     /'
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $name ($(($(date +%s) - t0))s), log: $HOST_OUT/$name.log"
		tail -30 "$HOST_OUT/$name.log" | sed 's/^/     /'
	fi
	return $rc
}

# tap_tally WHAT LOG RUN_RC [MUST_RUN...]: counts the guest's TAP in LOG
# (the output of tests/vm/run, which exited RUN_RC) into PASSED and FAILED:
# each "ok" is a pass, each "not ok" a failure, except "# SKIP" (a note,
# never a pass) and "# TODO" (an expected failure, a note).  Adds a failure
#   - if the guest did not finish (no BBT-DONE line);
#   - if the guest's own totals (BBT-DONE pass= fail= skip= xfail=) differ
#     from the lines counted: a result line was lost or garbled on the
#     console it shares with the kernel;
#   - if tests/vm/run failed although no case did;
#   - for each case of MUST_RUN that was skipped.
# Sets TAP_P TAP_F TAP_S TAP_X to what it counted.
tap_tally() {
	local what=$1 log=$2 run_rc=$3 done_line g_p g_f g_s g_x c extra=0 report start
	shift 3

	TAP_P=$(grep -ac '^ok ' "$log")
	TAP_S=$(grep -ac '^ok .* # SKIP' "$log")
	TAP_X=$(grep -ac '^not ok .* # TODO' "$log")
	TAP_F=$(grep -a '^not ok ' "$log" | grep -vc ' # TODO')
	TAP_P=$((TAP_P - TAP_S))
	grep -aE '^(ok|not ok) ' "$log" | sed 's/^/     /'
	done_line=$(grep -a '^BBT-DONE ' "$log" | tail -1)
	if [ -z "$done_line" ]; then
		echo "FAIL $what: the guest did not finish; log: $log"
		# tests/vm/run's report of the last boot's end (a boot retried
		# says so earlier), or the last lines.
		start=$(grep -an -E '^# [^ ]+: the guest (did not finish within|died \(QEMU exit|refused)' "$log" |
			tail -1 | cut -d: -f1 || true)
		if [ -n "$start" ]; then
			sed -n "$start,\$p" "$log" | grep -a '^# ' | head -80 | sed 's/^/     /'
		else
			grep -a '^# ' "$log" | tail -40 | sed 's/^/     /'
		fi
		report=$(grep -a -m1 -E '^# [^ ]*: the (kernel reported|guest refused to run the cases): ' "$log" |
			sed 's/^# [^ ]*: the //' || true)
		[ -z "$report" ] || NOTES+=("$what did not finish; the $report")
		extra=$((extra + 1))
	else
		g_p=$(echo "$done_line" | sed -n 's/.* pass=\([0-9]*\).*/\1/p')
		g_f=$(echo "$done_line" | sed -n 's/.* fail=\([0-9]*\).*/\1/p')
		g_s=$(echo "$done_line" | sed -n 's/.* skip=\([0-9]*\).*/\1/p')
		g_x=$(echo "$done_line" | sed -n 's/.* xfail=\([0-9]*\).*/\1/p')
		if [ "$g_p/$g_f/$g_s/$g_x" != "$TAP_P/$TAP_F/$TAP_S/$TAP_X" ]; then
			echo "FAIL $what: the guest reports pass=$g_p fail=$g_f skip=$g_s xfail=$g_x, but the console shows $TAP_P/$TAP_F/$TAP_S/$TAP_X: a result line was lost or garbled"
			extra=$((extra + 1))
		fi
	fi
	if [ "$run_rc" -ne 0 ] && [ "$TAP_F" -eq 0 ] && [ "$extra" -eq 0 ]; then
		echo "FAIL $what: tests/vm/run exited $run_rc although no case failed; log: $log"
		grep -a '^# ' "$log" | tail -10 | sed 's/^/     /'
		extra=$((extra + 1))
	fi
	for c in "$@"; do
		if grep -aqE "^ok [0-9]+ - $c # SKIP" "$log"; then
			echo "FAIL $what: $c was skipped, but it must run here"
			extra=$((extra + 1))
		fi
	done
	[ "$TAP_F" -eq 0 ] || grep -a -A80 '^not ok ' "$log" | grep -v ' # TODO' | head -160 | sed 's/^/     /'
	PASSED=$((PASSED + TAP_P))
	FAILED=$((FAILED + TAP_F + extra))
	[ "$TAP_S" -eq 0 ] || NOTES+=("$what: $TAP_S skipped (not counted as passed): $(grep -a '^ok .* # SKIP' "$log" | sed 's/^ok [0-9]* - //' | tr '\n' ';')")
	[ "$TAP_X" -eq 0 ] || NOTES+=("$what: $TAP_X expected failures")
	echo "     $what: $TAP_P passed, $((TAP_F + extra)) failed, $TAP_S skipped, $TAP_X expected failures"
	return 0
}

# host_summary_line LOG: adds the "N passed, N failed" last line of LOG (a
# sub-driver such as tests/crash-consistency, which exited RC) to the
# totals; a log without one, or RC != 0 with 0 failed, is one failure.
host_summary_line() {
	local log=$1 rc=$2 p f

	read -r p f <<< "$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -1)"
	if [ -z "${p:-}" ]; then
		p=0 f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	echo "     $p passed, $f failed"
}

# host_finish WHAT STARTED: the notes and the last line; exits 0 only if
# nothing failed.
host_finish() {
	local n

	echo
	echo "$1 took $(($(date +%s) - $2))s"
	for n in "${NOTES[@]}"; do
		echo "note: $n"
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

# suite_cases [quick] [subset]: the guest cases of the normal suite, every
# file in tests/cases except another suite's (SUITE=..., e.g. crash, run by
# tests/crash-consistency); with "quick" only those with QUICK=1, with
# "subset" only those with SUBSET=1 (both: those with both).
suite_cases() {
	local f a quick= subset=

	for a in "$@"; do
		case "$a" in
		quick)	quick=1 ;;
		subset)	subset=1 ;;
		*)	echo "suite_cases: unknown filter '$a'" >&2; return 2 ;;
		esac
	done
	for f in tests/cases/*; do
		[ -n "$(case_meta "$f" SUITE)" ] && continue
		[ -n "$quick" ] && [ "$(case_meta "$f" QUICK)" != 1 ] && continue
		[ -n "$subset" ] && [ "$(case_meta "$f" SUBSET)" != 1 ] && continue
		basename "$f"
	done
}

# kernel_suite KVER: "full" or "subset", the guest suite KVER gets
# (scripts/kernels suite: the second column of scripts/supported-kernels).
kernel_suite() {
	scripts/kernels suite "$1"
}

# kernel_cases KVER [quick]: the guest cases tests/check runs on KVER: the
# normal suite on a "full" kernel, its SUBSET=1 cases on a "subset" one;
# with "quick" the QUICK=1 cases on either.  Fails, saying so, if that
# leaves no case at all.
kernel_cases() {
	local suite cases

	suite=$(kernel_suite "$1") || return 1
	if [ "${2:-}" = quick ]; then
		cases=$(suite_cases quick) || return 1
	elif [ "$suite" = subset ]; then
		cases=$(suite_cases subset) || return 1
	else
		cases=$(suite_cases) || return 1
	fi
	[ -n "$cases" ] || { echo "kernel_cases: no guest case for $1 (suite $suite${2:+, $2})" >&2; return 1; }
	echo "$cases"
}
