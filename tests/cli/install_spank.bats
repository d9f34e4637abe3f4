#!/usr/bin/env bats
# make install puts the Slurm plugin, when it was built, into Slurm's plugin
# directory (SLURM_PLUGINDIR, detected; overridable), and uninstall removes it.

setup() {
	[ -e "$OG_BUILD/oomguard-spank.so" ] || skip "oomguard-spank.so not built (no <slurm/spank.h>)"
	D=$(mktemp -d) S=$(mktemp -d)
	# A scratch tree with this build's binary and plugin (as install.bats
	# does): the test must not depend on which build made ./oomguard.
	(cd "$OG_ROOT" && tar cf - Makefile docs completions $(ls -d README.md examples 2>/dev/null)) | tar xf - -C "$S"
	cp "$OG_BIN" "$S/oomguard"
	mkdir -p "$S/build"
	cp "$OG_BUILD/oomguard-spank.so" "$S/build/"
}

teardown() {
	rm -rf "$D" "$S"
}

@test "install: the Slurm plugin goes to SLURM_PLUGINDIR with mode 755, uninstall removes it" {
	run make -s -C "$S" -o oomguard -o build/oomguard-spank.so install BUILD=build \
		PREFIX=/usr DESTDIR="$D" SLURM_PLUGINDIR=/usr/lib/slurm-test
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(stat -c %a "$D/usr/lib/slurm-test/oomguard-spank.so")" = 755 ]
	cmp "$D/usr/lib/slurm-test/oomguard-spank.so" "$OG_BUILD/oomguard-spank.so"
	# Slurm looks up these names, and only these are exported (src/spank.map).
	nm -D --defined-only "$D/usr/lib/slurm-test/oomguard-spank.so" | awk '{ print $3 }' | sort >"$D/syms"
	grep -qx slurm_spank_task_init_privileged "$D/syms"
	grep -qx plugin_name "$D/syms"
	! grep -v -e '^slurm_spank_' -e '^plugin_' "$D/syms" || false
	# No libslurm: slurmstepd and srun provide the spank_* functions.
	! ldd "$OG_BUILD/oomguard-spank.so" | grep -q libslurm || false
	run make -s -C "$S" uninstall PREFIX=/usr DESTDIR="$D" SLURM_PLUGINDIR=/usr/lib/slurm-test
	[ "$status" -eq 0 ]
	[ ! -e "$D/usr/lib/slurm-test/oomguard-spank.so" ]
}

@test "the default plugin directory is Slurm's own when Slurm's plugins are installed" {
	plugdir=$(ls -d /usr/lib/*-linux-gnu*/slurm-wlm 2>/dev/null | head -n1)
	[ -n "$plugdir" ] || skip "no Slurm plugin directory on this machine"
	run make -s --no-print-directory -C "$OG_ROOT" --eval 'print-plugindir: ; @echo $(SLURM_PLUGINDIR)' print-plugindir
	[ "$output" = "$plugdir" ]
}
