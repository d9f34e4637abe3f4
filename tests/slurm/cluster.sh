# A one-node Slurm cluster from Debian's packages, as root, without systemd:
# munged, `slurmctld -i` and slurmd started directly, every file (config, keys,
# state, spool, logs, sockets) in one temporary directory.  Sourced by the bats
# files in this directory.
#
#   og_cluster_start DIR [PLUGIN_ARGS]   -> 0, or 1 with the reason in $OG_CLUSTER_WHY
#   og_cluster_stop DIR                  stops every daemon by its PID, removes Slurm's cgroups
#
# The cgroup layout (cgroup.conf: CgroupPlugin=cgroup/v1, CgroupAutomount=no,
# ConstrainRAMSpace=yes, ConstrainSwapSpace=yes, AllowedSwapSpace=0) is the one
# described in Slurm's cgroup.conf(5): the step's memory limit is on
# /sys/fs/cgroup/memory/slurm*/uid_U/job_J/step_S.

OG_SLURM_PLUGINDIR=${OG_SLURM_PLUGINDIR:-/usr/lib/x86_64-linux-gnu/slurm-wlm}

og_free_port() { # a TCP port nobody listens on, from the kernel's ephemeral range
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

og_cluster_missing() { # prints what is missing to run a cluster; empty = ok
	local b
	[ "$(id -u)" -eq 0 ] || { echo "needs root (slurmd, munged)"; return; }
	for b in munged slurmctld slurmd srun sbatch scontrol; do
		command -v "$b" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "$b" >/dev/null 2>&1 ||
			{ echo "$b not installed (apt-get install slurmctld slurmd slurm-client munge)"; return; }
	done
	[ -e "$OG_SLURM_PLUGINDIR/cgroup_v1.so" ] || { echo "no Slurm plugins in $OG_SLURM_PLUGINDIR"; return; }
	[ -e /sys/fs/cgroup/memory/cgroup.procs ] && [ -e /sys/fs/cgroup/freezer/cgroup.procs ] ||
		{ echo "no cgroup-v1 memory and freezer controllers"; return; }
	[ -e "$OG_BUILD/oomguard-spank.so" ] || { echo "oomguard-spank.so not built (no <slurm/spank.h>)"; return; }
}

og_cluster_conf() { # DIR PLUGIN_ARGS: writes slurm.conf, cgroup.conf, plugstack.conf
	local d=$1 args=$2 host cport dport
	host=$(hostname -s)
	cport=$(og_free_port); dport=$(og_free_port)
	mkdir -p "$d/state" "$d/spool" "$d/munge"
	cat >"$d/slurm.conf" <<-EOF
	ClusterName=ogtest
	SlurmctldHost=$host(127.0.0.1)
	SlurmctldPort=$cport
	SlurmdPort=$dport
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$d/munge/munge.sock
	StateSaveLocation=$d/state
	SlurmdSpoolDir=$d/spool
	SlurmctldPidFile=$d/slurmctld.pid
	SlurmdPidFile=$d/slurmd.pid
	SlurmctldLogFile=$d/slurmctld.log
	SlurmdLogFile=$d/slurmd.log
	SlurmdDebug=info
	ProctrackType=proctrack/cgroup
	TaskPlugin=task/cgroup,task/affinity
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core_Memory
	PlugStackConfig=$d/plugstack.conf
	AccountingStorageType=accounting_storage/none
	JobAcctGatherType=jobacct_gather/none
	JobCompType=jobcomp/none
	MpiDefault=none
	ReturnToService=2
	DefMemPerCPU=100
	KillWait=5
	InactiveLimit=0
	NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=4096 State=UNKNOWN
	PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
	EOF
	cat >"$d/cgroup.conf" <<-EOF
	CgroupPlugin=cgroup/v1
	CgroupAutomount=no
	ConstrainCores=no
	ConstrainRAMSpace=yes
	ConstrainSwapSpace=yes
	AllowedSwapSpace=0
	EOF
	echo "optional $OG_BUILD/oomguard-spank.so $args" >"$d/plugstack.conf"
}

og_cluster_wait() { # DIR: until the node is idle (20 s)
	local i
	for i in $(seq 1 100); do
		if SLURM_CONF=$1/slurm.conf sinfo -h -o %t 2>/dev/null | grep -qx idle; then return 0; fi
		sleep 0.2
	done
	return 1
}

og_cluster_start() {
	local d=$1 args=${2:-}
	export PATH=$PATH:/usr/sbin
	OG_CLUSTER_WHY=$(og_cluster_missing)
	[ -z "$OG_CLUSTER_WHY" ] || return 1
	og_cluster_conf "$d" "$args"
	export SLURM_CONF=$d/slurm.conf
	dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
	chmod 0700 "$d/munge"; chmod 0400 "$d/munge/munge.key"
	munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.sock" \
		--pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" \
		--seed-file="$d/munge/munged.seed" >"$d/munged.out" 2>&1 ||
		{ OG_CLUSTER_WHY="munged did not start: $(tail -n1 "$d/munged.out")"; return 1; }
	slurmctld -i -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1 ||
		{ OG_CLUSTER_WHY="slurmctld did not start: $(tail -n1 "$d/slurmctld.log")"; return 1; }
	slurmd -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1 ||
		{ OG_CLUSTER_WHY="slurmd did not start: $(tail -n1 "$d/slurmd.log")"; return 1; }
	og_cluster_wait "$d" ||
		{ OG_CLUSTER_WHY="node never became idle: $(tail -n2 "$d/slurmd.log" | tr '\n' ' ')"; return 1; }
}

og_stop_pidfile() { # PIDFILE: TERM, then KILL after 10 s
	local f=$1 pid i
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
}

og_cluster_cgroups() { # Slurm's cgroup trees (cgroup/v1 names them slurm or slurm_HOST)
	local c
	for c in /sys/fs/cgroup/*/slurm /sys/fs/cgroup/*/slurm_"$(hostname -s)"; do
		[ -d "$c" ] && echo "$c"
	done
}

og_cluster_stop() {
	local d=$1 c
	[ -n "$d" ] && [ -d "$d" ] || return 0
	SLURM_CONF=$d/slurm.conf scancel --quiet --full -u root 2>/dev/null
	og_stop_pidfile "$d/slurmd.pid"
	og_stop_pidfile "$d/slurmctld.pid"
	og_stop_pidfile "$d/munge/munged.pid"
	# Whatever a killed step left: kill its tasks, remove the tree depth first.
	for c in $(og_cluster_cgroups); do
		find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		sleep 0.2
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}
