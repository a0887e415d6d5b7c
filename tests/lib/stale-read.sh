# SPDX-License-Identifier: GPL-2.0
#
# stale-read.sh - the stale-read trial, the one race every reproducer runs,
# and the rule its results are judged by.  Source it after /tests/rc:
#
#	. /tests/lib/stale-read.sh
#
# One trial (sr_race): the backing device holds random data A over the
# range of a write and of a read that overlaps it; a write of B (or a
# discard) to bcache0 starts in the background, its backing write held back
# by dm-delay; during the delay the read range is read with O_DIRECT; after
# the write has completed it is read again.  That last read must return A
# with B in the overlap: then the trial is FRESH if the racing read really
# fell into the write's window, MISSED if not.  If the overlap holds A, the
# cache kept the old data: STALE.  Anything else (neither), a seeding that
# did not stick, a setup read that did not return A, a write or discard
# that failed: ERROR.
#
# The rule (expect_stock_stale, expect_ours_fresh), over TRIALS trials:
#   stock (and ours with enabled=0): at least 80% of the trials raced
#     (FRESH + STALE), at least 90% of those were STALE, no ERROR;
#   ours: every trial FRESH (none STALE, none MISSED, no ERROR), and
#     skipped_fills > 0.

# seed_backing OFFSET FILE: writes FILE to byte OFFSET of bcache0's data
# area on the backing store directly, beneath dm-delay and beneath bcache,
# so that a trial starts without waiting; only for ranges bcache has never
# seen.  The read back through dm-delay proves that the data is where
# bcache will look.  OFFSET and FILE's size are multiples of 512.
seed_backing() {
	local sector=$(($1 / 512 + DATA_OFFSET)) count=$(($(stat -c %s "$2") / 512))

	dd if="$2" of="$BACKING_RAW" bs=512 seek=$sector oflag=direct \
		conv=notrunc 2>/dev/null || return 1
	dd if="$BACKING" of=/tmp/seeded bs=512 skip=$sector count=$count \
		iflag=direct 2>/dev/null || return 1
	cmp -s "$2" /tmp/seeded
}

# A second way into /dev/bcache0: dm-linear on top of it.  A discard ioctl
# holds the bcache0 node's page cache lock until the discard completes, and
# reads through that node wait for it; reads through this device do not, as
# a filesystem's reads during fstrim would not.
bcache_reader() {
	[ -b /dev/mapper/bbt-reader ] ||
		dmsetup create bbt-reader --table "0 $(blockdev --getsz /dev/bcache0) linear /dev/bcache0 0" ||
		return 1
	echo /dev/mapper/bbt-reader
}

# read_range OFFSET LENGTH FILE [DEV]: O_DIRECT, one request, bytes.
read_range() {
	dd if="${4:-/dev/bcache0}" of="$3" bs="$2" skip="$1" count=1 \
		iflag=direct,skip_bytes 2>/dev/null && [ "$(stat -c %s "$3")" -eq "$2" ]
}

# slice FILE OFFSET LENGTH OUT: bytes [OFFSET, OFFSET + LENGTH) of FILE.
slice() {
	dd if="$1" of="$4" bs=4096 skip="$2" count="$3" iflag=skip_bytes,count_bytes 2>/dev/null
}

# sr_judge AFTER NEW OLD IN_WINDOW: what the read after the write (AFTER)
# says, given what it must hold (NEW) and what the old data was there
# (OLD).  Prints the verdict, returns 0 FRESH, 1 STALE, 2 MISSED, 3 ERROR.
# STALE is any 4 KiB block of the write's range still old, the others new
# (a fill may stop part-way, when the cache has no free bucket at hand);
# a block that is neither, anywhere, is an ERROR.
sr_judge() {
	local neither

	if cmp -s "$2" "$1"; then
		[ "$4" = 1 ] && { echo "new data"; return 0; }
		echo "new data, but the read missed the window"
		return 2
	fi
	cmp -s "$3" "$1" && { echo "STALE (old data cached by the racing read)"; return 1; }
	# Blocks that differ from NEW and from OLD: in both lists, neither.
	cmp -l "$2" "$1" | awk '{ print int(($1 - 1) / 4096) }' | uniq > /tmp/sr.notnew
	cmp -l "$3" "$1" | awk '{ print int(($1 - 1) / 4096) }' | uniq > /tmp/sr.notold
	neither=$(awk 'NR == FNR { n[$1] = 1; next } ($1 in n) { c++ } END { print c + 0 }' \
		/tmp/sr.notnew /tmp/sr.notold)
	if [ "$neither" -eq 0 ]; then
		echo "STALE in $(wc -l < /tmp/sr.notnew) blocks of 4 KiB, the others new (a partial fill)"
		return 1
	fi
	echo "ERROR: $neither blocks of 4 KiB hold neither old nor new data"
	return 3
}

# Hooks a caller may set to a command (a function name): SR_BEFORE runs
# before the write starts, SR_DURING instead of the default wait of 30% of
# DELAY_MS once it has started, SR_CHECK after it completed; SR_CHECK
# failing makes the trial MISSED (it did not go as planned).
SR_BEFORE= SR_DURING= SR_CHECK=

# sr_race HOW WOFF WLEN ROFF RLEN [FILL]: one trial, offsets and lengths in
# bytes on bcache0, multiples of 4096.  HOW is write or discard.  FILL=1
# (default) first reads the read range through bcache, so that the racing
# read misses only where the write invalidated; FILL=0 leaves it uncached,
# so that the racing read misses over its whole range, overlapping the
# write in whichever of its chunks the geometry says.  Prints one line,
# returns as sr_judge.
sr_race() {
	local how=$1 woff=$2 wlen=$3 roff=$4 rlen=$5 fill=${6:-1}
	local u0 u1 pid in_window reader=/dev/bcache0 what verdict rc

	what="$how $woff+$wlen, read $roff+$rlen"
	u0=$woff u1=$((woff + wlen))
	[ "$roff" -lt "$u0" ] && u0=$roff
	[ $((roff + rlen)) -gt "$u1" ] && u1=$((roff + rlen))
	head -c $((u1 - u0)) /dev/urandom > /tmp/sr.A
	if [ "$how" = discard ]; then
		head -c "$wlen" /dev/zero > /tmp/sr.B
	else
		head -c "$wlen" /dev/urandom > /tmp/sr.B
	fi
	# What the read range must hold after the write, and what it held.
	cp /tmp/sr.A /tmp/sr.AB
	dd if=/tmp/sr.B of=/tmp/sr.AB bs=4096 seek=$((woff - u0)) \
		oflag=seek_bytes conv=notrunc 2>/dev/null
	slice /tmp/sr.AB $((roff - u0)) "$rlen" /tmp/sr.new
	slice /tmp/sr.A $((roff - u0)) "$rlen" /tmp/sr.old

	seed_backing "$u0" /tmp/sr.A ||
		{ echo "$what: ERROR: cannot seed the backing device"; return 3; }
	if [ "$fill" = 1 ]; then
		read_range "$roff" "$rlen" /tmp/sr.r0 && cmp -s /tmp/sr.old /tmp/sr.r0 ||
			{ echo "$what: ERROR: the setup read did not return the old data"; return 3; }
	fi

	[ -z "$SR_BEFORE" ] || $SR_BEFORE
	case "$how" in
	write)
		dd if=/tmp/sr.B of=/dev/bcache0 bs="$wlen" seek="$woff" count=1 \
			oflag=direct,seek_bytes conv=notrunc 2>/tmp/sr.werr &
		;;
	discard)
		reader=$(bcache_reader) || { echo "$what: ERROR: cannot create the dm-linear reader"; return 3; }
		blkdiscard -f -o "$woff" -l "$wlen" /dev/bcache0 2>/tmp/sr.werr &
		;;
	esac
	pid=$!
	if [ -n "$SR_DURING" ]; then
		$SR_DURING
	else
		usleep $((DELAY_MS * 300))
	fi
	in_window=0
	kill -0 $pid 2>/dev/null && in_window=1
	read_range "$roff" "$rlen" /tmp/sr.r1 "$reader" ||
		{ wait $pid; echo "$what: ERROR: the racing read failed"; return 3; }
	kill -0 $pid 2>/dev/null || in_window=0
	wait $pid || { echo "$what: ERROR: the $how failed: $(cat /tmp/sr.werr)"; return 3; }
	if [ -n "$SR_CHECK" ] && ! $SR_CHECK; then
		echo "$what: the trial did not go as planned"
		return 2
	fi

	read_range "$roff" "$rlen" /tmp/sr.r2 ||
		{ echo "$what: ERROR: the read after the $how failed"; return 3; }
	verdict=$(sr_judge /tmp/sr.r2 /tmp/sr.new /tmp/sr.old $in_window)
	rc=$?
	echo "$what: $verdict"
	return $rc
}

# sr_count RC: adds a trial's result to STALE FRESH MISSED ERRORS RUN.
sr_count() {
	case $1 in
	0) FRESH=$((FRESH + 1)) ;;
	1) STALE=$((STALE + 1)) ;;
	2) MISSED=$((MISSED + 1)) ;;
	*) ERRORS=$((ERRORS + 1)) ;;
	esac
	RUN=$((RUN + 1))
}

sr_reset() {
	STALE=0 FRESH=0 MISSED=0 ERRORS=0 RUN=0
}

sr_summary() {
	echo "$1: $RUN trials: $STALE stale, $FRESH fresh, $MISSED without a race, $ERRORS errors"
}

# stale_trial KIND BLOCK: the classic trial on 4 KiB block BLOCK, filled
# first:
#   write       4 KiB O_DIRECT write (a bypass write in writearound)
#   sequential  1 MiB O_DIRECT write above sequential_cutoff, from BLOCK on
#   discard     blkdiscard of the block
stale_trial() {
	local off=$(($2 * 4096))

	case "$1" in
	write)		sr_race write $off 4096 $off 4096 ;;
	sequential)	sr_race write $off 1048576 $off 4096 ;;
	discard)	sr_race discard $off 4096 $off 4096 ;;
	*)		echo "stale_trial: unknown kind $1"; return 3 ;;
	esac
}

# stale_trials KIND N: N trials on distinct, never-touched blocks; sets
# STALE, FRESH, MISSED, ERRORS and RUN.  Blocks are 2 MiB apart, so no two
# trials share a tracker chunk at any chunk size up to 2 MiB.
stale_trials() {
	local kind=$1 n=$2 i=0

	sr_reset
	while [ $i -lt "$n" ]; do
		stale_trial "$kind" $(((i + 1) * 512))
		sr_count $?
		i=$((i + 1))
	done
	sr_summary "$kind"
}

# stale_read_scenario MODULE MODE KIND: sets up bcache with MODULE in cache
# mode MODE, runs TRIALS trials of KIND.  For the sequential kind,
# sequential_cutoff is lowered to 256k so that a 1 MiB write bypasses.
stale_read_scenario() {
	local module=$1 mode=$2 kind=$3

	load_bcache "$module" || return 1
	setup_bcache "$mode" || return 1
	[ "$kind" = sequential ] && echo 262144 > $BBT_SYSFS/sequential_cutoff
	log "$module bcache, $mode, $kind, write delay ${DELAY_MS} ms:"
	stale_trials "$kind" "$TRIALS"
	SKIPPED_FILLS=0
	dmsetup remove bbt-reader > /dev/null 2>&1
	if [ "$module" = ours ]; then
		SKIPPED_FILLS=$(bt_attr skipped_fills)
		log "tracker: skipped_fills=$SKIPPED_FILLS tracked_writes=$(bt_attr tracked_writes) inflight_writes=$(bt_attr inflight_writes)"
	fi
	teardown_all
	return 0
}

# What a module without the tracker must show for the reproducer to be
# trusted: at least 80% of the RUN trials raced, at least 90% of those
# were stale, and no trial went wrong.  WHO names it in the messages.
expect_stock_stale() {
	local who=${1:-stock} raced=$((STALE + FRESH))

	[ "$RUN" -gt 0 ] || fail "$who: no trial ran" || return 1
	[ "$ERRORS" -eq 0 ] ||
		fail "$who: $ERRORS trials went wrong (seeding, a failed write, or neither old nor new data)" || return 1
	[ $((raced * 10)) -ge $((RUN * 8)) ] ||
		fail "$who: only $raced of $RUN trials raced; the reproducer needs at least 80%" || return 1
	[ $((STALE * 10)) -ge $((raced * 9)) ] ||
		fail "$who: only $STALE of $raced racing trials were stale; expected at least 90%" || return 1
	return 0
}

# What our module must show: every trial fresh, and the read hook fired
# (SKIPPED_FILLS, unless the caller passes "no-skips" because it checks
# skipped_fills itself).
expect_ours_fresh() {
	local who=${1:-ours}

	[ "$RUN" -gt 0 ] || fail "$who: no trial ran" || return 1
	[ "$ERRORS" -eq 0 ] ||
		fail "$who: $ERRORS trials went wrong (seeding, a failed write, or neither old nor new data)" || return 1
	[ "$STALE" -eq 0 ] || fail "$who: $STALE stale reads" || return 1
	[ "$FRESH" -eq "$RUN" ] ||
		fail "$who: only $FRESH of $RUN trials raced and came back fresh; every one must" || return 1
	[ "${2:-}" = no-skips ] || [ "${SKIPPED_FILLS:-0}" -gt 0 ] ||
		fail "$who: no stale data, but skipped_fills is 0: the tracker's read hook never fired" ||
		return 1
	return 0
}
