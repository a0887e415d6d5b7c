# SPDX-License-Identifier: GPL-2.0
#
# kcsan.sh - judge KCSAN's data-race reports on a guest's console, for the
# kcsan-rt tier of tests/check-debug.  Bash, on the host.
#
# KCSAN instruments the whole kernel, so most of what it reports in a guest
# that runs fio, dm and the block layer is not bcache's.  The guest's
# runner leaves all of it out of its own check (log_trouble in tests/rc);
# here every report is read from the console, once, and sorted by the
# frames of its two stacks:
#
#   tracker    a frame of the tracker's code: a bypass_* function, or one
#              of its sysfs show/store functions, in [bcache]
#   bcache     another frame in [bcache]: stock bcache's own races, or a
#              hook of ours inside a stock function (read it to tell)
#   elsewhere  no frame in bcache
#
# The title names the two functions, "[bcache]" marking a module's, as in
# "data-race in bypass_tracker_end_write [bcache] / bch_foo [bcache]"; the
# stack frames below it are printed at the default log level, which a
# "quiet" boot keeps off the console, so mostly the title is what is read.
#
# A "tracker" report is a finding: it is fixed, or the access is marked
# data_race()/READ_ONCE() with the reason in docs/design.md, after which
# KCSAN no longer reports it.

# The tracker's functions (src/bypass_tracker.c, src/bypass_tracker_sysfs.c).
KCSAN_TRACKER_RE='(^|[^a-z_])(bypass_[a-z_0-9]+|(chunk_size|enabled|inflight_writes|memory_bytes|skipped_fills|tracked_writes)_(show|store)|chunk_size_param_[gs]et)(\\+0x[0-9a-f]+/0x[0-9a-f]+)? \\[bcache\\]'

# kcsan_reports CONSOLE: one line per report, "CLASS<TAB>TITLE", where
# TITLE is what follows "BUG: KCSAN: ", e.g. "data-race in a / b".  The
# guest's own copies of the kernel log (TAP comment lines, "#   | ...")
# are not read, so a report is counted once.
kcsan_reports() {
	tr -d '\r' < "$1" | grep -av '^#' |
		awk -v tracker="$KCSAN_TRACKER_RE" '
		/BUG: KCSAN: / {
			title = $0; sub(/.*BUG: KCSAN: /, "", title)
			inside = 1; cls = "elsewhere"
			if (title ~ tracker) cls = "tracker"
			else if (title ~ /\[bcache\]/) cls = "bcache"
			next
		}
		inside && /========================================/ {
			print cls "\t" title; inside = 0; next
		}
		inside && $0 ~ tracker { cls = "tracker"; next }
		inside && /\[bcache\]/ && cls == "elsewhere" { cls = "bcache" }
		END { if (inside) print cls "\t" title " (report cut off)" }'
}

# kcsan_judge CONSOLE CONFIG RELEASE OUT: writes each distinct report with
# its class and count to OUT, prints them, and sets KCSAN_SUMMARY.  Returns
# 1 if a report is the tracker's, or if nothing shows that a KCSAN kernel
# ran: CONFIG (the kernel's .config) must enable KCSAN from boot, and the
# console must show RELEASE booted.  (The guest boots "quiet", so KCSAN's
# own banner is not on the console.)
kcsan_judge() {
	local console=$1 config=$2 release=$3 dest=$4 n_tracker n_bcache n_else

	if ! grep -q '^CONFIG_KCSAN=y$' "$config" ||
	   ! grep -q '^CONFIG_KCSAN_EARLY_ENABLE=y$' "$config" ||
	   ! grep -aq "^BBT-BOOTED $release " "$console"; then
		KCSAN_SUMMARY="no KCSAN kernel ran ($config, $release): nothing checked"
		echo "FAIL: $KCSAN_SUMMARY"
		return 1
	fi
	kcsan_reports "$console" | sort | uniq -c | sort -k2,2 -k1,1nr > "$dest"
	n_tracker=$(awk '$2 == "tracker" { n += $1 } END { print n + 0 }' "$dest")
	n_bcache=$(awk '$2 == "bcache" { n += $1 } END { print n + 0 }' "$dest")
	n_else=$(awk '$2 == "elsewhere" { n += $1 } END { print n + 0 }' "$dest")
	KCSAN_SUMMARY="$n_tracker reports in the tracker, $n_bcache in the rest of bcache, $n_else elsewhere"
	echo "reports (count, class, title):"
	sed 's/^/  /' "$dest"
	echo "kcsan: $KCSAN_SUMMARY"
	[ "$n_tracker" -eq 0 ]
}
