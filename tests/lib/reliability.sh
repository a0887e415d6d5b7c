# SPDX-License-Identifier: GPL-2.0
#
# reliability.sh - helpers for the reliability cases (integrity-*, knob-churn*,
# lifecycle, interchangeability, crash-*).  Source it after /tests/rc:
#
#	. /tests/lib/reliability.sh
#
# The fio load: three writers on disjoint regions of /dev/bcache0, each block
# written exactly once, with fio's crc32c verification (a header with the
# offset and a checksum in every 4 KiB), and a reader that keeps reading the
# same regions while the writes are in flight:
#
#   rand64   random 64 KiB writes      bypass in every mode (>= cutoff)
#   seq128   sequential 128 KiB writes bypass in every mode
#   rand4    random 4 KiB writes       cached in writethrough/writeback,
#                                      bypass in writearound
#   reader   random 4 KiB reads over rand64+seq128 (+rand4 unless told not
#            to); 4 KiB is below the cutoff, so a miss fills the cache
#
# The regions start out as zeros (null_blk), so a read that returns what was
# there before the write, the stale data of the bypass race, fails fio's
# check as a bad header; a block whose header is right but whose payload is
# not (a stale second 4 KiB inside an 8 KiB interval, a torn write) fails
# it as a bad checksum.  Both are counted (fio_verify_errors).
#
# Variables a case may set (or pass with tests/vm/run --env):
#   MODULE=stock   run on the stock bcache.ko: the tracker checks are left
#                  out, and the load is expected to show stale reads (the
#                  test of the test)
#   LOAD_MB        size of the fio load in MiB (default 64; 24 on a KASAN
#                  kernel, where everything runs several times slower)
#   READ_IOPS      rate of the racing reader (default 600)
#   LOAD_DELAY_MS  dm-delay on the backing device's writes (default 200)
#   REL_DEV        what fio reads and writes (default /dev/bcache0; the
#                  host self-test points it at a file)

REL_MODULE=${MODULE:-ours}
REL_DIR=${REL_DIR:-/tmp/rel}
if [ -z "${LOAD_MB:-}" ] && kasan_kernel; then
	LOAD_MB=24
fi
LOAD_MB=${LOAD_MB:-64}
READ_IOPS=${READ_IOPS:-600}
REL_DEV=${REL_DEV:-/dev/bcache0}
LOAD_DELAY_MS=${LOAD_DELAY_MS:-200}
# Bytes; the 64k and 128k writers bypass above it, 4 KiB I/O does not.
REL_CUTOFF=32768

rel_ours() {
	[ "$REL_MODULE" = ours ]
}

# Sets NOW_CS to the hundredths of a second since boot, without a fork.
cs_now() {
	local up rest

	read up rest < /proc/uptime
	NOW_CS=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# Hundredths of a second since boot.
now_cs() {
	cs_now
	echo $NOW_CS
}

# rel_setup MODE [BACKING_MB] [CACHE_MB]: $REL_MODULE, a cache set and one
# backing device behind dm-delay (LOAD_DELAY_MS), sequential_cutoff 32k.
rel_setup() {
	rm -rf $REL_DIR
	mkdir -p $REL_DIR
	load_bcache "$REL_MODULE" || return 1
	DELAY_MS=$LOAD_DELAY_MS
	setup_bcache "$@" || return 1
	echo $REL_CUTOFF > $BBT_SYSFS/sequential_cutoff ||
		fail "cannot set sequential_cutoff" || return 1
	log "$REL_MODULE bcache, $1, backing ${2:-512} MiB behind ${DELAY_MS} ms dm-delay, cache ${3:-256} MiB, sequential_cutoff $REL_CUTOFF"
	return 0
}

# Region layout in MiB, from LOAD_MB: sets R64_OFF R64_MB S128_OFF S128_MB
# R4_OFF R4_MB and LOAD_END (all MiB).
rel_layout() {
	R64_MB=$((LOAD_MB * 4 / 10))
	S128_MB=$((LOAD_MB * 4 / 10))
	R4_MB=$((LOAD_MB - R64_MB - S128_MB))
	R64_OFF=0
	S128_OFF=$R64_MB
	R4_OFF=$((R64_MB + S128_MB))
	LOAD_END=$((R4_OFF + R4_MB))
}

# rel_fio_head SECTION: the start of a job file's section on REL_DEV.
rel_fio_head() {
	printf '[%s]\nfilename=%s\ndirect=1\nioengine=libaio\n' "$1" "$REL_DEV"
}

# rel_fio_verify INTERVAL: fio checks header and crc32c every INTERVAL
# bytes, goes on after a failed check (each is counted), keeps no state.
rel_fio_verify() {
	printf 'verify=crc32c\nverify_interval=%s\ncontinue_on_error=verify\nverify_state_save=0\n' "$1"
}

# rel_write_jobs FILE [VERIFY_INTERVAL] [REGIONS]: the writers' job file.
# REGIONS is a list of rand64 seq128 rand4 (default: all three).  Sets
# WRITE_KIB to what the jobs must write.
rel_write_jobs() {
	local file=$1 interval=${2:-4096} regions=${3:-rand64 seq128 rand4} r

	rel_layout
	WRITE_KIB=0
	{
		rel_fio_head global
		rel_fio_verify "$interval"
		printf 'verify_backlog=32\nrandrepeat=0\n'
	} > "$file"
	for r in $regions; do
		case $r in
		rand64)	printf '[rand64]\noffset=%dm\nsize=%dm\nrw=randwrite\nbs=64k\niodepth=16\n' \
				$R64_OFF $R64_MB ;;
		seq128)	printf '[seq128]\noffset=%dm\nsize=%dm\nrw=write\nbs=128k\niodepth=8\n' \
				$S128_OFF $S128_MB ;;
		rand4)	printf '[rand4]\noffset=%dm\nsize=%dm\nrw=randwrite\nbs=4k\niodepth=32\n' \
				$R4_OFF $R4_MB ;;
		esac >> "$file"
		case $r in
		rand64)	WRITE_KIB=$((WRITE_KIB + R64_MB * 1024)) ;;
		seq128)	WRITE_KIB=$((WRITE_KIB + S128_MB * 1024)) ;;
		rand4)	WRITE_KIB=$((WRITE_KIB + R4_MB * 1024)) ;;
		esac
	done
}

# rel_read_job FILE END_MB: the racing reader, over [0, END_MB), until stopped.
rel_read_job() {
	rel_fio_head reader > "$1"
	cat >> "$1" <<-EOF
	rw=randread
	bs=4k
	iodepth=4
	rate_iops=$READ_IOPS
	offset=0
	size=${2}m
	time_based
	runtime=3600
	EOF
}

# fio's terse (v3) lines in FILE: sum of field N in KiB.
fio_sum_kib() {
	awk -F';' -v f="$2" '/^3;/ { s += $f } END { printf "%d\n", s }' "$1"
}

# fio's stderr lines for a block that did not verify: a bad header
#   verify: bad magic header 0, wanted acca at file F offset O, length L ...
# or a bad payload (its header intact)
#   crc32c: verify failed at file F offset O, length L ...
# Each is one block that read back other than fio wrote it.
FIO_VERIFY_RE='^(verify: |[a-z0-9]+: verify failed )'

# Number of verification failures fio reported in FILE (its stderr).
fio_verify_errors() {
	[ -f "$1" ] || { echo 0; return 0; }
	grep -cE "$FIO_VERIFY_RE" "$1" || true
}

# Offsets (bytes) of the failed verifications in FILE, one a line.
fio_verify_offsets() {
	grep -E "$FIO_VERIFY_RE" "$1" | sed -n 's/.* at file [^ ]* offset \([0-9]*\),.*/\1/p'
}

# Lines of fio's stderr FILE that report an error other than a failed
# verification (an I/O error, a job that could not start), one a line.
# err=84 (EILSEQ) is how fio ends a job on a failed verification.
fio_other_errors() {
	grep -E '^fio: |error' "$1" 2>/dev/null | grep -vE "$FIO_VERIFY_RE" |
		grep -v 'terminating on signal' | grep -vE 'err= ?84[/,]' || true
}

# fio_judge WHAT RC ERRFILE: fails if fio exited non-zero for anything but
# verification failures (which the caller counts and judges).
fio_judge() {
	local other

	other=$(fio_other_errors "$3")
	[ "$2" -ne 0 ] || [ -n "$other" ] || return 0
	[ -n "$other" ] || [ "$(fio_verify_errors "$3")" -eq 0 ] || return 0
	sed 's/^/fio: /' "$3" | head -20
	fail "$1: fio failed (exit $2)${other:+: $(echo "$other" | head -1)}"
}

# rel_load NAME [VERIFY_INTERVAL] [REGIONS] [READ_END_MB]: runs the writers
# to completion with the reader racing them, then stops the reader.  Output
# in $REL_DIR/NAME.{w,r}.{out,err}.  Sets LOAD_SECONDS, WRITTEN_KIB,
# VERIFIED_KIB (fio's verify_backlog reads), READ_KIB and LOAD_ERRORS.
# Fails if fio failed for another reason than a verification failure, or
# did not write everything; verification failures are the caller's to
# judge.
rel_load() {
	local name=$1 interval=${2:-4096} regions=${3:-rand64 seq128 rand4} end=${4:-}
	local base=$REL_DIR/$1 t0 rpid rc

	rel_write_jobs $base.w.fio "$interval" "$regions"
	[ -n "$end" ] || end=$LOAD_END
	rel_read_job $base.r.fio "$end"
	t0=$(now_cs)
	(cd $REL_DIR && exec fio $base.r.fio --output-format=terse > $base.r.out 2> $base.r.err) &
	rpid=$!
	(cd $REL_DIR && exec fio $base.w.fio --output-format=terse > $base.w.out 2> $base.w.err)
	rc=$?
	kill -INT $rpid 2>/dev/null
	wait $rpid
	LOAD_SECONDS=$((($(now_cs) - t0) / 100))
	WRITTEN_KIB=$(fio_sum_kib $base.w.out 47)
	VERIFIED_KIB=$(fio_sum_kib $base.w.out 6)
	READ_KIB=$(fio_sum_kib $base.r.out 6)
	LOAD_ERRORS=$(fio_verify_errors $base.w.err)
	log "load $name: ${LOAD_SECONDS}s, written $((WRITTEN_KIB / 1024)) MiB, verified during the load $((VERIFIED_KIB / 1024)) MiB, racing reads $((READ_KIB / 1024)) MiB, verify errors $LOAD_ERRORS"
	grep -v '^3;' $base.r.err | grep -v '^$' | grep -v 'terminating on signal' |
		sed 's/^/reader: /' | head -5
	fio_judge "load $name, the writers" $rc $base.w.err || return 1
	[ "$WRITTEN_KIB" -eq "$WRITE_KIB" ] ||
		fail "load $name: fio wrote $WRITTEN_KIB KiB, not $WRITE_KIB" || return 1
	return 0
}

# rel_readback NAME [VERIFY_INTERVAL] [FROM_MB] [TO_MB]: an independent
# pass that reads [FROM_MB, TO_MB) back (default: the whole load) and checks
# fio's header and checksum in every VERIFY_INTERVAL.  Sets READBACK_KIB and
# READBACK_ERRORS.
rel_readback() {
	local name=$1 interval=${2:-4096} from=${3:-0} to=${4:-} base=$REL_DIR/$1 rc

	rel_layout
	[ -n "$to" ] || to=$LOAD_END
	{
		rel_fio_head readback
		printf 'rw=read\nbs=128k\niodepth=8\noffset=%sm\nsize=%sm\n' "$from" $((to - from))
		rel_fio_verify "$interval"
	} > $base.v.fio
	(cd $REL_DIR && exec fio $base.v.fio --output-format=terse > $base.v.out 2> $base.v.err)
	rc=$?
	READBACK_KIB=$(fio_sum_kib $base.v.out 6)
	READBACK_ERRORS=$(fio_verify_errors $base.v.err)
	log "read-back $name: $((READBACK_KIB / 1024)) MiB of $((to - from)) MiB read and checked, verify errors $READBACK_ERRORS"
	fio_judge "read-back $name" $rc $base.v.err || return 1
	[ "$READBACK_KIB" -eq $(((to - from) * 1024)) ] ||
		fail "the read-back read $READBACK_KIB KiB, not $(((to - from) * 1024))" || return 1
	return 0
}

# Prints the first few verification failures of NAME's load and read-back.
rel_show_errors() {
	local f

	for f in $REL_DIR/$1.w.err $REL_DIR/$1.v.err; do
		[ -s $f ] && grep -E "$FIO_VERIFY_RE" $f | head -5 | sed 's/^/  /'
	done
	return 0
}

# Waits until no bypass write is tracked; fails after 30 s.
rel_wait_idle() {
	rel_ours || return 0
	wait_attr 30 inflight_writes -eq 0 ||
		fail "inflight_writes is still $(bt_attr inflight_writes) 30 s after the load" || return 1
	return 0
}

# bcache's own count of bypassed bytes, human readable.  bcache folds its
# counters into stats_total every 13.6 s (and wraps a period's count above
# 32 MiB: an upstream quirk of move_stat()), so this waits up to 15 s for
# a non-zero value.
rel_bypassed() {
	wait_for 15 sh -c "! grep -qE '^0(\.0)?[kMGT]?\$' $BBT_SYSFS/stats_total/bypassed"
	cat $BBT_SYSFS/stats_total/bypassed
}

# One line with the tracker's counters.
rel_tracker_line() {
	local a line=

	rel_ours || { echo "tracker: none (stock module)"; return 0; }
	for a in enabled chunk_size tracked_writes skipped_fills inflight_writes memory_bytes; do
		line="$line $a=$(bt_attr $a)"
	done
	echo "tracker:$line"
}

# rel_integrity MODE: the whole integrity scenario in cache mode MODE.
rel_integrity() {
	local mode=$1 bypassed tracked skipped errors

	rel_setup "$mode" 256 256 || return 1
	rel_load integrity || return 1
	rel_wait_idle || return 1
	rel_readback integrity || return 1
	bypassed=$(rel_bypassed)
	log "bcache: stats_total/bypassed=$bypassed cache_hits=$(cat $BBT_SYSFS/stats_total/cache_hits) cache_misses=$(cat $BBT_SYSFS/stats_total/cache_misses) dirty_data=$(cat $BBT_SYSFS/dirty_data)"
	rel_tracker_line
	errors=$((LOAD_ERRORS + READBACK_ERRORS))
	log "bytes verified: $(((VERIFIED_KIB + READBACK_KIB) * 1024)) ($((VERIFIED_KIB / 1024)) MiB during the load, $((READBACK_KIB / 1024)) MiB read back)"
	log "verify errors (stale or wrong data): $errors"
	rel_show_errors integrity
	echo "$bypassed" | grep -qvE '^0(\.0)?[kMGT]?$' ||
		fail "bcache bypassed nothing: stats_total/bypassed is $bypassed" || return 1
	if rel_ours; then
		tracked=$(bt_attr tracked_writes)
		skipped=$(bt_attr skipped_fills)
		[ "$tracked" -gt 0 ] || fail "no bypass write was tracked" || return 1
		[ "$skipped" -gt 0 ] ||
			fail "skipped_fills is 0: no read miss raced a bypass write, so the load proved nothing" ||
			return 1
	fi
	[ $errors -eq 0 ] || fail "$errors reads returned stale or wrong data" || return 1
	return 0
}

# --- knob churn --------------------------------------------------------------

# Every chunk size there is, up from 4k to 1G and back down to 8k.
REL_CHUNK_SIZES="4k 8k 16k 32k 64k 128k 256k 512k 1M 2M 4M 8M 16M 32M 64M 128M 256M 512M 1G
	512M 256M 128M 64M 32M 16M 8M 4M 2M 1M 512k 256k 128k 64k 32k 16k 8k"

# rel_churn KNOB VALUE...: while $REL_DIR/churn.on exists, writes the values
# to bypass_tracker/KNOB in turn, round and round, one about every 100 ms.
# Prints a line for every write that fails and, at the end,
#   CHURN <writes that succeeded> <writes that failed> <slowest, in 1/100 s>
rel_churn() {
	local knob=$1 v n=0 bad=0 max=0 t0 dt

	shift
	while [ -e $REL_DIR/churn.on ]; do
		for v in "$@"; do
			[ -e $REL_DIR/churn.on ] || break
			cs_now
			t0=$NOW_CS
			if echo "$v" 2> $REL_DIR/churn.err > $BBT_DIR/$knob; then
				n=$((n + 1))
			else
				bad=$((bad + 1))
				echo "FAIL: writing $v to $knob: $(cat $REL_DIR/churn.err)"
			fi
			cs_now
			dt=$((NOW_CS - t0))
			[ $dt -gt $max ] && max=$dt
			usleep 100000
		done
	done
	echo "CHURN $n $bad $max"
}

# rel_churn_start KNOB VALUE...: rel_churn in the background; output in
# $REL_DIR/churn.log.
rel_churn_start() {
	: > $REL_DIR/churn.on
	rel_churn "$@" > $REL_DIR/churn.log 2>&1 &
	CHURN_PID=$!
}

# Stops the churn; sets FLIPS, FLIPS_FAILED and FLIP_MAX_CS.
rel_churn_stop() {
	local tag

	rm -f $REL_DIR/churn.on
	wait $CHURN_PID
	grep '^FAIL' $REL_DIR/churn.log | head -10
	read tag FLIPS FLIPS_FAILED FLIP_MAX_CS <<-EOF
	$(grep '^CHURN ' $REL_DIR/churn.log)
	EOF
	[ "$tag" = CHURN ] || fail "the knob changer did not report" || return 1
	return 0
}

# --- lifecycle -----------------------------------------------------------------

# rel_poll_in_flight FILE FIELD USEC: polls, without forking, every USEC
# microseconds until field FIELD (1 or 2) of FILE is above 0; up to 10 s.
rel_poll_in_flight() {
	local a b end

	cs_now
	end=$((NOW_CS + 1000))
	while [ $NOW_CS -lt $end ]; do
		read a b < "$1"
		[ "$2" = 1 ] || a=$b
		[ "$a" -gt 0 ] && return 0
		usleep "$3"
		cs_now
	done
	return 1
}

# Until bcache0 has a write in flight (the block layer's count).
rel_wait_write_in_flight() {
	rel_poll_in_flight /sys/block/bcache0/inflight 2 2000
}

# The cache set's UUID, from the cache device's superblock.
rel_cset_uuid() {
	bcache-super-show "$CACHE" | awk '$1 == "cset.uuid" { print $2 }'
}

# Waits until bcache0's backing device is attached and running.
rel_wait_attached() {
	wait_for 30 test -e $BBT_SYSFS/state || fail "/dev/bcache0 did not appear" || return 1
	wait_for 30 sh -c "grep -qE '^(clean|dirty)\$' $BBT_SYSFS/state" ||
		fail "bcache0 is '$(cat $BBT_SYSFS/state 2>/dev/null)', not attached" || return 1
	return 0
}

# --- interchangeability ------------------------------------------------------

# Stops bcache0 and then its cache set, leaving the superblocks (and any
# dirty data) as they are on disk: a clean shutdown.
rel_unregister_all() {
	local cset

	cset=$(rel_cset_uuid)
	echo 1 > $BBT_SYSFS/stop || fail "cannot stop bcache0" || return 1
	wait_for 30 test ! -e /sys/block/bcache0 || fail "bcache0 did not stop" || return 1
	echo 1 > /sys/fs/bcache/$cset/stop || fail "cannot stop the cache set" || return 1
	wait_for 30 test ! -e /sys/fs/bcache/$cset || fail "the cache set did not stop" || return 1
	return 0
}

# rel_register DEV: registers DEV with bcache.  A device bcache has just
# let go of can still be claimed for a moment (its release runs
# asynchronously after the stop; the kernel log says "device busy", 6.12
# returns EBUSY and 6.1 EINVAL), so a failure is retried for 10 s.
rel_register() {
	local i=0

	while ! echo "$1" 2> /tmp/register.err > /sys/fs/bcache/register; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "cannot register $1: $(cat /tmp/register.err)" || return 1
		usleep 100000
	done
	REGISTER_RETRIES=$((${REGISTER_RETRIES:-0} + i))
	return 0
}

# Registers cache and backing device with whatever bcache is loaded.
rel_register_all() {
	rel_register "$CACHE" || return 1
	rel_register "$BACKING" || return 1
	rel_wait_attached
}

# --- crash consistency (tests/crash-consistency) -------------------------------
#
# The disks tests/crash-consistency attaches: vda the cache, vdb the backing
# device, vdc a small disk through which the host hands the acknowledged
# writes to the verifying guest.  The test region is CRASH_BLOCKS 4 KiB
# blocks at the start of bcache0.  Each block holds 64 lines of 64 bytes,
#   "BBT-REC blk=%08d seq=%08d w=%d ...\n"
# naming the block itself and the sequence number of the write that put it
# there, so that every 512-byte sector says on its own which write it came
# from.
CRASH_BLOCKS=${CRASH_BLOCKS:-2048}
CRASH_WRITERS=${CRASH_WRITERS:-4}

# Loads the virtio disk drivers and checks that the three disks are there.
crash_disks() {
	modload virtio_pci > /dev/null 2>&1	# built into 6.12
	modload virtio_blk || return 1
	wait_for 10 test -b /dev/vdc
}

# crash_check EXPECT RAW [ALLOWED]: reads the records (on stdin) of blocks
# 0..CRASH_BLOCKS-1 and checks them against EXPECT: "blk seq" lines, the
# last acknowledged write of each block, and "F blk w=W seq=S n=N" lines,
# the blocks under the write each writer had in flight at the kill.  Every
# line must be a well-formed record of its own block, with a sequence number
# no lower than the block's acknowledged one.
#
# Stock bcache can lose a block under a bypass write in flight: its
# invalidation reaches the journal before its data reaches the backing
# device (tests/crash-consistency).  The block then reads back as the
# backing device's own copy.  So a block older than its acknowledged write
# is reported as "lost in flight" instead of bad only if all of these hold:
#   - a write in flight covers it, newer than its acknowledged one;
#   - it holds one whole version (all 64 lines of one write);
#   - RAW, the records of the backing device as the crash left it (read
#     before bcache registered it), holds that same version there;
#   - ALLOWED, if given (the bcache0 pass's output, for the check of the
#     backing device after writeback), reported it lost with that version.
# Anything else older, or damaged, is bad.  Prints a summary line
# "CHECK blocks=... lost_in_flight=... bad=..." and one "BAD ..." or
# "LOST ..." line for each of the first 20 of either.
crash_check() {
	awk -v nblk="$CRASH_BLOCKS" -v expect="$1" -v raw="$2" -v allowed="${3:-}" '
	# The sequence number of a record line of block b, or -1.
	function rec(line, b,    s) {
		# Compared as strings: busybox awk reads "00000015" as octal.
		if (!(length(line) == 63 && substr(line, 1, 12) == "BBT-REC blk=" &&
		      substr(line, 13, 8) == sprintf("%08d", b) &&
		      substr(line, 21, 5) == " seq=" && substr(line, 26, 8) ~ /^[0-9]+$/))
			return -1
		s = substr(line, 26, 8)
		sub(/^0+/, "", s)
		return s + 0
	}
	BEGIN {
		while ((getline line < expect) > 0) {
			split(line, f, " ")
			if (f[1] ~ /^[0-9]+$/) {
				acked[f[1]] = f[2]
			} else if (f[1] == "F") {
				inflight[f[2]] = f[3] " " f[4] " " f[5]
				s = f[4]
				sub(/^seq=/, "", s)
				inflight_seq[f[2]] = s + 0
			}
		}
		n = 0
		while ((getline line < raw) > 0) {
			b = int(n / 64)
			n++
			s = rec(line, b)
			if (s < 0) rawbad[b] = 1
			if (!(b in rawlo) || s < rawlo[b]) rawlo[b] = s
			if (!(b in rawhi) || s > rawhi[b]) rawhi[b] = s
		}
		if (allowed != "")
			while ((getline line < allowed) > 0)
				if (line ~ /LOST blk=[0-9]+: holds seq [0-9]+,/) {
					b = line; sub(/.*LOST blk=/, "", b); sub(/:.*/, "", b)
					s = line; sub(/.*: holds seq /, "", s); sub(/,.*/, "", s)
					allow[b + 0] = s + 0
				}
	}
	{
		blk = int((FNR - 1) / 64)
		if (blk >= nblk)
			next
		s = rec($0, blk)
		if (s < 0) {
			if (!(blk in why))
				why[blk] = "malformed line " (FNR - 1) % 64 ": " substr($0, 1, 40)
			next
		}
		if (!(blk in lo) || s < lo[blk]) lo[blk] = s
		if (!(blk in hi) || s > hi[blk]) hi[blk] = s
	}
	END {
		bad = 0; newer = 0; written = 0; lost = 0
		for (b = 0; b < nblk; b++) {
			a = (b in acked) ? acked[b] : 0
			if (a > 0) written++
			if (!(b in why) && !(b in lo))
				why[b] = "missing"
			if (!(b in why) && lo[b] < a) {
				why[b] = "holds seq " lo[b] ", older than its acknowledged seq " a
				if (!(b in inflight))
					why[b] = why[b] ", and no write was in flight over it"
				else if (inflight_seq[b] <= a)
					why[b] = why[b] ", and the write in flight over it is not newer"
				else if (lo[b] != hi[b])
					why[b] = why[b] ", torn (seq " lo[b] " to " hi[b] ") under the write in flight " inflight[b]
				else if (!(b in rawlo) || (b in rawbad) || rawlo[b] != lo[b] || rawhi[b] != lo[b])
					why[b] = why[b] ", which is not the backing device'"'"'s copy at the crash (" \
						((b in rawlo) && !(b in rawbad) && rawlo[b] == rawhi[b] ? "seq " rawlo[b] : "not one version") \
						") under the write in flight " inflight[b]
				else if (allowed != "" && (!(b in allow) || allow[b] != lo[b]))
					why[b] = why[b] ", not lost so through bcache0"
				else {
					delete why[b]
					if (++lost <= 20)
						print "LOST blk=" b ": holds seq " lo[b] ", older than its acknowledged seq " a \
							", the backing device'"'"'s copy at the crash, under the write in flight " inflight[b]
					continue
				}
			}
			if (b in why) {
				if (++bad <= 20) print "BAD blk=" b ": " why[b]
				continue
			}
			if (hi[b] > a) newer++
		}
		printf "CHECK blocks=%d acknowledged=%d newer_than_ack=%d lost_in_flight=%d bad=%d\n",
			nblk, written, newer, lost, bad
	}'
}
