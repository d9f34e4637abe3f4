#!/usr/bin/env bats
# Every command names the option it rejects, also inside a cluster of short
# options (getopt leaves optind on the cluster, so argv[optind-1] was the
# command's own name: "unknown option 'top'").
bats_require_minimum_version 1.5.0

@test "unknown short option inside a cluster is named, in every command" {
	for cmd in top why watch doctor run protect; do
		run "$OG_BIN" $cmd -Zq 1
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$output" = "oomguard: $cmd: unknown option '-Z'" ]
	done
}

@test "unknown long option is named whole" {
	for cmd in top why watch doctor; do
		run "$OG_BIN" $cmd --bogus-option
		[ "$status" -eq 2 ]
		[ "$output" = "oomguard: $cmd: unknown option '--bogus-option'" ]
	done
}

@test "a missing value names the option as typed, short or long" {
	run "$OG_BIN" top -n
	[ "$status" -eq 2 ]
	[ "$output" = "oomguard: top: option '-n' needs a value" ]
	run "$OG_BIN" top --lines
	[ "$status" -eq 2 ]
	[ "$output" = "oomguard: top: option '--lines' needs a value" ]
}

# Every command's usage error has one shape (the prologue in src/cmdstart.c):
# exit 2, nothing on stdout, exactly one line "oomguard: CMD: ..." on stderr
# with what came from the command line escaped.  The commands are taken from
# `oomguard --help`, so a new one is covered without editing this list; the
# case arrays below must then name its operand and a value option.
declare -gA bad_operand=(
	[run]="--adj" [protect]="" [top]="" [doctor]="" [why]="" [watch]="" [metrics]=""
)
declare -gA value_opt=(
	[run]=--log [protect]=--adj [top]=--lines [doctor]=--procfs [why]=--file [watch]=--warn-signal
	[metrics]=--dir
)

usage_shape() { # CMD EXPECTED-TEXT ARGS...
	local cmd=$1 want=$2
	shift 2
	run --separate-stderr "$OG_BIN" "$cmd" "$@" </dev/null
	echo "$cmd $*: status=$status stdout=[$output] stderr=[$stderr]"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "${stderr_lines[0]}" ]
	[[ "$stderr" != *$'\e'* ]]
	[[ "$stderr" == "oomguard: $cmd: "$want ]]
}

@test "every command's usage error has the same shape, and --help the same start" {
	local cmds
	cmds=$("$OG_BIN" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
	[ "$(echo "$cmds" | wc -l)" -ge 7 ]
	for cmd in $cmds; do
		[[ -v "value_opt[$cmd]" ]] || { echo "no cases for '$cmd': add it to the arrays above"; false; }
		usage_shape "$cmd" "unknown option '--bogus'" --bogus
		usage_shape "$cmd" "unknown option '-Z'" -Z
		usage_shape "$cmd" "option '${value_opt[$cmd]}' needs a value" "${value_opt[$cmd]}"
		# shellcheck disable=SC2086 # the empty case adds no word
		usage_shape "$cmd" "*'1\\\\n\\\\x1b[2J'*" ${bad_operand[$cmd]} $'1\n\e[2J'
		run --separate-stderr "$OG_BIN" "$cmd" --help
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "Usage: oomguard $cmd "* ]]
	done
}
