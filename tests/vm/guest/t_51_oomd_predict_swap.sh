#!/bin/bash
# The same comparison as t_50 for systemd-oomd's swap rule (issue 16):
# oomguard.slice with ManagedOOMSwap=kill, SwapUsedLimit=30% over a 768 MiB
# zram swap, so the rule fires above 230 MiB of swap used, and a candidate
# needs more than 5% of it (38 MiB).  A tmpfs file keeps used memory above
# 30% too.  Randomized rounds: 2-4 services each grow past
# their MemoryMax= by a random amount (that much goes to swap) and then sit
# still, at times one under the 5% floor, some with avoid or omit; together
# they stay under the limit.  `oomguard top --json` predicts in a loop;
# then a "push" service outside the slice, with ManagedOOMPreference=omit
# (never a candidate, if oomd honours omit as oomguard says it does), swaps
# until the total crosses the limit, and oomd kills within its 150 ms swap
# poll.  The last prediction before the kill is compared with oomd's journal
# line (Debian's -.slice is swap-monitored too, so the rule ranks every
# cgroup of the machine; any kill counts).
# Time (the runner gives a test 420 s): the pages stay zero, which zram
# stores without compressing; python starts without site (-S); the push is
# started with the round and waits at a gate; oomd's 15 s pause after a
# kill passes while the next round grows.  Measured: 10 rounds in 216-278 s
# (a shared, loaded host); the old design (python-written pages, a 900 MiB
# push that was itself the victim in most rounds) fitted 5 in 119-236 s,
# and four earlier runs of it passed the 420 s limit.
# Env: OG_T51_ROUNDS (default 10), OG_T51_SEED.
. /opt/og/lib.sh
tstart=$(date +%s)
slice=oomguard.slice
rounds=${OG_T51_ROUNDS:-10}
seed=${OG_T51_SEED:-$(( ($(date +%s) + 7) % 32768 ))}
RANDOM=$seed
log "seed $seed, $rounds rounds"
work=$(mktemp -d)
conf=/etc/systemd/system/$slice.d/50-og-t51.conf
oconf=/etc/systemd/oomd.conf.d/50-og-t51.conf
ZRAM_MIB=768 holdf=/dev/shm/og-t51-hold

cleanup() {
	touch "$work/stop"
	systemctl stop 'og-t51-*' 2>/dev/null
	systemctl reset-failed 'og-t51-*' 2>/dev/null
	rm -f "$conf" "$oconf" "$holdf"
	systemctl daemon-reload
	swapoff /dev/zram0 2>/dev/null
	systemctl restart systemd-oomd
	rm -rf "$work"
}
trap cleanup EXIT

modprobe zram num_devices=1
swapoff /dev/zram0 2>/dev/null
echo 1 >/sys/block/zram0/reset
if ! { echo ${ZRAM_MIB}M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; }; then
	skip "swap predictions" "no zram swap in this VM"
	exit 0
fi
kib() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
swap_total=$(kib SwapTotal)
limit_kib=$((swap_total * 30 / 100)) floor_mib=$((swap_total * 5 / 100 / 1024))
swap_used_kib() { echo $(( $(kib SwapTotal) - $(kib SwapFree) )); }
mkdir -p "${conf%/*}" "${oconf%/*}"
printf '[Slice]\nManagedOOMSwap=kill\n' >"$conf"
printf '[OOM]\nSwapUsedLimit=30%%\n' >"$oconf"
systemctl daemon-reload
systemctl start $slice
swap_listed() { oomctl dump | grep -q 'Swap Used Limit: 30.00%' &&
	oomctl dump | sed -n '/^Swap Monitored CGroups:/,/^Memory Pressure Monitored/p' | grep -q "Path: /$slice\$"; }
oomd_restart() {
	systemctl restart systemd-oomd
	wait_for 10 systemctl is-active --quiet systemd-oomd && wait_for 10 swap_listed
}
check "oomctl dump lists /$slice under swap monitoring at 30%" oomd_restart
oomctl dump | sed -n '1,/^Swap Monitored/p' >&2

# Used memory above 30% of RAM for the whole test, outside the slice, with
# room for what the rounds' services hold in RAM.
# A tmpfs file: its pages are shmem, which MemAvailable does not count, and
# fallocate makes them without a pass of user code (a python holder took
# ~50 s under a loaded TCG).
hold=$(( ($(kib MemTotal) * 30 / 100 - $(kib MemTotal) + $(kib MemAvailable)) / 1024 + 96 ))
touch "$work/go"
fallocate -l "${hold}M" "$holdf" || log "cannot fallocate $hold MiB in /dev/shm"
log "holder $hold MiB; swap limit $((limit_kib / 1024)) MiB, floor $floor_mib MiB"

# round_sizes K: how far each of K services grows past its MemoryMax=
# (MiB).  Each swaps ~5 MiB more than that (python's own pages); together
# they stay under 85% of the limit (8 MiB each kept for that); the first is above the floor, the
# others above it or (1 in 5) under it.
round_sizes() {
	local k=$1 left=$((limit_kib * 85 / 100 / 1024 - 8 * $1)) lo=$((floor_mib - 4)) j sw max
	for j in $(seq 1 "$k"); do
		max=$((left - lo * (k - j)))
		if [ "$j" -gt 1 ] && [ $((RANDOM % 5)) = 0 ]; then
			sw=$((2 + RANDOM % (floor_mib - 20)))
		elif [ "$max" -gt "$lo" ]; then
			sw=$((lo + RANDOM % (max - lo + 1)))
		else
			sw=$lo
		fi
		left=$((left - sw))
		echo "$sw"
	done
}

agree=0 disagree=0 tagree=0 tdisagree=0 none=0 t0=$(date +%s) done_rounds=0
for r in $(seq 1 "$rounds"); do
	# The runner ends a test at 420 s; a round takes ~15-20 s, up to 60 s
	# on a loaded host: none starts after 300 s of the test.
	[ $(( $(date +%s) - tstart )) -gt 300 ] && { log "round $r: time budget spent, stopping"; break; }
	done_rounds=$r
	d=$work/r$r
	mkdir -p "$d"
	k=$((2 + RANDOM % 3))
	desc="" j=0 total=0
	for sw in $(round_sizes "$k"); do
		j=$((j + 1)) total=$((total + sw + 5))
		high=$((16 + RANDOM % 16))
		case $((RANDOM % 8)) in 0) pref=omit ;; 1) pref=avoid ;; *) pref=none ;; esac
		[ "$j" = 1 ] && pref=none # something is always killable
		desc="$desc j$j:swap${sw}M/max${high}M/$pref"
		# MemoryMax=: the excess goes to swap at once, without memory.high's throttle.
		systemd-run --quiet --unit="og-t51-$r-$j" --slice=$slice -p MemoryMax=${high}M \
			-p ManagedOOMPreference=$pref python3 -S /opt/og/files/hog_rate.py $((sw + high)) 4 0 "$work/go" "$d/ready.$j" zero
	done
	# The push: enough to cross the limit from what the services will swap.
	push=$((limit_kib / 1024 - total + 32))
	systemd-run --quiet --unit="og-t51-push-$r" -p MemoryMax=16M -p ManagedOOMPreference=omit \
		python3 -S /opt/og/files/hog_rate.py $((push + 16)) 4 0 "$d/push" "$d/pushed" zero
	log "round $r:$desc push:${push}M/omit"
	wait_for 30 sh -c "[ \$(ls $d/ready.* 2>/dev/null | wc -l) -ge $k ]" || log "round $r: not all grown after 30 s"
	log "round $r: grown, swap used $(( $(swap_used_kib) / 1024 )) MiB"
	oomd_predict "$d" &
	pp=$!
	wait_for 10 test -s "$d/idx"
	ts=$(now_ts)
	touch "$d/push"
	# Up to oomd's 15 s pause after the last round's kill, and the push.
	wait_for 30 oomd_killed "/" "$ts" || log "round $r: no kill in 30 s; $(grep -E '^(MemAvailable|SwapFree)' /proc/meminfo | tr -s ' \n' ' ')"
	log "round $r: killed, swap used $(( $(swap_used_kib) / 1024 )) MiB"
	touch "$d/stop"
	wait "$pp"
	res=$(journalctl -u systemd-oomd --since="$ts" -o json --no-pager | python3 /opt/og/files/oomd_round.py "$d" "/$slice" "/")
	echo "$res" | sed "s/^/# swap round $r: /" >&2
	case $(sed -n '1s/^RESULT \([a-z-]*\).*/\1/p' <<<"$res") in
	agree) agree=$((agree + 1)) ;;
	disagree) disagree=$((disagree + 1)) ;;
	tie-agree) tagree=$((tagree + 1)) ;;
	tie-disagree) tdisagree=$((tdisagree + 1)) ;;
	*) none=$((none + 1)) ;;
	esac
	systemctl stop "og-t51-$r-*" "og-t51-push-$r" 2>/dev/null
	systemctl reset-failed "og-t51-$r-*" "og-t51-push-$r" 2>/dev/null
done
rounds=$done_rounds
summary="swap rounds: $rounds (seed $seed, $(( $(date +%s) - t0 )) s): outside near ties $agree agree, $disagree disagree; near ties $tagree agree, $tdisagree disagree; $none without a kill or a prediction"
log "$summary"
echo "# $summary"
# 10 rounds fit when the VM has its two CPUs; a loaded host gets fewer.
check "at least 5 swap rounds ran ($rounds)" test "$rounds" -ge 5
check "every swap round ended in an oomd kill with a prediction before it ($((rounds - none)) of $rounds)" \
	test "$none" -eq 0
check "oomguard's next swap victim is oomd's in every round outside near ties ($agree of $((agree + disagree)))" \
	test "$disagree" -eq 0 -a "$agree" -gt 0
