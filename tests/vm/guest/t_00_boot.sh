#!/bin/bash
# The VM is what the lane needs: systemd 252 as PID 1, cgroup v2 with the
# memory controller, systemd-oomd running, CAP_SYS_RESOURCE, and our binary.
. /opt/og/lib.sh
log "kernel $(uname -r); $(systemctl --version | head -n1)"
check "systemd is PID 1" test "$(cat /proc/1/comm)" = systemd
check "cgroup2 with the memory controller" grep -qw memory /sys/fs/cgroup/cgroup.controllers
check "systemd-oomd is active" systemctl is-active --quiet systemd-oomd
check "root holds CAP_SYS_RESOURCE" capsh --has-p=cap_sys_resource
check "oomguard runs" "$OG" --version
check "user manager of $OGUSER is running (lingering)" wait_for 30 systemctl is-active --quiet user@$OGUID.service
