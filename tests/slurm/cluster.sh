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
#
# OG_CLUSTER_CG=v2 (the VM lane, systemd as PID 1) uses CgroupPlugin=cgroup/v2
# instead, as a cgroup-v2 cluster runs it: slurmd in a unit of its own with
# Delegate=yes (systemd-run), which makes the steps' slurmstepd.scope over
# D-Bus; a step's limit is then on
# /sys/fs/cgroup/system.slice/slurmstepd.scope/job_J/step_S.
# OG_CLUSTER_MEM is the node's RealMemory in MiB (default 4096),
# OG_SPANK_SO the plugin (default $OG_BUILD/oomguard-spank.so).

OG_SLURM_PLUGINDIR=${OG_SLURM_PLUGINDIR:-/usr/lib/x86_64-linux-gnu/slurm-wlm}
OG_CLUSTER_CG=${OG_CLUSTER_CG:-v1}
OG_SPANK_SO=${OG_SPANK_SO:-${OG_BUILD:-}/oomguard-spank.so}

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
	[ -e "$OG_SLURM_PLUGINDIR/cgroup_$OG_CLUSTER_CG.so" ] || { echo "no Slurm cgroup/$OG_CLUSTER_CG plugin in $OG_SLURM_PLUGINDIR"; return; }
	if [ "$OG_CLUSTER_CG" = v2 ]; then
		grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
			{ echo "no cgroup-v2 memory controller"; return; }
		[ -d /run/systemd/system ] || { echo "cgroup/v2 here needs systemd as PID 1 (slurmd's delegated unit)"; return; }
	else
		[ -e /sys/fs/cgroup/memory/cgroup.procs ] && [ -e /sys/fs/cgroup/freezer/cgroup.procs ] ||
			{ echo "no cgroup-v1 memory and freezer controllers"; return; }
	fi
	[ -e "$OG_SPANK_SO" ] || { echo "oomguard-spank.so not built (no <slurm/spank.h>)"; return; }
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
	NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${OG_CLUSTER_MEM:-4096} State=UNKNOWN
	PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
	EOF
	cat >"$d/cgroup.conf" <<-EOF
	CgroupPlugin=cgroup/$OG_CLUSTER_CG
	CgroupAutomount=no
	ConstrainCores=no
	ConstrainRAMSpace=yes
	ConstrainSwapSpace=yes
	AllowedSwapSpace=0
	EOF
	echo "optional $OG_SPANK_SO $args" >"$d/plugstack.conf"
}

og_cluster_wait() { # DIR: until the node is idle (30 s; sinfo retries a dead slurmctld for a minute)
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		if SLURM_CONF=$1/slurm.conf timeout 5 sinfo -h -o %t 2>/dev/null | grep -qx idle; then return 0; fi
		sleep 0.2
	done
	return 1
}

og_slurmd_unit() { echo "og-slurmd-$(basename "$1").service"; }

og_slurmd_start() { # DIR
	local d=$1
	[ "$OG_CLUSTER_CG" = v2 ] || { slurmd -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1; return; }
	# As slurmd.service runs it: Delegate=yes, so that its cgroup/v2 plugin may
	# make and manage slurmstepd.scope.
	systemd-run --quiet --unit="$(og_slurmd_unit "$d")" -p Delegate=yes -p KillMode=process \
		"$(command -v slurmd)" -D -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1 || return 1
	local i pid
	for i in $(seq 1 100); do
		[ -s "$d/slurmd.pid" ] && return 0
		# In the foreground slurmd may leave its pid file to the manager.
		pid=$(systemctl show -P MainPID "$(og_slurmd_unit "$d")" 2>/dev/null)
		[ "${pid:-0}" -gt 0 ] && { echo "$pid" >"$d/slurmd.pid"; return 0; }
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
	og_slurmd_start "$d" ||
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
	for c in /sys/fs/cgroup/*/slurm /sys/fs/cgroup/*/slurm_"$(hostname -s)" \
		/sys/fs/cgroup/system.slice/slurmstepd.scope /sys/fs/cgroup/system.slice/*_slurmstepd.scope; do
		[ -d "$c" ] && echo "$c"
	done
}

og_cluster_stop() {
	local d=$1 c
	[ -n "$d" ] && [ -d "$d" ] || return 0
	SLURM_CONF=$d/slurm.conf scancel --quiet --full -u root 2>/dev/null
	og_stop_pidfile "$d/slurmd.pid"
	if [ "$OG_CLUSTER_CG" = v2 ]; then
		systemctl stop "$(og_slurmd_unit "$d")" slurmstepd.scope '*_slurmstepd.scope' 2>/dev/null
		systemctl reset-failed "$(og_slurmd_unit "$d")" 2>/dev/null
	fi
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
