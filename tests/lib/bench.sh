# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - helpers for the benchmark cases in tests/bench/cases (run by
# "make bench", tests/bench/run).  Source it after /tests/rc:
#
#	. /tests/lib/bench.sh
#
# Every benchmark compares four runs in the same boot, in interleaved rounds:
#
#   stock   the kernel's own bcache.ko
#   stock2  the same, once more: the A/A comparison, stock2 / stock, is the
#           noise floor every ratio ours / stock is read against
#   on      our bcache.ko, bypass_tracker/enabled=1 (the default)
#   off     our bcache.ko, bypass_tracker/enabled=0
#
# Each round runs each variant once, in an order that rotates from round to
# round, so that neither a drift nor the position in a round favours one
# variant.  Round 1 is a warm-up: it is printed like the others, but neither
# the spread below nor the report counts it.  Before each run the bcache
# devices are stopped, the module of the variant is loaded afresh and the
# devices are registered again.  The cache is a brd RAM disk (one brd with
# two disks of BENCH_MB MiB each; the second is the backing device of most
# workloads), so that only the CPU cost of the request path is measured;
# brd keeps its contents across the module swap.
#
# Under tests/vm/run --icount (make bench's default mode) guest time is
# instruction count: at iodepth 1, or whenever the CPU never idles, guest
# ns per I/O is guest instructions per I/O.  Each run's idle share of the
# CPU (from /proc/stat) is printed with it, so that the report can say
# whether that holds.
#
# Results go to the console between markers, for tests/bench/run to pick up:
#
#   BBT-FIO-BEGIN <workload> <round> <variant>
#   ...fio JSON (or, for discards, our own JSON)...
#   BBT-FIO-END <workload> <round> <variant> <md5 of the JSON>
#   BBT-BENCH-INFO <workload> <round> <variant> key=value...
#   BBT-BENCH-ROUNDS <workload> <rounds> <A/A spread in %> <limit in %>
#   BBT-KPROBE <workload> <what> <event>=<hits>...
#
# Variables (tests/vm/run --env):
#   BENCH_SECONDS     fio runtime per run, after a BENCH_RAMP s ramp
#                     (default 10)
#   BENCH_RAMP        seconds (default 2)
#   BENCH_ROUNDS      counted rounds at least, after the warm-up round
#                     (default 4)
#   BENCH_MAX_ROUNDS  counted rounds at most (default 6): while the stock
#                     and stock2 runs of a workload differ by more than
#                     BENCH_SPREAD percent ((max - min) / median of their
#                     I/Os per second of busy time, bench_busy_ns, or of
#                     IOPS where the kernel has no /proc/schedstat: the
#                     A/A spread), another round is added, up to this many
#   BENCH_SPREAD      percent (default 1)
#   BENCH_IODEPTH     fio iodepth of every workload but seed-randrw, whose
#                     iodepth is the seed's, 32 (default 32)
#   BENCH_MB          size of each brd disk, MiB (default 1024)
#   BENCH_DISCARDS    timed whole-device discards per run (default 5)
#   BENCH_CPUS        guest CPUs online during the rounds (default 2, all
#                     that tests/vm/run gives; 1 takes the second offline)

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_RAMP=${BENCH_RAMP:-2}
BENCH_ROUNDS=${BENCH_ROUNDS:-4}
BENCH_MAX_ROUNDS=${BENCH_MAX_ROUNDS:-6}
BENCH_SPREAD=${BENCH_SPREAD:-1}
BENCH_IODEPTH=${BENCH_IODEPTH:-32}
BENCH_MB=${BENCH_MB:-1024}
BENCH_DISCARDS=${BENCH_DISCARDS:-5}
BENCH_CPUS=${BENCH_CPUS:-2}
BENCH_VARIANTS="stock stock2 on off"
BENCH_TMP=/tmp/bench
TRACING=/sys/kernel/tracing

[ "$BENCH_MAX_ROUNDS" -ge "$BENCH_ROUNDS" ] || BENCH_MAX_ROUNDS=$BENCH_ROUNDS

# --- devices ---------------------------------------------------------------------

# Two brd disks of BENCH_MB MiB: /dev/ram0 the cache, /dev/ram1 the backing
# device.  brd stays loaded for the whole case (teardown_all unloads it).
# Both are written once in full, so that brd has allocated all its pages
# before anything is timed: the first run would otherwise pay for them.
bench_brd() {
	local d

	if [ ! -b /dev/ram1 ]; then
		modload brd rd_nr=2 rd_size=$((BENCH_MB * 1024)) max_part=0 || return 1
		[ -b /dev/ram1 ] || fail "brd made no /dev/ram1" || return 1
		for d in /dev/ram0 /dev/ram1; do
			dd if=/dev/zero of=$d bs=1M count="$BENCH_MB" oflag=direct 2> /dev/null ||
				fail "cannot fill $d" || return 1
		done
	fi
	CACHE=/dev/ram0
	BACKING=/dev/ram1
	BACKING_RAW=/dev/ram1
}

# bench_big_backing [MiB [LATENCY_US]]: a backing device of MiB (default
# 1 TiB) that costs no memory: a memory-backed 64 MiB null_blk for the
# superblock, then a null_blk that keeps no data, joined by dm-linear, as
# /dev/mapper/bbt-big-MiB-LATENCY_US.  With LATENCY_US > 0 the second
# null_blk completes each request after that long (irqmode=2, a timer), as
# a disk would.  Sets BACKING; stays for the case.  Reads from the second
# part return whatever the buffer held: only the request path is measured,
# not the data.
bench_big_backing() {
	local mb=${1:-1048576} us=${2:-0} name small big s1 s2

	name=bbt-big-$mb-$us
	if [ ! -b /dev/mapper/$name ]; then
		modload dm-mod || return 1
		small=$(make_backing 64) || return 1
		big=/sys/kernel/config/nullb/bbtbig$mb-$us
		mkdir $big && echo $((mb - 64)) > $big/size && echo 0 > $big/memory_backed ||
			fail "cannot make a null_blk of $mb MiB" || return 1
		if [ "$us" -gt 0 ]; then
			echo 2 > $big/irqmode && echo $((us * 1000)) > $big/completion_nsec ||
				fail "cannot set the null_blk's latency" || return 1
		fi
		echo 1 > $big/power || fail "cannot power on the null_blk" || return 1
		if [ -b /dev/bbtbig$mb-$us ]; then big=/dev/bbtbig$mb-$us; else big=/dev/nullb$(cat $big/index); fi
		s1=$(blockdev --getsz "$small")
		s2=$(blockdev --getsz "$big")
		printf '0 %s linear %s 0\n%s %s linear %s 0\n' "$s1" "$small" "$s1" "$s2" "$big" |
			dmsetup create $name > /dev/null || fail "dmsetup create failed" || return 1
	fi
	BACKING=/dev/mapper/$name
	BACKING_RAW=$BACKING
}

# bench_module VARIANT: stops everything and loads the variant's bcache.ko
# (brd keeps its disks).
bench_module() {
	local why

	why=$(bcache_stop_all 30) || fail "$why" || return 1
	case "$1" in
	stock|stock2)	load_bcache stock ;;
	*)		load_bcache ours ;;
	esac
}

# bench_register VARIANT MODE fresh|keep: registers cache and backing device.
# "fresh" formats both first (a new cache set: the cache is cold; the data
# on the backing device stays); "keep" registers what is there (a warm cache
# stays warm).  Then sets the cache mode and, for ours, enabled.
bench_register() {
	local variant=$1 mode=$2 how=$3

	if [ "$how" = fresh ]; then
		# make-bcache (bcache-tools 1.0.8) refuses a device on which
		# blkid finds any superblock, bcache's own included, even with
		# --wipe-bcache; no wipefs in the guest.  The backing device's
		# data starts at 8 KiB and stays.
		dd if=/dev/zero of="$CACHE" bs=1M count=1 oflag=direct 2> /dev/null &&
			dd if=/dev/zero of="$BACKING" bs=4k count=2 oflag=direct 2> /dev/null ||
			fail "cannot wipe the superblocks" || return 1
		bcache_format_register "$CACHE" "$BACKING" || return 1
	else
		bcache_register "$CACHE" "$BACKING" || return 1
	fi
	echo "$mode" > $BBT_SYSFS/cache_mode || fail "cannot set cache_mode $mode" || return 1
	bcache_no_congestion $BBT_SYSFS/cache || return 1
	case "$variant" in
	on)	echo 1 > $BBT_DIR/enabled || return 1 ;;
	off)	echo 0 > $BBT_DIR/enabled || return 1 ;;
	esac
	BENCH_DEV_MB=$(($(blockdev --getsz /dev/bcache0) / 2048))
	return 0
}

# --- kprobes -----------------------------------------------------------------------

bench_tracefs() {
	[ -f $TRACING/kprobe_events ] ||
		mount -t tracefs nodev $TRACING 2>/dev/null ||
		mount -t tracefs nodev /sys/kernel/debug/tracing 2>/dev/null
	[ -f $TRACING/kprobe_events ] || TRACING=/sys/kernel/debug/tracing
	[ -f $TRACING/kprobe_events ] || fail "no tracefs with kprobe_events" || return 1
}

# bench_kprobes FUNCTION...: a kprobe event bbt_<function> on each of the
# bcache module's FUNCTIONs, enabled, with the ring buffer off: only the hit
# counts in kprobe_profile are wanted.  The probes go away with
# bench_kprobes_off, before the module is unloaded.
bench_kprobes() {
	local f

	bench_tracefs || return 1
	bench_kprobes_off
	echo 0 > $TRACING/tracing_on
	for f in "$@"; do
		echo "p:bbt_$f bcache:$f" >> $TRACING/kprobe_events ||
			fail "cannot add a kprobe on bcache:$f" || return 1
		echo 1 > $TRACING/events/kprobes/bbt_$f/enable || return 1
	done
}

# Prints "event=hits ..." of our kprobe events.
bench_kprobe_counts() {
	awk '$1 ~ /^bbt_/ { printf "%s%s=%s", sep, substr($1, 5), $2; sep = " " }
	     END { print "" }' $TRACING/kprobe_profile
}

bench_kprobes_off() {
	[ -f $TRACING/kprobe_events ] || return 0
	[ -d $TRACING/events/kprobes ] && echo 0 > $TRACING/events/kprobes/enable
	: > $TRACING/kprobe_events
}

# --- measuring ---------------------------------------------------------------------

# bench_fio WORKLOAD ROUND VARIANT FIO_ARGS...: one fio run on /dev/bcache0,
# JSON to $BENCH_TMP/WORKLOAD-ROUND-VARIANT.json: BENCH_SECONDS after a
# BENCH_RAMP ramp, or, with BENCH_NUMBER_IOS set, that many I/Os.  The
# whole fio command is also timed with the guest's clock, in ns, as
# elapsed_ns: fio's own runtime is in ms, which at 20,000 I/Os a second of
# guest time steps by 0.1%, too coarse for an A/A spread of 0.3%.
bench_fio() {
	local wl=$1 round=$2 variant=$3 t0 t1 b0 b1

	shift 3
	# A run of a fixed number of I/Os, all offsets the same in every run
	# (fio's default seed), if the case asks for it: the same work in
	# every run, where a timed run would take a varying share of the
	# cache's background work (garbage collection after each 1/16 of the
	# cache filled) into its window.
	# io_size far beyond the job's region: fio otherwise stops at the end
	# of the region (after 508 of 6000 1 MiB writes on a 511 MiB device).
	if [ -n "${BENCH_NUMBER_IOS:-}" ]; then
		set -- --number_ios="$BENCH_NUMBER_IOS" --io_size=1t --randrepeat=1 "$@"
	else
		set -- --time_based --runtime="$BENCH_SECONDS" --ramp_time="$BENCH_RAMP" \
			--randrepeat=0 "$@"
	fi
	bench_idle_start
	b0=$(bench_busy_ns)
	t0=$(bench_now_ns)
	fio --filename=/dev/bcache0 --direct=1 --ioengine=libaio --group_reporting \
		--output-format=json --output="$BENCH_TMP/$wl-$round-$variant.json" \
		"$@" > /dev/null || fail "fio failed: $*" || return 1
	t1=$(bench_now_ns)
	b1=$(bench_busy_ns)
	bench_idle_end
	BENCH_INFO_EXTRA="$BENCH_INFO_EXTRA elapsed_ns=$((t1 - t0)) busy_ns=$((b1 - b0))"
}

# Time the CPUs spent running tasks other than the idle task, in ns: the
# sum of rq_cpu_time (the 7th number of each cpu line of /proc/schedstat).
# Under --icount that is the guest instructions run, idle waits left out,
# to a task's time slice.
bench_busy_ns() {
	[ -r /proc/schedstat ] || { echo 0; return 0; }
	awk '$1 ~ /^cpu[0-9]/ { s += $8 } END { printf "%.0f\n", s }' /proc/schedstat
}

# The CPU's idle share (idle + iowait of all CPUs, from /proc/stat, in
# 10 ms ticks) between bench_idle_start and bench_idle_end, added to the
# run's BBT-BENCH-INFO as idle_pct.  Under --icount an idle CPU runs no
# instructions while guest time goes on.  The share covers the whole fio
# command, its start-up included, which fio's timed window leaves out.
bench_idle_start() {
	BENCH_STAT0=$(bench_stat)
}

# For a run timed in pieces: bench_idle_add after each piece (after a
# bench_idle_start) adds the piece to BENCH_STAT_SUM ("0 0" at the start),
# bench_idle_sum then adds the idle share of all the pieces to the run's
# BBT-BENCH-INFO.
bench_idle_add() {
	BENCH_STAT_SUM=$(echo "$BENCH_STAT_SUM $BENCH_STAT0 $(bench_stat)" |
		awk '{ print $1 + $5 - $3, $2 + $6 - $4 }')
}

bench_idle_sum() {
	BENCH_INFO_EXTRA="$BENCH_INFO_EXTRA idle_pct=$(echo "$BENCH_STAT_SUM" |
		awk '{ printf "%.2f", ($1 > 0) ? 100 * $2 / $1 : 0 }')"
}

bench_stat() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $5 + $6; exit }' /proc/stat
}

bench_idle_end() {
	local s1

	s1=$(bench_stat)
	BENCH_INFO_EXTRA="$BENCH_INFO_EXTRA idle_pct=$(echo "$BENCH_STAT0 $s1" |
		awk '{ t = $3 - $1; printf "%.2f", (t > 0) ? 100 * ($4 - $2) / t : 0 }')"
}

# Total IOPS (all directions) of a fio JSON file, with group_reporting.
bench_json_iops() {
	awk '/^ *"iops" : / { sub(/,$/, "", $3); s += $3 } END { printf "%.1f\n", s }' "$1"
}

# The monotonic clock in ns, from /proc/timer_list (busybox date has no %N).
bench_now_ns() {
	awk '/^now at / { print $3; exit }' /proc/timer_list
}

# bench_emit WORKLOAD ROUND VARIANT: prints the run's JSON between markers
# and keeps its IOPS for the spread of the stock runs.
bench_emit() {
	local wl=$1 round=$2 variant=$3 f=$BENCH_TMP/$1-$2-$3.json iops busy ios rate

	echo "BBT-FIO-BEGIN $wl $round $variant"
	cat "$f"
	echo "BBT-FIO-END $wl $round $variant $(md5sum < "$f" | cut -d' ' -f1)"
	iops=$(bench_json_iops "$f")
	# I/Os per second of busy time (bench_busy_ns), where the run has it:
	# idle waits left out, the rate the instructions give.
	busy=$(echo " $BENCH_INFO_EXTRA" | sed -n 's/.* busy_ns=\([0-9][0-9]*\).*/\1/p')
	if [ "$wl" = discard ]; then
		ios=$BENCH_DISCARDS
	else
		ios=$(awk '/^ *"total_ios" : / { sub(/,$/, "", $3); s += $3 } END { print s + 0 }' "$f")
	fi
	rate=$iops
	[ -n "$busy" ] && [ "$busy" -gt 0 ] && rate=$(awk "BEGIN { printf \"%.1f\", $ios * 1e9 / $busy }")
	# The A/A spread: stock and stock2 of the counted rounds.
	case "$variant" in
	stock|stock2)	[ "$round" -le 1 ] || echo "$rate" >> "$BENCH_TMP/$wl.stock" ;;
	esac
	log "$wl round $round $variant: $iops IOPS, $rate per busy second$([ "$round" -gt 1 ] || echo ' (warm-up round, not counted)')"
}

# bench_info WORKLOAD ROUND VARIANT: the tracker's counters after a run.
bench_info() {
	local line="BBT-BENCH-INFO $1 $2 $3"

	line="$line cache_mode=$(sed 's/.*\[\(.*\)\].*/\1/' $BBT_SYSFS/cache_mode) dev_mb=$BENCH_DEV_MB iodepth_default=$BENCH_IODEPTH"
	[ -d "$BBT_DIR" ] && line="$line tracked_writes=$(bt_attr tracked_writes) skipped_fills=$(bt_attr skipped_fills) inflight_writes=$(bt_attr inflight_writes) chunk_size=$(bt_attr chunk_size)"
	echo "$line $BENCH_INFO_EXTRA"
}

# Spread of a file of numbers, one a line: (max - min) / median, in percent.
bench_spread() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END {
			if (NR < 2) { print "0.00"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f\n", (m > 0) ? 100 * (v[NR] - v[1]) / m : 0
		}'
}

# Variant order of round N: rotated by one each round.
bench_order() {
	case $(($1 % 4)) in
	1) echo stock on stock2 off ;;
	2) echo on stock2 off stock ;;
	3) echo stock2 off stock on ;;
	0) echo off stock on stock2 ;;
	esac
}

# bench_rounds WORKLOAD: for each round and variant, calls
# WORKLOAD_prepare VARIANT (module and devices) and
# WORKLOAD_measure VARIANT ROUND (the timed part, which calls bench_emit).
# Round 1 is the warm-up.  Adds counted rounds past BENCH_ROUNDS while the
# A/A spread is above BENCH_SPREAD percent, up to BENCH_MAX_ROUNDS.
bench_rounds() {
	local wl=$1 fn round=0 counted v spread

	fn=$(echo "$wl" | tr - _)
	mkdir -p $BENCH_TMP
	rm -f $BENCH_TMP/"$wl".*
	bench_cpus "$BENCH_CPUS" || return 1
	log "$wl: ${BENCH_SECONDS}s runs after a ${BENCH_RAMP}s ramp, 1 warm-up round + ${BENCH_ROUNDS} to ${BENCH_MAX_ROUNDS} rounds of $BENCH_VARIANTS, iodepth $BENCH_IODEPTH, brd ${BENCH_MB} MiB, $(grep -c ^processor /proc/cpuinfo) CPUs, $(cat /sys/devices/system/cpu/online) online"
	while :; do
		round=$((round + 1))
		for v in $(bench_order $round); do
			BENCH_INFO_EXTRA=
			log "$wl round $round $v: start at $(cut -d' ' -f1 /proc/uptime) s"
			"${fn}_prepare" "$v" || return 1
			"${fn}_measure" "$v" "$round" || return 1
			bench_info "$wl" "$round" "$v"
		done
		counted=$((round - 1))
		[ $counted -ge "$BENCH_ROUNDS" ] || continue
		spread=$(bench_spread $BENCH_TMP/"$wl".stock)
		awk "BEGIN { exit !($spread <= $BENCH_SPREAD) }" && break
		if [ $counted -ge "$BENCH_MAX_ROUNDS" ]; then
			log "$wl: the A/A spread is still ${spread}% after $counted counted rounds (the most allowed)"
			break
		fi
		log "$wl: the A/A spread is ${spread}% > ${BENCH_SPREAD}%: one more round"
	done
	echo "BBT-BENCH-ROUNDS $wl $counted $spread $BENCH_SPREAD"
	bench_cpus all
}

# bench_cpus N|all: CPUs 0..N-1 online, the others offline.
bench_cpus() {
	local c n

	for c in /sys/devices/system/cpu/cpu[0-9]*; do
		[ -f $c/online ] || continue
		n=${c##*/cpu}
		if [ "$1" = all ] || [ "$n" -lt "$1" ]; then
			[ "$(cat $c/online)" = 1 ] || echo 1 > $c/online || return 1
		else
			[ "$(cat $c/online)" = 0 ] || echo 0 > $c/online || return 1
		fi
	done
}
