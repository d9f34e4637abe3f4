#!/usr/bin/env bash
# VM lane: what the host lanes cannot show — CAP_SYS_RESOURCE, a
# cgroup-v2 memory controller, real systemd 252 with systemd-oomd — proved in
# a Debian bookworm VM booted under qemu/TCG.
#
#   1. A bookworm root is built once with debootstrap and cached
#      (OG_VM_CACHE, default /var/cache/oomguard-vm when root, else
#      tests/vm/cache/).  The cache key is the recipe below.
#   2. Each run copies that root, adds the freshly built oomguard, the guest
#      tests (tests/vm/guest/*.sh) and a oneshot unit that runs them and
#      powers off, and packs it with mkfs.ext4 -d.
#   3. qemu boots it; the results are read back from the image with debugfs.
#
# Ends with "N passed, N failed, N skipped"; exits non-zero on any failure.
# Needs root (debootstrap, ownership in the image) and the Debian packages
# debootstrap, qemu-system-x86, e2fsprogs.
# Env: OG_BIN (default build/oomguard), OG_VM_TIMEOUT (seconds, default 1200),
#      OG_VM_KEEP=1 keeps the image and console log, OG_VM_ONLY="pat ..." runs
#      only guest tests whose file name contains one of the words.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/rootfs.sh
. "$repo/tests/lib/rootfs.sh"
bin=${OG_BIN:-$repo/build/oomguard}
t0=$(date +%s)

fail_early() { echo "vm lane: $*" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
elapsed() { echo $(( $(date +%s) - t0 ))s; }

[ "$(id -u)" -eq 0 ] || fail_early "needs root (debootstrap, file ownership in the image)"
for t in debootstrap qemu-system-x86_64 mkfs.ext4 debugfs; do
	command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null \
		|| fail_early "missing $t (apt-get install debootstrap qemu-system-x86 e2fsprogs)"
done
export PATH=$PATH:/usr/sbin:/sbin
[ -x "$bin" ] || fail_early "no oomguard binary at $bin (run make first)"

if [ -n "${OG_VM_CACHE:-}" ]; then cache=$OG_VM_CACHE
elif [ -w /var/cache ]; then cache=/var/cache/oomguard-vm
else cache=$repo/tests/vm/cache; fi
mkdir -p "$cache" || fail_early "cannot create cache $cache"

# --- 1. the cached root -------------------------------------------------------
# Bump RECIPE when the root's contents must change; the tests themselves are
# copied in on every run and never invalidate the cache.
RECIPE="bookworm-minbase-v3"
# libpam-systemd and dbus-user-session give the lingering user a manager and a user bus;
# munge and Slurm's daemons a one-node cluster on cgroup v2 (t_60); iproute2 its
# dummy interface (Slurm resolves with AI_ADDRCONFIG, which finds nothing on lo alone).
INCLUDE=systemd,systemd-sysv,systemd-oomd,dbus,udev,linux-image-amd64,procps,python3,kmod,sudo,libcap2-bin,libpam-systemd,dbus-user-session,munge,slurmd,slurmctld,slurm-client,iproute2
key=$(printf '%s %s' "$RECIPE" "$INCLUDE" | sha256sum | cut -c1-12)
root=$cache/root-$key



build_root() {
	local tmp=$root.tmp m
	m=$(og_debian_mirror)
	og_rm_tree "$tmp"
	echo "vm lane: building the bookworm root from $m (cached in $root afterwards)"
	# One retry: a mirror hiccup should not fail the lane.
	if ! debootstrap --variant=minbase --include="$INCLUDE" bookworm "$tmp" "$m" >"$cache/debootstrap.log" 2>&1; then
		echo "vm lane: debootstrap failed ($(tail -n 1 "$cache/debootstrap.log")); retrying once"
		cp "$cache/debootstrap.log" "$cache/debootstrap.1.log"
		og_rm_tree "$tmp"
		if ! debootstrap --variant=minbase --include="$INCLUDE" bookworm "$tmp" "$m" >"$cache/debootstrap.log" 2>&1; then
			tail -n 20 "$cache/debootstrap.log" >&2
			return 1
		fi
	fi
	ls "$tmp"/boot/vmlinuz-* "$tmp"/boot/initrd.img-* >/dev/null || return 1
	echo og-vm >"$tmp/etc/hostname"
	printf '127.0.0.1 localhost og-vm\n' >"$tmp/etc/hosts"
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$tmp/etc/fstab"
	# The serial getty would hang up the console we read; the timers only add noise.
	for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
		ln -sf /dev/null "$tmp/etc/systemd/system/$u"
	done
	chroot "$tmp" systemctl enable systemd-oomd.service >/dev/null 2>&1
	# The unprivileged user of the user-route tests, lingering so that
	# user@1000.service (and its bus) runs without a login.
	chroot "$tmp" useradd -m -u 1000 -s /bin/bash oguser || return 1
	mkdir -p "$tmp/var/lib/systemd/linger" && touch "$tmp/var/lib/systemd/linger/oguser"
	printf 'oguser ALL=(ALL) NOPASSWD: ALL\n' >"$tmp/etc/sudoers.d/oguser"
	chmod 0440 "$tmp/etc/sudoers.d/oguser"
	rm -rf "$tmp/var/cache/apt/archives/"*.deb
	mv "$tmp" "$root"
}

for old in "$cache"/root-*; do # roots of older recipes
	[ -d "$old" ] && [ "$old" != "$root" ] && og_rm_tree "$old"
done
if [ ! -f "$root/.og-ready" ]; then
	build_root || fail_early "debootstrap failed (log: $cache/debootstrap.log)"
	touch "$root/.og-ready"
	echo "vm lane: root built in $(elapsed)"
else
	echo "vm lane: using cached root $root"
fi

# --- 2. the image ---------------------------------------------------------------
work=$(mktemp -d "$cache/run.XXXXXX")
cleanup() { if [ "${OG_VM_KEEP:-0}" = 1 ]; then echo "vm lane: kept $work"; else og_rm_tree "$work"; fi; }
trap cleanup EXIT
stage=$work/root
cp -a "$root" "$stage" || fail_early "cannot copy the root"
rm -f "$stage/.og-ready"

og=$stage/opt/og
mkdir -p "$og/tests" "$stage/usr/local/bin" "$stage/var/lib/og-results"
install -m 0755 "$bin" "$stage/usr/local/bin/oomguard"
install -m 0755 "$here"/guest/lib.sh "$here"/guest/runner.sh "$og/"
only() { # the file name contains one of OG_VM_ONLY's words (all when unset)
	local p
	[ -z "${OG_VM_ONLY:-}" ] && return 0
	for p in $OG_VM_ONLY; do case $1 in *"$p"*) return 0 ;; esac; done
	return 1
}
for t in "$here"/guest/t_*.sh; do
	only "$(basename "$t")" && install -m 0755 "$t" "$og/tests/"
done
[ -d "$here/guest/files" ] && cp -a "$here/guest/files" "$og/files"
# The Slurm test's cluster, plugin and load helpers: the host's own (the same
# Debian, the same Slurm 22.05).
install -m 0644 "$repo/tests/slurm/cluster.sh" "$og/cluster.sh"
[ -e "$(dirname "$bin")/oomguard-spank.so" ] && install -m 0644 "$(dirname "$bin")/oomguard-spank.so" "$og/"
[ -d "$(dirname "$bin")/helpers" ] && cp -a "$(dirname "$bin")/helpers" "$og/helpers"
cat >"$stage/etc/systemd/system/og-tests.service" <<'EOF'
[Unit]
Description=oomguard VM tests
After=multi-user.target systemd-oomd.service dbus.service user@1000.service
Wants=systemd-oomd.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/opt/og/runner.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=1800

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/og-tests.service "$stage/etc/systemd/system/multi-user.target.wants/og-tests.service"

img=$work/og.img
mkfs.ext4 -q -F -L og-root -d "$stage" "$img" 2G >/dev/null || fail_early "mkfs.ext4 -d failed"
og_rm_tree "$stage"
echo "vm lane: image ready in $(elapsed)"

# --- 3. boot --------------------------------------------------------------------
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)
console=$work/console.log
timeout "${OG_VM_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
	-drive "file=$img,format=raw,if=virtio" \
	-append "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0" -nic none \
	</dev/null >"$console" 2>&1
qrc=$?
echo "vm lane: guest finished (qemu exit $qrc) after $(elapsed)"

results=$(debugfs -R 'cat /var/lib/og-results/tap' "$img" 2>/dev/null)
if [ -z "$results" ]; then
	echo "vm lane: no results in the image; console tail:" >&2
	tail -n 60 "$console" | sed 's/^/  | /' >&2
	echo "0 passed, 1 failed, 0 skipped"
	OG_VM_KEEP=1
	exit 1
fi
debugfs -R 'cat /var/lib/og-results/log' "$img" 2>/dev/null >"$work/guest.log"
[ "${OG_VM_VERBOSE:-0}" = 1 ] && cat "$work/guest.log"

pass=0 fail=0 skip=0
while IFS= read -r line; do
	printf '%s\n' "$line"
	case "$line" in
	"ok "*"# skip"*|"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	"not ok "*) fail=$((fail + 1)) ;;
	esac
done <<<"$results"
if ! grep -q '^# runner finished' <<<"$results"; then
	echo "not ok - the guest runner did not finish (qemu exit $qrc)"
	fail=$((fail + 1))
fi
if [ "$fail" -gt 0 ]; then
	echo "# guest log (failures):"
	sed 's/^/  | /' "$work/guest.log" | tail -n 150
	OG_VM_KEEP=1
fi
echo "vm lane: wall time $(elapsed)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
