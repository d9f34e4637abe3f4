#!/usr/bin/env bats
# `oomguard --version`: the version and which optional features were built in.

@test "--version and -V print the Makefile's version and the optional features" {
	want=$(sed -nE 's/^VERSION[[:space:]]*:?=[[:space:]]*([^[:space:]]+).*/\1/p' "$OG_ROOT/Makefile")
	[ -n "$want" ]
	for flag in --version -V; do
		run "$OG_BIN" "$flag"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "oomguard $want" ]
		[[ ${lines[1]} =~ ^libsystemd:\ (yes|no)$ ]]
		[[ ${lines[2]} =~ ^zlib:\ (yes|no)$ ]]
		[[ ${lines[3]} =~ ^slurm\ plugin:\ (yes\ \(oomguard-spank\.so,\ built\ against\ Slurm\ [0-9.]+\)\;\ (installed:|not\ installed\ in)\ /.*|no)$ ]]
		[ "${#lines[@]}" -eq 4 ]
	done
}

@test "--version says what the binary was really linked with" {
	command -v ldd >/dev/null || skip "ldd not installed"
	command -v nm >/dev/null || skip "nm not installed"
	run "$OG_BIN" --version
	# Linked (the linker drops an unused library with --as-needed) => "yes";
	# calls into the library => linked.
	if ldd "$OG_BIN" | grep -q 'libsystemd\.so'; then
		[ "${lines[1]}" = "libsystemd: yes" ]
	fi
	if nm -D --undefined-only "$OG_BIN" | grep -q ' sd_'; then
		ldd "$OG_BIN" | grep -q 'libsystemd\.so'
	fi
	# "yes" means linked, or loaded with dlopen() by its soname on first use.
	if [ "${lines[1]}" = "libsystemd: yes" ] && ! ldd "$OG_BIN" | grep -q 'libsystemd\.so'; then
		grep -aq 'libsystemd\.so\.0' "$OG_BIN"
	fi
	if [ "${lines[1]}" = "libsystemd: no" ]; then
		! nm -D --undefined-only "$OG_BIN" | grep -q ' sd_' || false
		! grep -aq 'libsystemd\.so\.0' "$OG_BIN" || false
	fi
	if ldd "$OG_BIN" | grep -q 'libz\.so'; then
		[ "${lines[2]}" = "zlib: yes" ]
	fi
	if [ "${lines[2]}" = "zlib: no" ]; then
		! nm -D --undefined-only "$OG_BIN" | grep -qE ' (gz|inflate)' || false
	fi
}

@test "--version agrees with debian/changelog" {
	[ -f "$OG_ROOT/debian/changelog" ] || skip "no debian/ directory"
	deb=$(sed -nE '1s/^oomguard \(([^)-]+)(-[^)]*)?\).*/\1/p' "$OG_ROOT/debian/changelog")
	run "$OG_BIN" --version
	[ "${lines[0]}" = "oomguard $deb" ]
}

@test "--version says whether the Slurm plugin was built, as make did, and whether it is installed" {
	if [ -e "$OG_BUILD/oomguard-spank.so" ]; then
		line=$("$OG_BIN" --version | grep '^slurm plugin:')
		echo "$line"
		# What it says of the plugin directory it was built for is true there.
		case $line in
		*"; installed: "*) so=${line##*; installed: }; [ -e "$so" ] && [ "${so##*/}" = oomguard-spank.so ] ;;
		*"; not installed in "*) dir=${line##*; not installed in }; [ ! -e "$dir/oomguard-spank.so" ] ;;
		*) false ;;
		esac
		grep -qE '^slurm plugin: yes \(oomguard-spank.so, built against Slurm [0-9.]+\); (installed: /|not installed in /)' <<<"$line"
	else
		"$OG_BIN" --version | grep -qx 'slurm plugin: no'
	fi
}
