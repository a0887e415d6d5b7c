# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the real-system scenarios, in the guest (bash).  Each check
# prints "ok - ..." or "not ok - ..." and returns 0 or 1.

KVER=$(uname -r)
VERSION_FILE=/sys/module/bcache/version

ok() {
	echo "ok - $*"
}

not_ok() {
	echo "not ok - $*"
	return 1
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
	local limit=$(($1 * 5)) i=0

	shift
	until "$@" > /dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge "$limit" ] && return 1
		sleep 0.2
	done
}

# The bcache.ko inside this kernel's initramfs.
initrd_bcache() {
	lsinitramfs "/boot/initrd.img-$KVER" | grep -E '/bcache\.ko(\.xz|\.zst|\.gz)?$' | head -1
}

# Every backing device bcache registered, as /sys/block/<name>.
backing_devices() {
	local d

	# bcacheN/bcache is a link to its backing device's directory.
	for d in /sys/block/*/bcache/cache_mode; do
		[[ $d == /sys/block/bcache[0-9]* ]] && continue
		[ -e "$d" ] && dirname "$(dirname "$d")"
	done
}

# expect_module ours|stock: bcache0 is up and registered by that module,
# and this kernel's initramfs carries that module.
expect_module() {
	local which=$1 d n=0 in_initrd

	wait_for 60 test -b /dev/bcache0 || not_ok "/dev/bcache0 did not appear at boot" || return 1
	in_initrd=$(initrd_bcache)
	if [ "$which" = ours ]; then
		[ -f $VERSION_FILE ] ||
			not_ok "bcache was registered by the stock module ($VERSION_FILE is absent)" || return 1
		[[ $in_initrd == */updates/dkms/* ]] ||
			not_ok "the initramfs carries ${in_initrd:-no bcache}, not ours" || return 1
		for d in $(backing_devices); do
			[ -d "$d/bcache/bypass_tracker" ] ||
				not_ok "${d##*/} has no bcache/bypass_tracker/" || return 1
			n=$((n + 1))
		done
		[ $n -gt 0 ] || not_ok "no backing device is registered" || return 1
		ok "$KVER: bcache $(cat $VERSION_FILE) registered $n backing device(s) at boot, with bypass_tracker/; initramfs: $in_initrd"
	else
		[ ! -f $VERSION_FILE ] ||
			not_ok "bcache $(cat $VERSION_FILE) is ours, expected the stock module" || return 1
		[[ $in_initrd == */kernel/drivers/md/bcache/* ]] ||
			not_ok "the initramfs carries ${in_initrd:-no bcache}, not the stock module" || return 1
		for d in $(backing_devices); do
			[ ! -d "$d/bcache/bypass_tracker" ] ||
				not_ok "${d##*/} has bypass_tracker/ under the stock module" || return 1
			n=$((n + 1))
		done
		[ $n -gt 0 ] || not_ok "no backing device is registered" || return 1
		ok "$KVER: the stock bcache registered $n backing device(s) at boot; initramfs: $in_initrd"
	fi
}

# stale_read ours|stock: the writearound stale-read trial of
# tests/lib/stale-read.sh on the devices udev registered at boot.  The host
# slows the backing disk's writes to one per second (QEMU throttling) in
# place of dm-delay, so that nothing is re-registered under bcache.  That
# gives no window as sure as dm-delay's (one run here: 1 of 10 trials
# raced, 7 missed the window, 2 setup reads did not return the seeded
# data), so the rule here is weaker than the guest tier's, where both
# modules are held to the full rule on the same kernels: on ours no trial
# may return stale data; on stock the counts are reported, not judged.
stale_read() {
	local which=$1 backing

	backing=$(basename "$(dirname "$(readlink -f /sys/block/bcache0/bcache)")")
	(
		usleep() { sleep "$(awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000000 }')"; }
		. /usr/local/lib/bbt/rc
		. /usr/local/lib/bbt/stale-read.sh
		BACKING=/dev/$backing
		BACKING_RAW=$BACKING
		DATA_OFFSET=$(bcache-super-show "$BACKING" | awk '$1 == "dev.data.first_sector" { print $2 }')
		[ -n "$DATA_OFFSET" ] || { echo "no data offset on $BACKING"; exit 1; }
		echo writearound > $BBT_SYSFS/cache_mode || exit 1
		stale_trials write "${TRIALS:-10}"
		[ "$which" = ours ] || exit 0
		SKIPPED_FILLS=$(bt_attr skipped_fills)
		echo "tracker: skipped_fills=$SKIPPED_FILLS tracked_writes=$(bt_attr tracked_writes)"
		[ "$STALE" -eq 0 ]
	) || not_ok "stale-read reproducer (writearound) on $which" || return 1
	ok "stale-read reproducer (writearound) on $which, on the devices registered at boot"
}

# write_data: 8 MiB of random data through bcache0 in writeback mode, so
# that some of it is dirty in the cache; its checksum is kept on the root.
write_data() {
	echo writeback > /sys/block/bcache0/bcache/cache_mode || return 1
	head -c 8388608 /dev/urandom > /var/lib/bbt/data
	dd if=/var/lib/bbt/data of=/dev/bcache0 bs=1M seek=64 oflag=direct conv=notrunc status=none &&
		sha256sum < /var/lib/bbt/data > /var/lib/bbt/data.sha256 ||
		not_ok "cannot write to /dev/bcache0" || return 1
	ok "wrote 8 MiB through bcache0 in writeback mode ($(cat /sys/block/bcache0/bcache/dirty_data) dirty)"
}

verify_data() {
	[ -f /var/lib/bbt/data.sha256 ] || not_ok "no data was written on the previous boot" || return 1
	dd if=/dev/bcache0 bs=1M skip=64 count=8 iflag=direct status=none | sha256sum |
		cmp -s - /var/lib/bbt/data.sha256 ||
		not_ok "the data written through bcache0 on the previous boot differs" || return 1
	ok "the 8 MiB written on the previous boot read back intact through bcache0"
}

# The boot loader starts KVER from the next boot on, as grub-set-default
# would (not only once: the choice stays); the host reads
# /var/lib/bbt/boot-kernel (tests/system/run).
boot_next() {
	echo "$1" > /var/lib/bbt/boot-kernel
	sync
	echo "# the next boot starts $1"
}

# expect_booted KVER: this boot runs KVER.
expect_booted() {
	[ "$KVER" = "$1" ] || not_ok "booted $KVER, not $1" || return 1
	ok "booted $1"
}

# other_kernel [DIR]: the kernel whose packages build-image downloaded
# into the image (DIR, /var/cache/bbt/kernels): the one this image does
# not run.
other_kernel() {
	local dir=${1:-/var/cache/bbt/kernels} k found=

	for k in "$dir"/*/; do
		# No match leaves the pattern itself (no nullglob here).
		[ -d "$k" ] || continue
		k=$(basename "$k")
		[ "$k" = "$KVER" ] || found+="$k "
	done
	set -- $found
	[ $# -eq 1 ] || { not_ok "expected one other kernel in $dir, found: ${found:-none}"; return 1; }
	echo "$1"
}

# apt_install LOG DEB...: apt-get install of local .deb files, as a user
# would run it; its output goes to the console (prefixed "# ") and LOG.
apt_install() {
	local log=$1

	shift
	echo "# apt-get install ${*##*/}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" 2>&1 |
		while read -r line; do echo "# $(date +%T) $line"; done | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || not_ok "apt-get install ${*##*/} failed" || return 1
}

# expect_dkms_for KVER ours|stock: DKMS has (not) installed ours for KVER,
# modprobe resolves bcache for KVER to it, and KVER's initramfs carries it.
expect_dkms_for() {
	local k=$1 which=$2 status mod in_initrd

	# DKMS 3.0's stderr has noise ("echo: write error") of its own.
	status=$(dkms status -m bcache-bypass-tracker -k "$k" 2> /dev/null)
	mod=$(modinfo -k "$k" -n bcache 2>&1)
	in_initrd=$(lsinitramfs "/boot/initrd.img-$k" 2>&1 | grep -E '/bcache\.ko(\.xz|\.zst|\.gz)?$' | head -1)
	if [ "$which" = ours ]; then
		[[ $status == *": installed"* ]] || not_ok "DKMS did not install ours for $k: ${status:-no status}" || return 1
		[[ $mod == */updates/dkms/* ]] || not_ok "modinfo -k $k -n bcache: $mod, not ours" || return 1
		[[ $in_initrd == */updates/dkms/* ]] ||
			not_ok "/boot/initrd.img-$k carries ${in_initrd:-no bcache}, not ours" || return 1
		ok "$k: DKMS installed ours ($mod), and its initramfs carries $in_initrd"
	else
		[[ $status != *": installed"* ]] || not_ok "DKMS has ours installed for $k: $status" || return 1
		[[ $mod == */kernel/drivers/md/bcache/* ]] ||
			not_ok "modinfo -k $k -n bcache: $mod, not the stock module" || return 1
		[[ $in_initrd == */kernel/drivers/md/bcache/* ]] ||
			not_ok "/boot/initrd.img-$k carries ${in_initrd:-no bcache}, not the stock module" || return 1
		ok "$k: ours is not installed (${status:-no DKMS status}), modprobe resolves bcache to $mod, and its initramfs carries $in_initrd"
	fi
}

# configure_order LOG: the order in which dpkg configured the kernel
# packages, from apt's output.
configure_order() {
	sed -n 's/.*Setting up \(linux-[a-z]*-[^ ]*\) .*/\1/p' "$1" | paste -sd' ' -
}

# configured_before LOG FIRST SECOND: apt's output LOG shows dpkg
# configuring package FIRST before SECOND.
configured_before() {
	local order

	order=" $(configure_order "$1") "
	[[ $order == *" $2 "* ]] || not_ok "dpkg did not configure $2:$order" || return 1
	[[ $order == *" $3 "* ]] || not_ok "dpkg did not configure $3:$order" || return 1
	[[ "${order%% $3 *} " == *" $2 "* ]] || not_ok "dpkg configured $3 before $2:$order" || return 1
	ok "dpkg configured $2 before $3"
}

# readme_block HEADING FILE: the first indented code block under the line
# HEADING of README.md (FILE), its indent removed: the commands a user
# copies from there.
readme_block() {
	awk -v h="$1" '
		$0 == h { in_section = 1; next }
		in_section && /^#/ { exit }
		in_section && /^    / { sub(/^    /, ""); print; started = 1; next }
		in_section && started && NF > 0 { exit }
	' "$2"
}

# run_readme_block HEADING FILE: runs that block's commands one by one, as
# root in FILE's directory, as a user would paste them; stops at the first
# that fails.
run_readme_block() {
	local block line rc

	block=$(readme_block "$1" "$2")
	[ -n "$block" ] || not_ok "${2##*/} has no indented commands under '$1'" || return 1
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		echo "# README \$ $line"
		(cd "$(dirname "$2")" && DEBIAN_FRONTEND=noninteractive bash -c "$line" < /dev/null 2>&1) |
			while IFS= read -r out; do echo "#   $(date +%T) $out"; done
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 0 ] || not_ok "the README's command '$line' failed (exit $rc)" || return 1
	done <<< "$block"
	ok "ran the README's commands under '$1'"
}

# autopkgtest_log LOG KVER...: the log of /usr/lib/dkms/dkms-autopkgtest
# shows its own "dkms build" building the module ("Building module:") for
# each KVER, and that it passed there.  A build DKMS skipped as "already
# built for kernel" (the package's postinst built it first) tests nothing.
autopkgtest_log() {
	local log=$1 k

	shift
	! grep -q 'already built for kernel' "$log" ||
		not_ok "dkms-autopkgtest's own build was skipped: $(grep -m1 'already built for kernel' "$log")" || return 1
	for k in "$@"; do
		awk -v k="$k" '
			$0 ~ "^I: Trying to build .* for " && $NF == k { in_build = 1; next }
			in_build && /^I: / { exit }
			in_build && /^Building module:/ { built = 1 }
			END { exit !built }
		' "$log" || not_ok "dkms-autopkgtest did not build for $k itself (no \"Building module:\" after its \"I: Trying to build\")" || return 1
		grep -qxF "I: PASS $k" "$log" || not_ok "dkms-autopkgtest did not pass on $k" || return 1
		ok "dkms-autopkgtest built for $k itself and passed"
	done
	! grep -Eq '^I: (FAIL|SKIP) ' "$log" || not_ok "dkms-autopkgtest failed or skipped a kernel" || return 1
}
