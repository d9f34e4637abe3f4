# Shared helpers for the guest tests (sourced).  Each test file prints TAP
# lines without numbers: "ok - NAME", "not ok - NAME", "ok - NAME # skip WHY".
# Diagnostics go to stderr, which the runner keeps in the log.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OG=${OG:-/usr/local/bin/oomguard}
OGUSER=oguser
OGUID=1000

ok()    { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
skip()  { local n=$1; shift; echo "ok - $n # skip $*"; }
log()   { echo "# $(date +%T) $*" >&2; }
# check NAME CMD...: ok when CMD succeeds.
check() { local n=$1; shift; if "$@" >&2; then ok "$n"; else notok "$n"; fi; }

# wait_for SECONDS CMD...: poll every 0.2 s until CMD succeeds.
wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# The cgroup v2 path of a process ("" when gone).
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# xattr NAME DIR: the value, or nothing.
xattr() { python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[2], sys.argv[1]).decode())
except OSError: pass' "$1" "$2"; }
owner() { stat -c %u "$1"; }
alive() { kill -0 "$1" 2>/dev/null; }

# A memory hog: grows to $1 MiB in 8 MiB steps, then keeps touching its pages
# so a MemoryHigh= throttle keeps reclaiming (and PSI keeps rising).
hog_cmd() { echo "python3 /opt/og/files/hog.py $1"; }

# Run as the unprivileged user with its user bus reachable.
as_user() {
	runuser -u "$OGUSER" -- env XDG_RUNTIME_DIR=/run/user/$OGUID \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$OGUID/bus "$@"
}

# systemd-oomd tuned for a test: 2 s above the limit is enough.
oomd_fast() {
	mkdir -p /etc/systemd/oomd.conf.d
	printf '[OOM]\nDefaultMemoryPressureDurationSec=2s\n' >/etc/systemd/oomd.conf.d/50-og-test.conf
	systemctl restart systemd-oomd
	wait_for 10 systemctl is-active --quiet systemd-oomd
}
# Has systemd-oomd logged a kill of a cgroup matching $1 since time $2 (now_ts)?
oomd_killed() { journalctl -u systemd-oomd --since="$2" -o cat --no-pager 2>/dev/null | grep -q "^Killed $1"; }
oomd_log() { journalctl -u systemd-oomd --since="$1" -o cat --no-pager 2>/dev/null | grep -E '^Killed|Failed' >&2; }
now_ts() { date '+%Y-%m-%d %H:%M:%S'; sleep 1; }
job_pid() { wait_for 20 grep -q 'started pid' "$1" && sed -n 's/.*started pid \([0-9]*\).*/\1/p' "$1" | head -n1; }
# Undo oomd_fast: later tests (doctor) read the shipped configuration.
oomd_restore() {
	rm -f /etc/systemd/oomd.conf.d/50-og-test.conf
	systemctl restart systemd-oomd
	wait_for 10 systemctl is-active --quiet systemd-oomd
}
# oomd_predict DIR: `oomguard top --json` in a loop until DIR/stop exists,
# each prediction in DIR/p.N and "N start_ns end_ns" in DIR/idx (read by
# files/oomd_round.py); t_50 and t_51.
oomd_predict() {
	local i=0 s e
	while [ ! -e "$1/stop" ]; do
		s=$(date +%s%N)
		"$OG" top --json --lines 0 >"$1/p.$i" 2>/dev/null
		e=$(date +%s%N)
		echo "$i $s $e" >>"$1/idx"
		i=$((i + 1))
	done
}
