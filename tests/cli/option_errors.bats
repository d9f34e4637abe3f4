#!/usr/bin/env bats
# Every command names the option it rejects, also inside a cluster of short
# options (getopt leaves optind on the cluster, so argv[optind-1] was the
# command's own name: "unknown option 'top'").

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
