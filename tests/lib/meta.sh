# SPDX-License-Identifier: GPL-2.0
#
# meta.sh - read a test case's metadata without running the case.  POSIX
# sh: sourced by the guest runner (busybox sh) and by the host scripts
# (tests/lib/host.sh, bash) alike, so that there is one way to read it.
#
# A case sets its metadata at the top level, one assignment a line:
#   DESCRIPTION="..."  TIMEOUT=N  EXPECT=fail  XFAIL_REASON="..."
#   QUICK=1  SUITE=NAME  DEBUG_TIER=skip  SUBSET=1
# SUBSET=1: one of the few cases "make check" runs on a kernel listed as
# "subset" in scripts/supported-kernels (tests/lib/host.sh, kernel_cases).
# The file is read as text, never sourced: a case's other top-level code
# cannot leak into the shell that asks.

# case_meta FILE NAME [DEFAULT]: the value NAME is set to in FILE (quotes
# removed), or DEFAULT.
case_meta() {
	_cm_v=$(sed -n "s/^$2=//p" "$1" | head -n 1)
	case "$_cm_v" in
	\"*\")	_cm_v=${_cm_v#\"}; _cm_v=${_cm_v%\"} ;;
	\'*\')	_cm_v=${_cm_v#\'}; _cm_v=${_cm_v%\'} ;;
	esac
	[ -n "$_cm_v" ] || _cm_v=${3:-}
	printf '%s\n' "$_cm_v"
}

# case_file NAME [TESTS_DIR]: the file of case NAME: cases/NAME, or
# selftest/NAME, demo/NAME, bench/NAME (bench/ is tests/bench/cases).
case_file() {
	case "$1" in
	bench/*)	echo "${2:-/tests}/bench/cases/${1#bench/}" ;;
	*/*)		echo "${2:-/tests}/$1" ;;
	*)		echo "${2:-/tests}/cases/$1" ;;
	esac
}
