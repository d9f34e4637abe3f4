#!/usr/bin/env bats
# bash and zsh completion (completions/oomguard.bash, completions/_oomguard),
# driven the way the shells drive them.  Options come from the binary's own
# --help, so the tests also use a fake binary whose help lists options that
# oomguard does not (yet) have: the completion must follow the help text.

bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d)
	mkdir -p "$T/bin"
	ln -s "$OG_BIN" "$T/bin/oomguard"
	printf '#!/bin/sh\nexit 0\n' > "$T/bin/og-uniq-cmd-xyz"
	chmod +x "$T/bin/og-uniq-cmd-xyz"
	# A stand-in binary: its help is the only thing the completion may use.
	cat > "$T/fake" <<'SH'
#!/bin/sh
[ "$2" = --help ] || exit 2
case $1 in
run) cat <<'H'
Usage: oomguard run [OPTIONS] -- CMD [ARG...]
  -a, --adj N            oom_score_adj
      --warn[=SPEC]      warn the job before memory runs out
      --warn-signal SIG  signal sent at warning (default SIGUSR1)
      --on-warn CMD      run CMD at warning
      --oomd MODE        omit, avoid or none
      --zz-only-in-fake  a flag
  -h, --help             this help
H
;;
watch) printf '  -j, --json     json\n      --file FILE   a file\n' ;;
*) exit 1 ;;
esac
SH
	chmod +x "$T/fake"
}

teardown() {
	rm_cg
	rm -rf "$T"
}

# comp WORD... : runs the bash completion with the cursor on the last word and
# prints COMPREPLY one per line (sorted).
comp() {
	bash -c '
		source "$1/completions/oomguard.bash" || exit 3
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(( $# - 1 ))
		_oomguard
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$OG_ROOT" "$@"
}

@test "bash: the script parses and registers a completion for oomguard" {
	run bash -c "source '$OG_ROOT/completions/oomguard.bash' && complete -p oomguard"
	[ "$status" -eq 0 ]
	[[ $output == *"-F _oomguard oomguard"* ]]
}

@test "bash: commands" {
	run comp "$OG_BIN" ""
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' doctor protect run top watch why)" ]
	run comp "$OG_BIN" pr
	[ "$output" = protect ]
	run comp "$OG_BIN" --v
	[ "$output" = --version ]
}

@test "bash: the options of each command are the ones its --help lists" {
	for cmd in run protect top doctor why watch; do
		want=$("$OG_BIN" "$cmd" --help 2>/dev/null | grep -oE '^[[:space:]]+(-[[:alnum:]],[[:space:]]+)?--[[:alnum:]][[:alnum:]-]*' | grep -oE -- '--[[:alnum:]-]+$' || true)
		[ "$cmd" = run ] && want=$(printf '%s\n%s\n' "$want" --)
		want=$(printf '%s\n' "$want" | sed '/^$/d' | sort)
		run comp "$OG_BIN" "$cmd" --
		[ "$status" -eq 0 ]
		got=$(printf '%s\n' "$output" | sed '/^$/d')
		[ "$got" = "$want" ] || { echo "$cmd: got [$got] want [$want]"; false; }
	done
}

@test "bash: options are not mixed between commands" {
	run comp "$OG_BIN" protect --
	[[ $output == *--tree* ]]
	[[ $output != *--detach* ]]
	run comp "$OG_BIN" run --
	[[ $output == *--detach* ]]
	[[ $output != *--tree* ]]
	run comp "$OG_BIN" run --de
	[ "$output" = --detach ]
}

@test "bash: follows the help text of the binary being completed" {
	run comp "$T/fake" run --zz
	[ "$output" = --zz-only-in-fake ]
	run comp "$T/fake" watch --
	[ "$output" = "$(printf '%s\n' --file --json)" ]
	run comp "$OG_BIN" run --zz
	[ -z "$output" ]
}

@test "bash: signal names for --warn-signal, both spellings, and = forms" {
	run comp "$T/fake" run --warn-signal SIGUS
	[ "$output" = "$(printf '%s\n' SIGUSR1 SIGUSR2)" ]
	run comp "$T/fake" run --warn-signal US
	[ "$output" = "$(printf '%s\n' USR1 USR2)" ]
	run comp "$T/fake" run --warn-signal=SIGTER
	[ "$output" = SIGTERM ]
	# bash splits "--warn-signal=SIGTER" at '=' by default (COMP_WORDBREAKS).
	run comp "$T/fake" run --warn-signal = SIGTER
	[ "$output" = SIGTERM ]
	run comp "$T/fake" run --warn-signal no
	[ "$output" = none ]
	run comp "$T/fake" run --oomd a
	[ "$output" = avoid ]
	# --warn takes an optional value only as --warn=SPEC: the next word is the job.
	PATH=$T/bin:$PATH run comp "$T/fake" run --warn og-uniq-c
	[ "$output" = og-uniq-cmd-xyz ]
	PATH=$T/bin:$PATH run comp "$T/fake" run --on-warn og-uniq-c
	[ "$output" = og-uniq-cmd-xyz ]
	run comp "$T/fake" watch --file "$OG_ROOT/Makef"
	[ "$output" = "$OG_ROOT/Makefile" ]
}

@test "bash: the memory cap options of run and protect, and size values for them" {
	run comp "$OG_BIN" run --memory-
	[ "$output" = "$(printf '%s\n' --memory-high --memory-max)" ]
	run comp "$OG_BIN" protect --swap
	[ "$output" = --swap-max ]
	run comp "$OG_BIN" run --memory-max 8
	[ "$output" = "$(printf '%s\n' 80% 8G)" ]
	run comp "$OG_BIN" run --swap-max 0
	[ "$output" = 0 ]
}

@test "bash: PIDs for protect, doctor and watch; only live ones" {
	sleep 30 & pid=$!
	for cmd in protect doctor watch; do
		run comp "$OG_BIN" "$cmd" "$pid"
		[[ $'\n'$output$'\n' == *$'\n'$pid$'\n'* ]] || { echo "$cmd: $output"; false; }
		# Nothing but numbers (PIDs that exist, or existed a moment ago).
		! grep -qv '^[0-9][0-9]*$' <<<"$output" || false
	done
	run comp "$OG_BIN" protect --adj 5 "$pid"
	[[ $'\n'$output$'\n' == *$'\n'$pid$'\n'* ]]
	# The value of --adj is not a PID.
	run comp "$OG_BIN" protect --adj "$pid"
	[ -z "$output" ]
	kill "$pid"
}

@test "bash: run completes the job's command, then files; --log completes files" {
	PATH=$T/bin:$PATH run comp oomguard run -- og-uniq-c
	[ "$output" = og-uniq-cmd-xyz ]
	PATH=$T/bin:$PATH run comp oomguard run --adj 0 og-uniq-c
	[ "$output" = og-uniq-cmd-xyz ]
	touch "$T/train-data.bin"
	PATH=$T/bin:$PATH run comp oomguard run -- python3 "$T/train-d"
	[ "$output" = "$T/train-data.bin" ]
	run comp "$OG_BIN" run --log "$T/train-d"
	[ "$output" = "$T/train-data.bin" ]
	run comp "$OG_BIN" run -l "$T/train-d"
	[ "$output" = "$T/train-data.bin" ]
	# After the job's command, its own options are not oomguard's.
	PATH=$T/bin:$PATH run comp oomguard run -- python3 --de
	[ "$output" != --detach ]
}

zsh_complete() { # $1 = command line typed before Tab, $2 = the line expected; prints the line after
	PATH=$T/bin:$PATH zsh -f "$OG_ROOT/tests/cli/zcomplete.zsh" "$OG_ROOT/completions" "$1" "$2"
}

@test "zsh: the script parses (zsh -n)" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh -n "$OG_ROOT/completions/_oomguard"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "zsh: specs come from --help, one per option spelling" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh -fc "source '$OG_ROOT/completions/_oomguard'; _oomguard_specs '$T/fake' run"
	[ "$status" -eq 0 ]
	[[ $output == *"(-a --adj)--adj=[oom_score_adj]"* ]]
	[[ $output == *"--warn=-[warn the job before memory runs out]::spec:"* ]]
	[[ $output == *"--warn-signal=[signal sent at warning (default SIGUSR1)]:sig:_oomguard_signals"* ]]
	[[ $output == *"--zz-only-in-fake[a flag]"* ]]
}

@test "zsh: Tab completes commands, options, the job's command and signals" {
	command -v zsh >/dev/null || skip "zsh not installed"
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip "zsh/zpty module missing"
	# typed => the line after Tab (options of another command are not offered)
	while IFS='|' read -r typed want; do
		run zsh_complete "$typed" "$want"
		[ "$output" = "$want" ] || { echo "'$typed' => '$output', want '$want'"; false; }
	done <<'CASES'
oomguard pro|oomguard protect 
oomguard protect --tr|oomguard protect --tree 
oomguard run --de|oomguard run --detach 
oomguard run -- og-uniq-c|oomguard run -- og-uniq-cmd-xyz 
oomguard run --adj 0 og-uniq-c|oomguard run --adj 0 og-uniq-cmd-xyz 
oomguard protect --de|oomguard protect --de
CASES
	ln -sf "$T/fake" "$T/bin/oomguard"
	run zsh_complete 'oomguard run --warn-signal SIGTER' 'oomguard run --warn-signal SIGTERM '
	[ "$output" = "oomguard run --warn-signal SIGTERM " ]
}

# The SPEC keys the binary's own grammar names (src/warn_spec.c), with ':'.
warn_keys() {
	"$OG_BIN" run --warn=_: -- true 2>&1 | sed -n 's/.*(known: \([^)]*\)).*/\1/p' | tr ' ' '\n' | sed 's/$/:/' | sort
}

# A memory cgroup to complete, when this machine lets the test make one.
make_cg() {
	cgm=/sys/fs/cgroup/memory
	[ "$(id -u)" -eq 0 ] && [ -w "$cgm/cgroup.procs" ] || skip "needs a writable cgroup-v1 memory controller"
	cgname=og-test-$$-comp
	mkdir -p "$cgm/$cgname/inner"
}

rm_cg() {
	[ -n "${cgname:-}" ] && rmdir "$cgm/$cgname/inner" "$cgm/$cgname" 2>/dev/null
	return 0
}

@test "bash: run --warn <TAB>, --warn=<TAB> and --warn = <TAB> offer the SPEC keys of the binary's grammar" {
	want=$(warn_keys)
	[ -n "$want" ]
	run comp "$OG_BIN" run --warn ""
	[ "$output" = "$want" ]
	run comp "$OG_BIN" run --warn=
	[ "$output" = "$want" ]
	run comp "$OG_BIN" run --warn = ""
	[ "$output" = "$want" ]
	run comp "$OG_BIN" run --adj 0 --warn=psi-
	[ "$output" = "$(printf '%s\n' psi-full: psi-some:)" ]
	# The next item of a list, without the keys already given.
	run comp "$OG_BIN" run --warn=eta:10s,
	[[ $output != *eta:10s,eta:* ]]
	[[ $output == *eta:10s,available:* ]]
	# Values of a key.
	run comp "$OG_BIN" run --warn=eta:
	[[ $'\n'$output$'\n' == *$'\n'eta:10s$'\n'* ]]
	# No key matches: the word is the job's command, and shell keywords are not commands.
	PATH=$T/bin:$PATH run comp "$OG_BIN" run --warn og-uniq-c
	[ "$output" = og-uniq-cmd-xyz ]
	run comp "$OG_BIN" run --warn th
	[[ $'\n'$output$'\n' != *$'\n'then$'\n'* ]]
	run comp "$OG_BIN" run -- the
	[[ $'\n'$output$'\n' != *$'\n'then$'\n'* ]]
}

@test "bash: --warn SPEC as bash splits it at '=' and ':' (COMP_WORDBREAKS): replies fit the split word" {
	run bash -c '
		source "$1/completions/oomguard.bash" || exit 3
		COMP_LINE="oomguard run --warn=eta:1"; COMP_POINT=${#COMP_LINE}
		COMP_WORDS=("$2" run --warn = eta : 1); COMP_CWORD=6
		_oomguard; printf "%s\n" "${COMPREPLY[@]}"
		COMP_LINE="oomguard run --warn eta:10s,psi-f"; COMP_POINT=${#COMP_LINE}
		COMP_WORDS=("$2" run --warn eta : 10s,psi-f); COMP_CWORD=5
		_oomguard; printf "%s\n" "${COMPREPLY[@]}"' _ "$OG_ROOT" "$OG_BIN"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' 10s 10s,psi-full:)" ]
}

@test "bash: --cgroup offers memory cgroups as outputs print them (top, watch), /sys paths as directories" {
	make_cg
	run comp "$OG_BIN" top --cgroup "/og-test-$$-co"
	rm_cg_out=$output
	run comp "$OG_BIN" watch --cgroup "/og-test-$$-comp/"
	inner=$output
	run comp "$OG_BIN" top --cgroup=/sys/fs/cgroup/memory/og-test-$$-co
	sysform=$output
	rm_cg
	[ "$rm_cg_out" = "/og-test-$$-comp/" ]
	[ "$inner" = "/og-test-$$-comp/inner/" ]
	[ "$sysform" = "/sys/fs/cgroup/memory/og-test-$$-comp" ]
}

@test "zsh: --warn=<TAB>, --warn <TAB> and --cgroup <TAB>" {
	command -v zsh >/dev/null || skip "zsh not installed"
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip "zsh/zpty module missing"
	while IFS='|' read -r typed want; do
		run zsh_complete "$typed" "$want"
		[ "$output" = "$want" ] || { echo "'$typed' => '$output', want '$want'"; false; }
	done <<'CASES'
oomguard run --warn=av|oomguard run --warn=available:
oomguard run --warn av|oomguard run --warn available:
oomguard run --warn=eta:10s,psi-f|oomguard run --warn=eta:10s,psi-full:
CASES
	make_cg
	run zsh_complete "oomguard top --cgroup /og-test-$$-co" "oomguard top --cgroup /og-test-$$-comp/"
	got=$output
	rm_cg
	[ "$got" = "oomguard top --cgroup /og-test-$$-comp/" ]
}

@test "run takes '--warn SPEC' as two words when SPEC is a valid spec (what the completion offers)" {
	run "$OG_BIN" run -q --adj 0 --warn psi-full:off,eta:5s -- true
	[ "$status" -eq 0 ]
	# Not a valid spec: the word stays the job's command.
	PATH=$T/bin:$PATH run "$OG_BIN" run -q --adj 0 --warn og-uniq-cmd-xyz
	[ "$status" -eq 0 ]
	run -127 "$OG_BIN" run -q --adj 0 --warn nokey:1 -- true
}

# bash_tab LINE: types LINE and Tab into a real interactive bash (in tmux,
# with the default COMP_WORDBREAKS) and prints the command line afterwards.
bash_tab() {
	local s=og-test-$$-bcomp-$RANDOM line
	TMUX_TMPDIR=$T tmux -L "$s" -f /dev/null new-session -d -s c -x 200 -y 10 \
		"env -i PATH=$T/bin:/usr/bin:/bin TERM=screen HOME=$T bash --norc --noprofile -i"
	TMUX_TMPDIR=$T tmux -L "$s" send-keys -t c "PS1='\$ '; source '$OG_ROOT/completions/oomguard.bash'; clear" Enter
	sleep 0.3
	TMUX_TMPDIR=$T tmux -L "$s" send-keys -t c "$1" Tab
	for _ in $(seq 50); do
		line=$(TMUX_TMPDIR=$T tmux -L "$s" capture-pane -p -t c | grep '^\$ oomguard' | tail -n 1)
		[ -n "$2" ] && [ "$line" = "\$ $2" ] && break
		sleep 0.1
	done
	TMUX_TMPDIR=$T tmux -L "$s" kill-server 2>/dev/null
	echo "${line#\$ }"
}

@test "bash, real terminal: --warn=KEY:VALUE and --cgroup complete as typed (tmux)" {
	command -v tmux >/dev/null || skip "tmux not installed"
	while IFS='|' read -r typed want; do
		run bash_tab "$typed" "$want"
		[ "$output" = "$want" ] || { echo "'$typed' => '$output', want '$want'"; false; }
	done <<'CASES'
oomguard run --warn=av|oomguard run --warn=available:
oomguard run --warn=available:10|oomguard run --warn=available:10%
oomguard run --warn=eta:10s,psi-f|oomguard run --warn=eta:10s,psi-full:
oomguard run --warn av|oomguard run --warn available:
CASES
	if [ "$(id -u)" -eq 0 ] && [ -w /sys/fs/cgroup/memory/cgroup.procs ]; then
		cgm=/sys/fs/cgroup/memory cgname=og-test-$$-comp
		mkdir -p "$cgm/$cgname/inner"
		run bash_tab "oomguard top --cgroup /og-test-$$-co" "oomguard top --cgroup /og-test-$$-comp/"
		rm_cg
		[ "$output" = "oomguard top --cgroup /og-test-$$-comp/" ]
	fi
}
