#!/usr/bin/env bash
# Early warning, oomguard against earlyoom --dryrun, on the same load in one run.
#
# Load: tests/helpers/og_ratehog filling a cgroup-v1 memory cgroup with a 4 GiB
# limit at a fixed rate (256 MiB/s and 1 GiB/s) until the kernel's memcg OOM
# killer ends it.  The hog stays inside the memcg, so the host is never at risk.
# Three watchers run side by side on every fill, all from outside the memcg:
#   oomguard eta     oomguard watch --warn=eta:5s,startup:0s (rate-aware; sends SIGUSR1;
#                    the hog fills from its first second: no start-up to wait for)
#   oomguard 10%     oomguard watch --warn=available:10%   (static, like earlyoom)
#   earlyoom         earlyoom --dryrun -m 10
# earlyoom only knows system memory (MemAvailable against MemTotal), not a
# memory cgroup, and on a shared host the system figure moves with everyone
# else's load.  So earlyoom is shown the memcg as its machine: it runs in a
# private mount namespace where /proc/meminfo is a file that a feeder rewrites
# every ~2 ms with MemTotal = the 4 GiB limit and MemAvailable = limit - usage
# (no swap).  With -m 10 it then acts at 10% (409.6 MiB) of the memcg's
# headroom, the same threshold as "oomguard 10%", on the same fill.  (The
# feeder adds up to ~2 ms to earlyoom's latency.)
#
# Figures, per rate:
#   margin      time from the warning to the kill (kill = the hog's wait returning)
#   latency     detection delay after the 10% threshold was crossed, from the
#               headroom the watcher reports at detection:
#               (threshold - headroom_at_detection) / fill rate
# then idle CPU (schedstat run time) of both over IDLE_S seconds (default 60)
# watching an idle job, and their RSS.  Targets (issue 6): eta:5s margin >= 4 s
# at 256 MiB/s; latency <= 100 ms; idle CPU and RSS no higher than earlyoom's.
# Env: OG_BIN (default ./oomguard), RUNS (default 3), IDLE_S (default 60).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
runs=${RUNS:-3}
idle_s=${IDLE_S:-60}
hog=${OG_HOG:-build/helpers/og_ratehog}
mc=/sys/fs/cgroup/memory
[ -x "$og" ] || { echo "bench/warn.sh: build oomguard first (make)"; exit 1; }
[ -x "$hog" ] || make -s "$hog" || exit 1
command -v earlyoom >/dev/null || { echo "bench/warn.sh: earlyoom not installed (apt-get install earlyoom)"; exit 1; }
[ "$(id -u)" -eq 0 ] && [ -w "$mc/cgroup.procs" ] || { echo "bench/warn.sh: needs root and cgroup-v1 memory at $mc"; exit 1; }

work=$(mktemp -d /tmp/og-bench-warn.XXXXXX)
cg=$mc/og-bench-warn-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -d "$cg" ] || break; rmdir "$cg" 2>/dev/null || sleep 0.2; done
	if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir "$cg"
echo 4G > "$cg/memory.limit_in_bytes"
echo 0 > "$cg/memory.swappiness"
limit_mib=4096
thr_mib=409.6
thr_kib=419430
mkfifo "$work/fifo"

# /proc/meminfo for earlyoom: the memcg as a machine (see the header).
feeder() {
	local u lim=$((limit_mib * 1024)) a
	exec 9<> "$work/fifo"
	while [ -d "$cg" ] && [ ! -e "$work/stop" ]; do
		read -r u < "$cg/memory.usage_in_bytes"
		a=$(( lim - u / 1024 )); [ "$a" -lt 0 ] && a=0
		printf 'MemTotal:       %12d kB\nMemFree:        %12d kB\nMemAvailable:   %12d kB\nBuffers:        %12d kB\nCached:         %12d kB\nSwapTotal:      %12d kB\nSwapFree:       %12d kB\nAnonPages:      %12d kB\n' \
			"$lim" "$a" "$a" 0 0 0 0 $((u / 1024)) 1<> "$work/meminfo"
		read -r -t 0.002 -u 9 _
	done
}

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
iso_ms() { local d; d=$(date -d "$1" +%s%N); echo $((d / 1000000)); }
# Prefix each line with the wall-clock ms at which it was read (no fork per line).
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$(now_ms)" "$l"; done; }
avail_kib() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
f1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }

declare -A sum cnt
add() { sum[$1]=$(awk -v a="${sum[$1]:-0}" -v b="$2" 'BEGIN { print a + b }'); cnt[$1]=$(( ${cnt[$1]:-0} + 1 )); }
avg() { [ "${cnt[$1]:-0}" -gt 0 ] && awk -v a="${sum[$1]}" -v n="${cnt[$1]}" 'BEGIN { printf "%.2f", a / n }' || echo "n/a"; }

one_fill() { # $1 = rate MiB/s, $2 = run number
	local rate=$1 r=$2 usage_mib avail M t_kill
	local E=$work/earlyoom.$rate.$r O1=$work/og-eta.$rate.$r O2=$work/og-10.$rate.$r
	rm -f "$work/stop"
	feeder &
	local fp=$!
	sleep 0.1
	stdbuf -oL unshare -m sh -c 'mount --bind "$1" /proc/meminfo && exec earlyoom --dryrun -r 0 -m 10' sh "$work/meminfo" > >(stamp > "$E") 2>&1 &
	local ep=$!
	sleep 0.5
	( while [ -d "$cg" ]; do printf '%s %s\n' "$(now_ms)" "$(< "$cg/memory.usage_in_bytes")"; sleep 0.02; done ) > "$work/usage" &
	local up=$!
	sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; exec "$2" --rate "$3" --mark "$4"' sh "$cg" "$hog" "$rate" "$work/mark" &
	local hp=$!
	for _ in $(seq 100); do grep -qx "$hp" "$cg/cgroup.procs" && break; sleep 0.01; done
	"$og" watch -q --json --warn=eta:5s,available:off,critical:off,critical-eta:off,psi-full:off,startup:0s "$hp" > "$O1" 2>/dev/null &
	local w1=$!
	"$og" watch -q --json --warn-signal none --warn=available:10%,critical:off,eta:off,critical-eta:off,psi-full:off "$hp" > "$O2" 2>/dev/null &
	local w2=$!
	wait "$hp" 2>/dev/null
	t_kill=$(now_ms)
	wait "$w1" "$w2"
	sleep 0.3
	touch "$work/stop"
	kill "$ep" "$up" 2>/dev/null; wait "$ep" "$up" "$fp" 2>/dev/null

	local j t h lat margin fr=""
	j=$(grep '"event":"warning"' "$O1" | head -n1)
	if [ -n "$j" ]; then
		t=$(iso_ms "$(jq -r .time <<<"$j")")
		margin=$(( t_kill - t ))
		add "eta_margin_$rate" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')"
		printf '  run %d  oomguard eta:5s   warned %6.2f s before the kill (at %s MiB headroom)\n' "$r" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')" "$(( $(jq .available_kb <<<"$j") / 1024 ))"
	else
		echo "  run $r  oomguard eta:5s   NO WARNING"
	fi
	j=$(grep '"event":"warning"' "$O2" | head -n1)
	if [ -n "$j" ]; then
		t=$(iso_ms "$(jq -r .time <<<"$j")")
		h=$(jq .available_kb <<<"$j")
		margin=$(( t_kill - t ))
		# The hog's real rate near the end (CPU contention, memcg charging)
		# is below the nominal one: use the rate oomguard measured.
		fr=$(jq .fill_kbps <<<"$j")
		lat=$(awk -v t="$thr_mib" -v h="$h" -v r="$fr" -v n="$rate" 'BEGIN { r = r > 0 ? r / 1024 : n; l = (t - h / 1024) / r * 1000; printf "%.0f", l < 0 ? 0 : l }')
		add "og_margin_$rate" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')"
		add "og_lat_$rate" "$lat"
		add "og_h_$rate" "$((h / 1024))"
		printf '  run %d  oomguard 10%%      warned %6.2f s before the kill, %4d ms after the crossing (headroom %d MiB)\n' "$r" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')" "$lat" "$((h / 1024))"
	else
		echo "  run $r  oomguard 10%      NO WARNING"
	fi
	# earlyoom (dry run) logs "low memory! at or below SIGTERM limits: mem  X%" then the
	# victim it would signal; the "mem avail: N of T MiB" figure it acted on precedes it.
	local line lno
	lno=$(grep -n -m1 'low memory' "$E" | cut -d: -f1)
	if [ -n "$lno" ]; then
		line=$(head -n "$lno" "$E" | grep 'mem avail:' | tail -n1)
		t=${line%% *}
		margin=$(( t_kill - t ))
		local avail_det cgh
		avail_det=$(grep -oE 'mem avail: +[0-9]+' <<<"$line" | grep -oE '[0-9]+$')
		lat=$(awk -v M="$((thr_kib))" -v a="$avail_det" -v r="${fr:-0}" -v n="$rate" 'BEGIN { r = r > 0 ? r / 1024 : n; l = (M / 1024 - a) / r * 1000; printf "%.0f", l < 0 ? 0 : l }')
		add "eo_lat_$rate" "$lat"
		add "eo_margin_$rate" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')"
		# What the memcg itself had left at that moment (from the usage log):
		# far above 410 MiB means other load on the host moved MemAvailable.
		cgh=$(awk -v t="$t" -v l="$limit_mib" '$1 <= t { u = $2 } END { printf "%d", l - u / 1048576 }' "$work/usage")
		add "eo_cgh_$rate" "$cgh"
		printf '  run %d  earlyoom -m 10     acted  %6.2f s before the kill, %4d ms after the crossing (headroom %s MiB)\n' "$r" "$(awk -v m="$margin" 'BEGIN { print m / 1000 }')" "$lat" "$cgh"
	else
		echo "  run $r  earlyoom          NO ACTION (log: $(head -c 300 "$E" | tr '\n' '|'))"
	fi
	sleep 0.5
}

echo "bench/warn.sh: fill a 4 GiB memcg ($cg) until the memcg OOM kill; $runs runs per rate"
echo "  oomguard $("$og" --version | head -n1 | cut -d' ' -f2), $(earlyoom -v 2>&1 | head -n1)"
for rate in 256 1024; do
	echo "rate $rate MiB/s:"
	for r in $(seq "$runs"); do one_fill "$rate" "$r"; done
done

echo "idle: $idle_s s, all at once: oomguard watching an idle job in the 4 GiB memcg; oomguard watching an"
echo "      idle job outside any limited memcg (system only, like earlyoom), default spec and with psi-full:off;"
echo "      earlyoom --dryrun -r 0 (system)"
sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; exec "$2" --steps 100:'"$((idle_s + 10))" sh "$cg" "$hog" &
idle_job=$!; pids+=("$idle_job")
sleep $((idle_s + 10)) &
idle_sys=$!; pids+=("$idle_sys")
sleep 0.3
"$og" watch -q --warn-signal none "$idle_job" 2>/dev/null &
ogp=$!; pids+=("$ogp")
"$og" watch -q --warn-signal none "$idle_sys" 2>/dev/null &
ogs=$!; pids+=("$ogs")
"$og" watch -q --warn-signal none --warn=psi-full:off "$idle_sys" 2>/dev/null &
ogn=$!; pids+=("$ogn")
earlyoom --dryrun -r 0 >/dev/null 2>&1 &
eop=$!; pids+=("$eop")
sleep 2
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
wakes() { awk '{ print $3 }' "/proc/$1/schedstat"; }
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
pss_kib() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"; }
uss_kib() { awk '$1 ~ /^Private_(Clean|Dirty):$/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"; }
declare -A c0 w0
for p in $ogp $ogs $ogn $eop; do c0[$p]=$(cpu_ns "$p"); w0[$p]=$(wakes "$p"); done
sleep "$idle_s"
cpu() { awk -v a="${c0[$1]}" -v b="$(cpu_ns "$1")" -v s="$idle_s" 'BEGIN { printf "%.4f", (b - a) / 1e9 / s * 100 }'; }
nw() { echo $(( $(wakes "$1") - ${w0[$1]} )); }
og_cpu=$(cpu "$ogp"); ogs_cpu=$(cpu "$ogs"); ogn_cpu=$(cpu "$ogn"); eo_cpu=$(cpu "$eop")
og_w=$(nw "$ogp"); ogs_w=$(nw "$ogs"); ogn_w=$(nw "$ogn"); eo_w=$(nw "$eop")
og_rss=$(rss_kib "$ogs"); eo_rss=$(rss_kib "$eop")
og_pss=$(pss_kib "$ogs"); eo_pss=$(pss_kib "$eop")
og_uss=$(uss_kib "$ogs"); eo_uss=$(uss_kib "$eop")
og_lck=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$ogs/status"); eo_lck=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$eop/status")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "summary (means over $runs runs)            oomguard        earlyoom --dryrun   ratio og/eo"
for rate in 256 1024; do
	printf '  margin, eta:5s, %4d MiB/s (s)         %-15s %-19s -\n' "$rate" "$(avg "eta_margin_$rate")" "n/a (no rate mode)"
	printf '  margin at 10%% headroom, %4d MiB/s (s)  %-15s %-19s %s\n' "$rate" "$(avg "og_margin_$rate")" "$(avg "eo_margin_$rate")" \
		"$(awk -v a="$(avg "og_margin_$rate")" -v b="$(avg "eo_margin_$rate")" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')"
	printf '  detection latency, %4d MiB/s (ms)     %-15s %-19s -\n' "$rate" "$(avg "og_lat_$rate")" "$(avg "eo_lat_$rate")"
	printf '  memcg headroom when acting (MiB)      %-15s %-19s -   (threshold 410)\n' "$(avg "og_h_$rate")" "$(avg "eo_cgh_$rate")"
done
printf '  idle CPU, system only (%% of a core)   %-15s %-19s %s   (%d vs %d wake-ups in %d s)\n' "$ogs_cpu" "$eo_cpu" "$(ratio "$ogs_cpu" "$eo_cpu")" "$ogs_w" "$eo_w" "$idle_s"
printf '  idle CPU, system only, psi-full:off   %-15s %-19s %s   (%d wake-ups)\n' "$ogn_cpu" "$eo_cpu" "$(ratio "$ogn_cpu" "$eo_cpu")" "$ogn_w"
printf '  idle CPU, job in the 4 GiB memcg      %-15s %-19s %s   (%d wake-ups)\n' "$og_cpu" "$eo_cpu" "$(ratio "$og_cpu" "$eo_cpu")" "$og_w"
printf '  RSS (KiB)                             %-15s %-19s %s\n' "$og_rss" "$eo_rss" "$(awk -v a="$og_rss" -v b="$eo_rss" 'BEGIN { printf "%.2f", a / b }')"
printf '  PSS (KiB; shared pages split)         %-15s %-19s %s\n' "$og_pss" "$eo_pss" "$(awk -v a="$og_pss" -v b="$eo_pss" 'BEGIN { printf "%.2f", a / b }')"
printf '  USS (KiB; private to the process)     %-15s %-19s %s\n' "$og_uss" "$eo_uss" "$(awk -v a="$og_uss" -v b="$eo_uss" 'BEGIN { printf "%.2f", a / b }')"
printf '  locked (VmLck, KiB)                   %-15s %-19s -\n' "${og_lck:-?}" "${eo_lck:-?}"
