# The oomguard-slurm package, sourced by tests/pkg/run.sh after the build
# ($sdeb, $deb, $work, $root; ok/no/sk): the plugin where Debian's Slurm
# looks for plugins, the plugstack.conf.d example, a dependency on the Slurm
# release it was built against, the SPANK entry points, and the packaged
# plugin loaded by a real srun and slurmstepd (a one-node cluster from
# tests/slurm/cluster.sh: ~10 s).
og_pkg_slurm() {
	local x plugdir so mm dep out
	plugdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/slurm-wlm
	so=$plugdir/oomguard-spank.so
	x=$(mktemp -d)
	dpkg-deb -x "$sdeb" "$x"
	[ -f "$x$so" ] && ok "oomguard-slurm installs $so" || no "oomguard-slurm lacks $so: $(dpkg-deb -c "$sdeb" | awk '{ print $6 }' | tr '\n' ' ')"
	[ -f "$x/usr/share/doc/oomguard-slurm/examples/oomguard.conf" ] &&
		grep -qx 'optional oomguard-spank.so .*' "$x/usr/share/doc/oomguard-slurm/examples/oomguard.conf" &&
		ok "oomguard-slurm ships the plugstack.conf.d example" || no "no plugstack.conf.d example in oomguard-slurm"
	[ ! -e "$x/etc/slurm" ] && ok "oomguard-slurm enables nothing by itself (no file in /etc/slurm)" ||
		no "oomguard-slurm installs into /etc/slurm"
	if dpkg-deb -c "$deb" | grep -q 'oomguard-spank\.so'; then no "the oomguard package also ships the plugin"; else ok "the oomguard package does not ship the plugin"; fi
	mm=$(dpkg-query -W -f='${Version}' libslurm-dev | sed -E 's/^([0-9]+:)?([0-9]+\.[0-9]+).*/\2/')
	dep=$(dpkg-deb -f "$sdeb" Depends)
	echo "# oomguard-slurm Depends: $dep"
	[[ $dep == *"slurm-wlm-basic-plugins (>= $mm)"* && $dep == *"slurm-wlm-basic-plugins (<< "* ]] &&
		ok "oomguard-slurm depends on Slurm $mm, the release it was built against" ||
		no "oomguard-slurm's Depends lacks slurm-wlm-basic-plugins $mm: $dep"
	out=$(nm -D --defined-only "$x$so" 2>&1 | awk '{ print $3 }' | sort | tr '\n' ' ')
	[[ " $out" == *" slurm_spank_init "* && " $out" == *" slurm_spank_task_init_privileged "* && " $out" == *" plugin_version "* ]] &&
		ok "the packaged plugin exports slurm_spank_init, slurm_spank_task_init_privileged, plugin_version" ||
		no "the packaged plugin's symbols: $out"
	og_pkg_slurm_load "$x$plugdir"
	rm -rf "$x"
}

og_pkg_slurm_load() { # DIR: the packaged plugin's directory
	local d out
	# shellcheck source=../slurm/cluster.sh
	source "$root/tests/slurm/cluster.sh"
	exec 8>/tmp/og-slurm.lock
	if ! flock -w 300 8; then
		no "the packaged plugin under srun: another cluster held /tmp/og-slurm.lock for 300 s"
		return
	fi
	d=$(mktemp -d /tmp/og-test-pkgslurm-XXXXXX)
	if OG_BUILD=$1 og_cluster_start "$d" ""; then
		out=$(SLURM_CONF=$d/slurm.conf timeout 60 srun --quiet -n1 --oomguard=adj:500 cat /proc/self/oom_score_adj 2>&1)
		[[ $out == *"oom_score_adj as requested (oom_score_adj 500)"* ]] && grep -qx 500 <<<"$out" &&
			ok "the packaged plugin loads in srun and slurmstepd: srun --oomguard=adj:500 runs the task at 500" ||
			no "the packaged plugin under srun: $(tr '\n' ' ' <<<"$out")"
	else
		sk "the packaged plugin under srun: $OG_CLUSTER_WHY"
	fi
	og_cluster_stop "$d"
	rm -rf "$d"
	exec 8>&-
}

og_pkg_slurm
