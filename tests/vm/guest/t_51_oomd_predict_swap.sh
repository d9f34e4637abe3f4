#!/bin/bash
# NOT RUN BY THE LANE: the runner skips it because it is not executable.  Its
# last two runs passed the runner's 420 s limit; run it by hand with
# chmod +x and OG_VM_ONLY=t_51 until its time budget is measured.
# The same comparison as t_50 for systemd-oomd's swap rule: oomguard.slice
# with ManagedOOMSwap=kill, SwapUsedLimit=30% over a 1.5 GiB zram swap.
# Randomized rounds: 2-4 services that each grow past their MemoryMax= by a
# random amount (that much goes to swap) and then sit still, one of them at
# times under the rule's 5%-of-swap floor, some with avoid or omit.  A
# service outside the slice holds memory so that used memory is above the
# limit too, and a "push" service outside the slice then swaps until the
# total crosses the limit: oomd kills within 150 ms.  `oomguard top --json`
# predicts in a loop (Debian's -.slice is swap-monitored too, so the rule
# ranks the whole machine: the push can be the victim, and top's prediction
# covers that); the last prediction before the kill is compared with
# oomd's journal line.  Env: OG_T51_ROUNDS (default 5: the rounds are
# longer than t_50's and the runner gives a test 420 s), OG_T51_SEED.
. /opt/og/lib.sh
slice=oomguard.slice
rounds=${OG_T51_ROUNDS:-5}
seed=${OG_T51_SEED:-$(( ($(date +%s) + 7) % 32768 ))}
RANDOM=$seed
log "seed $seed, $rounds rounds"
work=$(mktemp -d)
conf=/etc/systemd/system/$slice.d/50-og-t51.conf
oconf=/etc/systemd/oomd.conf.d/50-og-t51.conf

cleanup() {
	systemctl stop 'og-t51-*' 2>/dev/null
	systemctl reset-failed 'og-t51-*' 2>/dev/null
	rm -f "$conf" "$oconf"
	systemctl daemon-reload
	swapoff /dev/zram0 2>/dev/null
	systemctl restart systemd-oomd
	rm -rf "$work"
}
trap cleanup EXIT

modprobe zram num_devices=1
swapoff /dev/zram0 2>/dev/null
echo 1 >/sys/block/zram0/reset
if ! { echo 1536M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0; }; then
	skip "swap predictions" "no zram swap in this VM"
	exit 0
fi
mkdir -p "${conf%/*}" "${oconf%/*}"
printf '[Slice]\nManagedOOMSwap=kill\n' >"$conf"
printf '[OOM]\nSwapUsedLimit=30%%\n' >"$oconf"
systemctl daemon-reload
systemctl start $slice
systemctl restart systemd-oomd
wait_for 10 systemctl is-active --quiet systemd-oomd
swap_listed() { oomctl dump | grep -q 'Swap Used Limit: 30.00%' &&
	oomctl dump | sed -n '/^Swap Monitored CGroups:/,/^Memory Pressure Monitored/p' | grep -q "Path: /$slice\$"; }
check "oomctl dump lists /$slice under swap monitoring at 30%" wait_for 10 swap_listed
oomctl dump | sed -n '1,/^Swap Monitored/p' >&2

# Used memory above 30% of RAM for the whole test, outside the slice.
touch "$work/go"
systemd-run --quiet --unit=og-t51-hold python3 /opt/og/files/hog_rate.py 500 8 0 "$work/go" "$work/held"
wait_for 60 test -e "$work/held" || log "the holder did not grow in 60 s"

predict() {
	local i=0 s e
	while [ ! -e "$1/stop" ]; do
		s=$(date +%s%N)
		"$OG" top --json --lines 0 >"$1/p.$i" 2>/dev/null
		e=$(date +%s%N)
		echo "$i $s $e" >>"$1/idx"
		i=$((i + 1))
	done
}

agree=0 disagree=0 tagree=0 tdisagree=0 none=0 t0=$(date +%s)
tstart=$(date +%s) done_rounds=0
for r in $(seq 1 "$rounds"); do
	# The runner kills a test after 420 s: no round starts after 260 s (one
	# takes 70 s at worst: 20 to grow, 40 for the kill, the rest to stop).
	[ $(( $(date +%s) - tstart )) -gt 260 ] && { log "round $r: time budget spent, stopping"; break; }
	done_rounds=$r
	d=$work/r$r
	mkdir -p "$d"
	k=$((2 + RANDOM % 3))
	desc="" budget=$((420 / k))
	for j in $(seq 1 "$k"); do
		high=$((16 + RANDOM % 16)) sw=$((80 + RANDOM % (budget - 79)))
		[ $((RANDOM % 6)) = 0 ] && sw=$((20 + RANDOM % 40)) # under the 5% floor (77 MiB)
		case $((RANDOM % 8)) in 0) pref=omit ;; 1) pref=avoid ;; *) pref=none ;; esac
		[ "$j" = 1 ] && { pref=none; sw=$((80 + RANDOM % (budget - 79))); } # something is always killable
		desc="$desc j$j:swap${sw}M/high${high}M/$pref"
		# MemoryMax=: the excess goes to swap at once, without memory.high's throttle.
		systemd-run --quiet --unit="og-t51-$r-$j" --slice=$slice -p MemoryMax=${high}M \
			-p ManagedOOMPreference=$pref python3 /opt/og/files/hog_rate.py $((sw + high)) 4 0 "$d/go" "$d/ready.$j"
	done
	log "round $r:$desc"
	touch "$d/go"
	wait_for 20 sh -c "[ \$(ls $d/ready.* 2>/dev/null | wc -l) -ge $k ]" || log "round $r: not all grown after 20 s"
	sleep 1 # the last pages reach swap
	predict "$d" &
	pp=$!
	wait_for 10 test -s "$d/idx"
	ts=$(now_ts)
	# Swap outside the slice until the total crosses the limit.
	# memory.high, not memory.max: reclaim to swap without the memcg OOM
	# killer ending the push half way.
	systemd-run --quiet --unit="og-t51-push-$r" -p MemoryHigh=64M python3 /opt/og/files/hog_rate.py 900 8 0 "$d/go" "$d/pushed"
	# Debian ships -.slice with ManagedOOMSwap=kill: the rule ranks every
	# cgroup of the machine together, the push included; any kill counts.
	wait_for 40 oomd_killed "/" "$ts" ||
		log "round $r: no kill in 40 s; $(grep -E '^(MemAvailable|SwapTotal|SwapFree)' /proc/meminfo | tr -s ' \n' ' ')push $(systemctl show -p ActiveState,Result og-t51-push-$r | tr '\n' ' ')"
	systemctl stop "og-t51-push-$r" 2>/dev/null
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
	systemctl stop "og-t51-$r-*" 2>/dev/null
	systemctl reset-failed "og-t51-$r-*" "og-t51-push-$r" 2>/dev/null
done
rounds=$done_rounds
summary="swap rounds: $rounds (seed $seed, $(( $(date +%s) - t0 )) s): outside near ties $agree agree, $disagree disagree; near ties $tagree agree, $tdisagree disagree; $none without a kill or a prediction"
log "$summary"
echo "# $summary"
# The push's pace under emulation varies: a round may end without a kill.
check "most swap rounds ended in an oomd kill with a prediction before it ($((rounds - none)) of $rounds)" \
	test $((2 * none)) -lt "$rounds"
check "oomguard's next swap victim is oomd's in every round outside near ties ($agree of $((agree + disagree)))" \
	test "$disagree" -eq 0 -a "$agree" -gt 0
