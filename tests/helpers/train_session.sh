#!/usr/bin/env bash
# One real training session under oomguard's warning, to the OOM kill and
# back (issue 12): examples/train.py with PyTorch and a DataLoader of 2
# workers (the real start-up spike) leaks in a throwaway cgroup-v1 memory
# cgroup until the memcg OOM killer ends it; it saves a checkpoint at every
# notice (write-then-rename); then it is started again with --resume.
#
#   train_session.sh MODE LIMIT LEAK_MIB STEP_MS
#     MODE: run (oomguard run --warn), detach (run --detach --warn),
#           watch (the job started alone, then oomguard watch PID)
#
# Prints one line of key=value: the work lost is the training between the
# last checkpoint and the kill (steps, and seconds of training: last step's
# time - checkpoint's time), kill_s the wall time from that checkpoint to
# the job's end, first_ckpt the step of the first checkpoint (>= 2: the first
# warning came after the start-up, i.e. after the first batch).  Exit 0 when
# the session went as described (killed by the memcg OOM killer, diagnosed,
# resumed), 1 otherwise.  Cleans up its cgroup and processes on every exit.
# Needs root, a cgroup-v1 memory hierarchy, python3 with torch.
set -u
mode=$1 limit=$2 leak=$3 step_ms=$4
OG_BIN=${OG_BIN:?OG_BIN: the oomguard binary}
OG_ROOT=${OG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
py=${OG_TORCH_PYTHON:-/usr/bin/python3}
# shellcheck source=../host/memcg.bash
. "$OG_ROOT/tests/host/memcg.bash"
mc=/sys/fs/cgroup/memory
cg=$mc/og-test-$$-train
dir=$(mktemp -d /tmp/og-train.XXXXXX)
job=""

cleanup() {
	[ -n "$job" ] && kill -9 "$job" 2>/dev/null
	# torch's workers and a detached watcher can take seconds to leave an
	# OOM-killed cgroup: up to 20 s, then say so rather than leave it silently.
	og_memcg_remove "$cg" 100 || echo "train_session: cannot remove $cg" >&2
	rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "mode=$mode limit=$limit leak=$leak result=FAIL $*"; exit 1; }

og_memcg_make "$cg" "$limit" || fail "cannot create $cg"
ooms() { awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control"; }
before=$(ooms)

train=("$py" "$OG_ROOT/examples/train.py" --workers 2 --leak-mib "$leak" --step-ms "$step_ms"
       --ckpt "$dir/checkpoints/last.pt" --progress "$dir/progress")
in_cg=(sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$cg")
cd "$dir" || fail "no $dir"
# +500: without CAP_SYS_RESOURCE the job cannot be lowered; raised, it (not
# oomguard) is the memcg OOM killer's choice.
case $mode in
run)
	"${in_cg[@]}" "$OG_BIN" run -q --adj 500 --warn --log "$dir/job.log" -- "${train[@]}" 2>"$dir/og.err"
	rc=$?
	;;
detach)
	out=$("${in_cg[@]}" "$OG_BIN" run -q --detach --adj 500 --warn --log "$dir/job.log" -- "${train[@]}" </dev/null 2>"$dir/og.err")
	job=${out%% *}
	[[ "$job" =~ ^[0-9]+$ ]] || fail "no pid from --detach: '$out'"
	# The front has returned: the watcher lives on in its own session.
	for _ in $(seq 1200); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
	for _ in $(seq 50); do grep -q 'ended: ' "$dir/job.log" 2>/dev/null && break; sleep 0.1; done
	rc=$(sed -n 's/.*ended: .*exit status \([0-9]*\).*/\1/p' "$dir/job.log" | tail -n1)
	job=""
	;;
watch)
	# In a subshell whose stderr is quiet: bash reports a child killed by
	# a signal ("Killed"), which is the expected end here.
	( "${in_cg[@]}" "${train[@]}" >"$dir/job.log" 2>&1 &
	  echo $! > "$dir/jobpid"; wait $!; echo $? > "$dir/rc" ) 2>/dev/null &
	sub=$!
	for _ in $(seq 200); do [ -s "$dir/jobpid" ] && break; sleep 0.01; done
	job=$(cat "$dir/jobpid")
	# watched once it is in its cgroup (watch judges the cgroup it finds)
	for _ in $(seq 100); do grep -qx "$job" "$cg/cgroup.procs" && break; sleep 0.01; done
	"$OG_BIN" watch -q --warn "$job" 2>"$dir/og.err"
	wait "$sub"
	rc=$(cat "$dir/rc" 2>/dev/null)
	job=""
	;;
*) fail "unknown mode" ;;
esac
t_end=$(date +%s.%N)
after=$(ooms)
[ "${rc:-x}" = 137 ] || fail "exit status ${rc:-none} (want 137): $(tail -c 600 "$dir/og.err" "$dir/job.log" 2>/dev/null | tr '\n' ' ')"
[ "$after" -gt "$before" ] || fail "no memcg OOM kill in $cg"
# The end is diagnosed: on stderr in the foreground, in the log detached.
if [ "$mode" = run ]; then
	grep -q 'was killed by kernel-memcg' "$dir/og.err" || fail "no diagnosis on stderr: $(tr '\n' ' ' < "$dir/og.err")"
	grep -q 'was killed by kernel-memcg' "$dir/job.log" || fail "no diagnosis in the log"
elif [ "$mode" = detach ]; then
	grep -q 'was killed by kernel-memcg' "$dir/job.log" || fail "no diagnosis in the detached log"
	grep -Eq 'ended: killed by signal 9 \(exit status 137\)' "$dir/job.log" || fail "no end record in the detached log"
else
	grep -q 'was killed by kernel-memcg' "$dir/og.err" || fail "watch did not diagnose the end: $(tr '\n' ' ' < "$dir/og.err")"
fi

read -r ck ck_t < <(awk '$1 == "ckpt" { s = $2; t = $3 } END { print s, t }' "$dir/progress")
read -r last last_t < <(awk '$1 == "step" { s = $2; t = $3 } END { print s, t }' "$dir/progress")
first=$(awk '$1 == "ckpt" { print $2; exit }' "$dir/progress")
[ "$mode" = watch ] && nlog=$dir/og.err || nlog=$dir/job.log
notices=$(grep -Ec 'oomguard: (warning|critical):' "$nlog")
[ -n "${ck:-}" ] || fail "no checkpoint saved: $(tail -c 400 "$dir/job.log" | tr '\n' ' ')"
[ -s "$dir/checkpoints/last.pt" ] || fail "no checkpoint file"

# Back from the checkpoint.
res=$("$py" "$OG_ROOT/examples/train.py" --resume "$dir/checkpoints/last.pt" --steps $((ck + 3)) 2>&1)
[[ "$res" == *"resumed from step $ck "* ]] || fail "did not resume from step $ck: $res"

awk -v mode="$mode" -v limit="$limit" -v leak="$leak" -v step_ms="$step_ms" -v ck="$ck" -v ckt="$ck_t" \
	-v last="$last" -v lt="$last_t" -v tend="$t_end" -v first="$first" -v notices="$notices" 'BEGIN {
	printf "mode=%s limit=%s leak=%sMiB/%sms first_ckpt=%d last_ckpt=%d last_step=%d lost_steps=%d lost_s=%.2f kill_s=%.2f notices=%d result=ok\n",
		mode, limit, leak, step_ms, first, ck, last, last - ck, lt - ckt, tend - ckt, notices }'
