#!/usr/bin/env bash
# oomguard why --file against grep -E 'invoked oom-killer|Killed process|systemd-oomd'
# on the same 1 GiB synthetic kern.log (ordinary kernel/system lines with a
# sparse full OOM episode every few MiB), side by side in one run.  grep only
# finds lines; oomguard assembles whole events.  Prints MB/s for both and
# the throughput ratio oomguard/grep (target: >= 1.0, no slower than grep).
# Env: OG_BIN (default ./oomguard), SIZE_MIB (default 1024), RUNS (default 3),
#      OG_BENCH_DIR (default /tmp/og-bench-why; the log is kept for reruns).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
size_mib=${SIZE_MIB:-1024}
runs=${RUNS:-3}
dir=${OG_BENCH_DIR:-/tmp/og-bench-why}
[ -x "$og" ] || { echo "bench/why.sh: build oomguard first (make)"; exit 1; }
mkdir -p "$dir"
log=$dir/kern-$size_mib.log

if [ ! -s "$log" ] || [ "$(stat -c %s "$log")" -lt $((size_mib * 1048576)) ]; then
	echo "generating $log ($size_mib MiB)..."
	python3 - "$log" "$size_mib" <<'PY' || exit 1
import random, sys
path, size_mib = sys.argv[1], int(sys.argv[2])
random.seed(42)
host = "node7"
ordinary = [
    'kernel: [{t}] audit: type=1400 audit({e}:{n}): apparmor="DENIED" operation="open" profile="snap.firefox.firefox" name="/proc/{p}/oom_score_adj" pid={p} comm="firefox" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000',
    'kernel: [{t}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.{n} DST=10.0.0.5 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID={p} PROTO=TCP SPT=443 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0',
    'kernel: [{t}] usb 1-{n}: new high-speed USB device number {n} using xhci_hcd',
    'kernel: [{t}] EXT4-fs (nvme0n1p2): re-mounted. Opts: errors=remount-ro. Quota mode: none.',
    'kernel: [{t}] IPv6: ADDRCONF(NETDEV_CHANGE): veth{n}: link becomes ready',
    'kernel: [{t}] docker0: port {n}(veth{p}) entered blocking state',
    'kernel: [{t}] perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate to 79750',
    'kernel: [{t}] TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.  Check SNMP counters.',
    'kernel: [{t}] nvme nvme0: I/O {n} QID 4 timeout, completion polled',
    'kernel: [{t}] process \'usr/lib/jvm/bin/java\' started with executable stack',
    'kernel: [{t}] python3[{p}]: segfault at 0 ip 00007f3a2b1c4d5e sp 00007ffd1a2b3c40 error 4 in libc.so.6[7f3a2b000000+195000]',
    'systemd[1]: session-{n}.scope: Killing process {p} (bash) with signal SIGTERM.',
    'systemd[1]: Started Session {n} of User root.',
    'systemd-logind[712]: Removed session {n}.',
    'CRON[{p}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)',
    'sshd[{p}]: Accepted publickey for deploy from 10.0.0.{n} port 5{n} ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789',
    'NetworkManager[801]: <info>  [{e}.{n}] dhcp4 (eth0): state changed new lease, address=10.0.0.5',
    'kernel: [{t}] br-4f2a: port 2(veth{n}) entered disabled state',
    'kernel: [{t}] Memory cgroup stats are fine, nothing to see: pid {p} rss {n}kB',
]
episode = '''kernel: [{t}] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
kernel: [{t}] CPU: 3 PID: {p} Comm: python3 Not tainted 6.8.0-50-generic #51-Ubuntu
kernel: [{t}] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
kernel: [{t}] Call Trace:
kernel: [{t}]  <TASK>
kernel: [{t}]  dump_stack_lvl+0x48/0x70
kernel: [{t}]  dump_header+0x4f/0x260
kernel: [{t}]  oom_kill_process+0x10d/0x1c0
kernel: [{t}]  out_of_memory+0x270/0x5b0
kernel: [{t}]  mem_cgroup_out_of_memory+0x13a/0x150
kernel: [{t}]  try_charge_memcg+0x6c6/0x7b0
kernel: [{t}]  </TASK>
kernel: [{t}] memory: usage 4194304kB, limit 4194304kB, failcnt 3125
kernel: [{t}] swap: usage 0kB, limit 0kB, failcnt 0
kernel: [{t}] Memory cgroup stats for /system.slice/train-{n}.service:
kernel: [{t}] anon 4280000000
kernel: [{t}] file 12000000
kernel: [{t}] kernel 9000000
kernel: [{t}] pgfault 2100000
kernel: [{t}] Tasks state (memory values in pages):
kernel: [{t}] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
kernel: [{t}] [   {q}]  1000   {q}     5000     1200      300      900         0    65536        0             0 bash
kernel: [{t}] [   {p}]  1000   {p}  1400000  1040000  1038000     2000         0  8400000        0             0 python3
kernel: [{t}] [   {r}]  1000   {r}   300000    20000    19000     1000         0   600000        0             0 pt_data_worker
kernel: [{t}] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/train-{n}.service,task_memcg=/system.slice/train-{n}.service,task=python3,pid={p},uid=1000
kernel: [{t}] Memory cgroup out of memory: Killed process {p} (python3) total-vm:5600000kB, anon-rss:4152000kB, file-rss:8000kB, shmem-rss:0kB, UID:1000 pgtables:8203kB oom_score_adj:0
systemd[1]: train-{n}.service: A process of this unit has been killed by the OOM killer.
systemd[1]: train-{n}.service: Failed with result 'oom-kill'.
kernel: [{t}] oom_reaper: reaped process {p} (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB'''.split('\n')

unique = 64 << 20
out = []
size = 0
sec = 1000.0
n_ep = 0
next_ep = random.randint(1 << 20, 6 << 20)
while size < unique:
    sec += random.random() * 0.05
    secs = int(sec)
    stamp = 'Nov 26 %02d:%02d:%02d %s ' % ((secs // 3600) % 24, (secs // 60) % 60, secs % 60, host)
    n = random.randint(1, 999); p = random.randint(1000, 4000000)
    if size >= next_ep:
        q, r = p + 1, p + 2
        for l in episode:
            s = stamp + l.format(t='%12.6f' % sec, n=n, p=p, q=q, r=r, e=secs) + '\n'
            out.append(s); size += len(s)
        n_ep += 1
        next_ep = size + random.randint(2 << 20, 6 << 20)
        continue
    s = stamp + random.choice(ordinary).format(t='%12.6f' % sec, n=n, p=p, e=secs) + '\n'
    out.append(s); size += len(s)
block = ''.join(out).encode()
reps = (size_mib << 20) // len(block) + 1
with open(path, 'wb') as f:
    for _ in range(reps):
        f.write(block)
    f.truncate(size_mib << 20)
print("episodes per 64 MiB block: %d" % n_ep)
PY
fi

bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
now() { date +%s.%N; }
best_grep=999999 best_og=999999
for i in $(seq "$runs"); do
	t0=$(now)
	grep -E 'invoked oom-killer|Killed process|systemd-oomd' "$log" > "$dir/grep.out"
	t1=$(now)
	"$og" why --json --file "$log" > "$dir/why.out"
	t2=$(now)
	best_grep=$(awk -v a="$best_grep" -v b="$(awk -v x="$t0" -v y="$t1" 'BEGIN{print y-x}')" 'BEGIN{print (b<a)?b:a}')
	best_og=$(awk -v a="$best_og" -v b="$(awk -v x="$t1" -v y="$t2" 'BEGIN{print y-x}')" 'BEGIN{print (b<a)?b:a}')
done
lines=$(wc -l < "$dir/grep.out")
events=$(wc -l < "$dir/why.out")
echo "file: $log ($mb MB); best of $runs runs each, page cache warm"
awk -v t="$best_grep" -v mb="$mb" -v n="$lines" 'BEGIN { printf "grep -E (3 patterns):      %6.3f s  %7.0f MB/s  %d matching lines\n", t, mb / t, n }'
awk -v t="$best_og" -v mb="$mb" -v n="$events" 'BEGIN { printf "oomguard why --file --json: %6.3f s  %7.0f MB/s  %d whole events\n", t, mb / t, n }'
awk -v g="$best_grep" -v o="$best_og" 'BEGIN { printf "ratio oomguard/grep throughput: %.2fx (target >= 1.00)\n", g / o }'
