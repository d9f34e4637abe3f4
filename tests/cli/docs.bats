#!/usr/bin/env bats
# One source of truth for option text: `oomguard COMMAND --help`.  The man
# page's section for each command and the README's command reference must
# list exactly the long options that --help lists, and the binary must accept
# each of them.  The fix for a failure here is usually
#     docs/sync-options.py build/oomguard
# (it adds missing entries from the help text and drops stale ones).

MAN=$OG_ROOT/docs/oomguard.1

setup() {
	README=$OG_ROOT/README.md
}

help_longs() { # $1 = command: its long options, in help order
	"$OG_BIN" "$1" --help 2>/dev/null |
		sed -nE 's/^[[:space:]]+(-[[:alnum:]],[[:space:]]+)?(--[[:alnum:]][[:alnum:]-]*).*/\2/p'
}

man_longs() { # $1 = command: long options tagged (.TP) in its man section
	awk -v cmd="$1" '
		/^\.S[SH] / { sub(/^\.S[SH] +/, ""); gsub(/"/, ""); insec = ($0 == cmd); next }
		insec && /^\.TP/ { tag = 1; next }
		insec && tag { tag = 0; line = $0; gsub(/\\f[BIRP]/, "", line); gsub(/\\-/, "-", line)
			if (match(line, /--[A-Za-z0-9][-A-Za-z0-9]*/)) print substr(line, RSTART, RLENGTH) }
	' "$MAN"
}

readme_longs() { # $1 = command: long options in the first cell of its table rows
	awk -v cmd="$1" '
		/^##+ / { insec = ($0 == "### oomguard " cmd); next }
		insec && /^\|/ { split($0, cell, "|")
			if (match(cell[2], /--[A-Za-z0-9][-A-Za-z0-9]*/)) print substr(cell[2], RSTART, RLENGTH) }
	' "$README"
}

# Prints what is in $1 (newline list) and not in $2.
missing_from() {
	comm -23 <(printf '%s\n' "$1" | sed '/^$/d' | sort -u) <(printf '%s\n' "$2" | sed '/^$/d' | sort -u)
}

check_command() { # $1 = command
	local cmd=$1 h m r bad=0 o miss extra
	if ! "$OG_BIN" "$cmd" --help >/dev/null 2>&1; then
		skip "'oomguard $cmd --help' fails (command not implemented yet)"
	fi
	h=$(help_longs "$cmd")
	[ -n "$h" ] || { echo "'oomguard $cmd --help' lists no long options"; return 1; }
	m=$(man_longs "$cmd")
	r=$(readme_longs "$cmd")
	grep -q "^\.SS $cmd\$" "$MAN" || { echo "docs/oomguard.1 has no '.SS $cmd' section"; return 1; }
	grep -q "^### oomguard $cmd\$" "$README" || { echo "${README#$OG_ROOT/} has no '### oomguard $cmd' section"; return 1; }
	miss=$(missing_from "$h" "$m")
	[ -z "$miss" ] || { echo "in 'oomguard $cmd --help' but not in the man page section '$cmd':" $miss; bad=1; }
	extra=$(missing_from "$m" "$h")
	[ -z "$extra" ] || { echo "in the man page section '$cmd' but not in 'oomguard $cmd --help':" $extra; bad=1; }
	miss=$(missing_from "$h" "$r")
	[ -z "$miss" ] || { echo "in 'oomguard $cmd --help' but not in ${README#$OG_ROOT/} (### oomguard $cmd):" $miss; bad=1; }
	extra=$(missing_from "$r" "$h")
	[ -z "$extra" ] || { echo "in ${README#$OG_ROOT/} (### oomguard $cmd) but not in 'oomguard $cmd --help':" $extra; bad=1; }
	[ "$bad" -eq 0 ] || { echo "fix: docs/sync-options.py build/oomguard, then edit the new entries' text"; return 1; }

	# The binary itself takes every option its help (and so the docs) lists:
	# the option, a value if the help shows one, then --help so nothing runs.
	local unknown_re='unknown option|unrecognized option|invalid option|not recognized'
	run timeout 10 "$OG_BIN" "$cmd" --og-no-such-option --help
	[[ $output =~ $unknown_re ]] || { echo "control: '$cmd --og-no-such-option' was not reported as unknown: $output"; return 1; }
	while IFS= read -r line; do
		o=$(sed -nE 's/^[[:space:]]+(-[[:alnum:]],[[:space:]]+)?(--[[:alnum:]][[:alnum:]-]*).*/\2/p' <<<"$line")
		[ -n "$o" ] && [ "$o" != --help ] || continue
		if [[ $line =~ ^[[:space:]]+(-[[:alnum:]],[[:space:]]+)?--[[:alnum:]-]+[\ =][A-Z] ]]; then
			run timeout 10 "$OG_BIN" "$cmd" "$o" 1 --help
		else
			run timeout 10 "$OG_BIN" "$cmd" "$o" --help
		fi
		[ "$status" -ne 124 ] || { echo "'oomguard $cmd $o ... --help' did not return"; bad=1; }
		[[ ! $output =~ $unknown_re ]] || { echo "'oomguard $cmd --help' lists $o but the parser rejects it: $output"; bad=1; }
	done < <("$OG_BIN" "$cmd" --help 2>/dev/null)
	[ "$bad" -eq 0 ]
}

@test "docs: run options agree between --help, the man page and the README" { check_command run; }
@test "docs: protect options agree between --help, the man page and the README" { check_command protect; }
@test "docs: top options agree between --help, the man page and the README" { check_command top; }
@test "docs: doctor options agree between --help, the man page and the README" { check_command doctor; }
@test "docs: why options agree between --help, the man page and the README" { check_command why; }
@test "docs: watch options agree between --help, the man page and the README" { check_command watch; }
@test "docs: metrics options agree between --help, the man page and the README" { check_command metrics; }

@test "docs: every command of 'oomguard --help' has a man section, a SYNOPSIS line, a README section and a test here" {
	cmds=$("$OG_BIN" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
	[ -n "$cmds" ]
	for c in $cmds; do
		grep -q "^\.SS $c\$" "$MAN" || { echo "man: no .SS $c"; false; }
		awk '/^\.SH SYNOPSIS/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN" | grep -q "^\.B $c\$" || { echo "man SYNOPSIS: no $c"; false; }
		grep -q "^### oomguard $c\$" "$README" || { echo "README: no ### oomguard $c"; false; }
		grep -q "check_command $c;" "$BATS_TEST_FILENAME" || { echo "docs.bats: no test for $c"; false; }
	done
	# And no section for a command that does not exist.
	for c in $(grep -E '^\.SS [a-z]+$' "$MAN" | awk '{ print $2 }'); do
		grep -qx "$c" <<<"$cmds" || { echo "man: .SS $c is not a command"; false; }
	done
}

@test "docs: the man page is clean for man and groff (no warnings)" {
	command -v groff >/dev/null || skip "groff not installed"
	run groff -ww -man -z "$MAN"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	command -v man >/dev/null || skip "man not installed"
	# Warnings go to stderr; the page itself goes to stdout.
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN" 2>&1 >/dev/null)
	[ -z "$err" ] || { echo "$err"; false; }
	LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$MAN" 2>/dev/null | grep -q '^EXIT STATUS'
	# The control: a broken page does produce a warning here.
	printf '.TH X 1\n.SH NAME\n.BOGUSMACRO x\n\\fQ\n' > "$BATS_TEST_TMPDIR/bad.1"
	err=$(LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$BATS_TEST_TMPDIR/bad.1" 2>&1 >/dev/null)
	[ -n "$err" ]
}

@test "docs: the man page has the required sections and its version matches the binary" {
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS "PROTECTION LAYERS" "EXIT STATUS" ENVIRONMENT "JSON OUTPUT" EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH \"\?$s\"\?\$" "$MAN" || { echo "missing .SH $s"; false; }
	done
	v=$("$OG_BIN" --version | sed -n '1s/^oomguard //p')
	grep -q "^\.TH OOMGUARD 1 .* \"oomguard $v\"" "$MAN"
	for e in NO_COLOR SUDO_UID SUDO_GID SUDO_USER OOMGUARD_SUDO; do grep -q "$e" "$MAN"; done
	for r in 'choom (1)' 'earlyoom (1)' 'systemd\\-oomd (8)' 'oomctl (1)' 'proc (5)'; do
		grep -q "^\.BR $r" "$MAN" || { echo "SEE ALSO lacks $r"; false; }
	done
}

@test "docs: the checks above can fail (a man page with an option removed is caught)" {
	"$OG_BIN" run --help >/dev/null 2>&1 || skip "run not implemented"
	MAN=$BATS_TEST_TMPDIR/oomguard.1
	sed '/^\\fB\\-\\-no\\-sudo\\fR$/s/no\\-sudo/no\\-sudo\\-typo/' "$OG_ROOT/docs/oomguard.1" > "$MAN"
	! cmp -s "$MAN" "$OG_ROOT/docs/oomguard.1" || false
	run check_command run
	[ "$status" -ne 0 ]
	[[ $output == *"not in the man page section 'run': --no-sudo"* ]]
	[[ $output == *"not in 'oomguard run --help': --no-sudo-typo"* ]]
}

@test "docs: every option used in an example (docs/*.md, README.md, man page) is one the command takes" {
	bad=0 checked=0
	while IFS= read -r use; do
		cmd=$(awk '{ print $2 }' <<<"$use")
		help=$("$OG_BIN" "$cmd" --help 2>/dev/null) || continue   # command not implemented yet
		# Only oomguard's own options: stop at "--" (the job's command line follows).
		for o in $(sed -E 's/ -- .*//' <<<"$use" | grep -oE -- '(^| )--[a-z][a-z0-9-]*' | tr -d ' '); do
			checked=$((checked + 1))
			grep -qE -- "(^|[ ,])$o([ =[]|$)" <<<"$help" || { echo "'$use': $o is not in 'oomguard $cmd --help'"; bad=1; }
		done
	done < <(cat "$OG_ROOT"/docs/*.md "$OG_ROOT"/README.md 2>/dev/null "$MAN" | sed 's/\\-/-/g' |
		grep -oE 'oomguard (run|protect|top|doctor|why|watch)( [^`|)]*)?' | sort -u)
	echo "# $checked option uses checked"
	[ "$checked" -gt 5 ]
	[ "$bad" -eq 0 ]
}

@test "docs: the JSON keys the man page names are the ones top --json and protect --json print" {
	command -v jq >/dev/null || skip "jq not installed"
	section=$(awk '/^\.SH JSON OUTPUT/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN")
	if "$OG_BIN" top --help >/dev/null 2>&1; then
		run "$OG_BIN" top -n 1 --json
		[ "$status" -eq 0 ]
		for k in memory psi scope victim killers processes; do
			jq -e "has(\"$k\")" <<<"$output" >/dev/null || { echo "top --json lacks $k"; false; }
			grep -q "^\.B $k\$\|^\.BR $k\b" <<<"$section" || { echo "man JSON OUTPUT does not name $k"; false; }
		done
		for k in pid ppid uid user comm rss_kib swap_kib pte_kib oom_score_adj oom_score eligible why points parts permille rank; do
			jq -e ".processes[0] | has(\"$k\")" <<<"$output" >/dev/null || { echo "top --json processes[] lacks $k"; false; }
			grep -q "\b$k\b" <<<"$section" || { echo "man JSON OUTPUT does not name $k"; false; }
		done
	fi
	if "$OG_BIN" doctor --help >/dev/null 2>&1; then
		run "$OG_BIN" doctor --json $$
		[ "$status" -eq 0 ]
		for k in kernel systemd_oomd earlyoom nohang headroom process; do
			jq -e "has(\"$k\")" <<<"$output" >/dev/null || { echo "doctor --json lacks $k"; false; }
			grep -q "^\.BR\? $k\b" <<<"$section" || { echo "man JSON OUTPUT does not name $k"; false; }
		done
		for k in pid comm oom_score_adj exposed killers; do
			jq -e ".process | has(\"$k\")" <<<"$output" >/dev/null || { echo "doctor --json .process lacks $k"; false; }
		done
		for k in killer verdict why fix; do
			jq -e ".process.killers[0] | has(\"$k\")" <<<"$output" >/dev/null || { echo "doctor --json killers[] lacks $k"; false; }
			grep -q "\b$k\b" <<<"$section" || { echo "man JSON OUTPUT does not name $k"; false; }
		done
	fi
	sleep 30 & pid=$!
	run "$OG_BIN" protect --json "$pid"
	for k in pid comm uid oom_score oom_score_adj; do
		jq -e ".[0] | has(\"$k\")" <<<"$output" >/dev/null || { echo "protect --json lacks $k: $output"; false; }
	done
	run "$OG_BIN" protect --json --adj 100 "$pid"
	kill "$pid"
	for k in pid comm requested before oom_score_adj kernel; do
		jq -e ".[0] | has(\"$k\")" <<<"$output" >/dev/null || { echo "protect --json --adj lacks $k: $output"; false; }
		grep -q "\"$k\"" <<<"$section" || { echo "man JSON OUTPUT example lacks $k"; false; }
	done
}
