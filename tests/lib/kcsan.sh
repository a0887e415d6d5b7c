# SPDX-License-Identifier: GPL-2.0
#
# kcsan.sh - judge KCSAN's data-race reports on a guest's console, for the
# kcsan-rt tier of tests/check-debug.  Bash, on the host.
#
# On the kcsan-rt kernel only bcache.ko is instrumented (KCSAN_SANITIZE=n
# for the rest, scripts/build-debug-kernel): a report names at least one
# access in bcache, the other side may be anywhere.  The guest's runner
# leaves the reports out of its own check (log_trouble in tests/rc); here
# every report is read from the console, once, and sorted by the frames of
# its two stacks:
#
#   tracker    a frame of the tracker's code: a bypass_* function, or one
#              of its sysfs show/store functions, in [bcache]
#   bcache     another frame in [bcache]: stock bcache's own races, or a
#              hook of ours inside a stock function (read it to tell)
#   elsewhere  no frame in bcache
#
# The title names the two functions, "[bcache]" marking a module's, as in
# "data-race in bypass_tracker_end_write [bcache] / bch_foo [bcache]"; the
# stack frames below it are printed at the default log level, so the tier
# boots with --loglevel 5 (tests/vm/run) to have them on the console: a
# hook of ours inlined into a stock function shows only there.
#
# A "tracker" report is a finding: it is fixed, or the access is marked
# data_race()/READ_ONCE() with the reason in docs/design.md, after which
# KCSAN no longer reports it.  So is a "bcache" one, unless its title
# matches a line of tests/lib/kcsan-allowlist, which says why stock
# bcache's race is not ours to fix.

# The tracker's functions: bypass_tracker.c, its sysfs files in sysfs.c and
# the module parameter of src/dkms/bypass_tracker_module.c.
KCSAN_TRACKER_RE='(^|[^a-z_])((_*bch_)?bypass_[a-z_0-9]+|chunk_size_param_[gs]et)(\\+0x[0-9a-f]+/0x[0-9a-f]+)? \\[bcache\\]'

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

# kcsan_judge CONSOLE CONFIG RELEASE OUT [RACES]: writes each distinct
# report with its class and count to OUT, prints them, and sets
# KCSAN_SUMMARY.  Returns 1 if a report is the tracker's, if one in the
# rest of bcache is not on the allowlist, if KCSAN counted more races
# (RACES, /sys/kernel/debug/kcsan's data_races, from the kcsan-stats case)
# than the console shows reports, or if nothing shows that a KCSAN kernel
# ran: CONFIG (the kernel's .config) must enable KCSAN from boot, and the
# console must show RELEASE booted.
kcsan_judge() {
	local console=$1 config=$2 release=$3 dest=$4 races=${5:-} n_tracker n_bcache n_else n_allowed n_all
	local allow=${KCSAN_ALLOWLIST:-$(dirname "${BASH_SOURCE[0]}")/kcsan-allowlist}

	if ! grep -q '^CONFIG_KCSAN=y$' "$config" ||
	   ! grep -q '^CONFIG_KCSAN_EARLY_ENABLE=y$' "$config" ||
	   ! grep -aq "^BBT-BOOTED $release " "$console"; then
		KCSAN_SUMMARY="no KCSAN kernel ran ($config, $release): nothing checked"
		KCSAN_TRACKER=0
		echo "FAIL: $KCSAN_SUMMARY"
		return 1
	fi
	kcsan_reports "$console" | sort | uniq -c | sort -k2,2 -k1,1nr > "$dest"
	n_tracker=$(awk '$2 == "tracker" { n += $1 } END { print n + 0 }' "$dest")
	n_bcache=$(awk '$2 == "bcache" { n += $1 } END { print n + 0 }' "$dest")
	n_else=$(awk '$2 == "elsewhere" { n += $1 } END { print n + 0 }' "$dest")
	n_all=$((n_tracker + n_bcache + n_else))
	# The allowlist: one extended regex per line, matched against the
	# title, then a tab and the reason; "#" lines are comments.
	n_allowed=$(awk -F'\t' 'NR == FNR { if ($0 !~ /^#/ && NF >= 2) re[$1] = 1; next }
		{ cls = $0; sub(/^ *[0-9]+ /, "", cls); split(cls, f, "\t")
		  if (f[1] != "bcache") next
		  for (r in re) if (f[2] ~ r) { n += $0 + 0; break } }
		END { print n + 0 }' "$allow" "$dest")
	KCSAN_TRACKER=$n_tracker
	KCSAN_SUMMARY="$n_tracker reports in the tracker, $n_bcache in the rest of bcache ($n_allowed of them allowlisted), $n_else elsewhere"
	[ -z "$races" ] || KCSAN_SUMMARY+="; KCSAN counted $races races"
	echo "reports (count, class, title):"
	sed 's/^/  /' "$dest"
	echo "kcsan: $KCSAN_SUMMARY"
	[ "$n_tracker" -eq 0 ] || { echo "FAIL: a data race in the tracker"; return 1; }
	[ "$n_bcache" -eq "$n_allowed" ] ||
		{ echo "FAIL: a data race in bcache that tests/lib/kcsan-allowlist does not explain"; return 1; }
	# Strict reporting (scripts/debug-kernel-kcsan-rt.config) prints every
	# race KCSAN counts; one counted and not on the console was not judged.
	[ -z "$races" ] || [ "$races" -le "$n_all" ] ||
		{ echo "FAIL: KCSAN counted $races races, the console shows $n_all reports"; return 1; }
}
