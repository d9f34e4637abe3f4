#!/usr/bin/env bash
# Fresh-machine lane: a fresh Debian root is the only honest test of the
# README's two set-up commands.  Takes them word for word from README.md,
# and runs them in a fresh Debian
# bookworm root (debootstrap --variant=minbase, nothing else installed):
#
#   1. as root, with no sudo installed (a fresh container);
#   2. as a user with sudo (NOPASSWD), in a second fresh copy;
#
# then checks what the README promises afterwards: oomguard on PATH,
# `man oomguard`, bash completion, the suite's summary line, the first
# command of "the first ten minutes" (`oomguard why`), and that nothing the
# commands started is still running in the root.
#
# The whole suite runs once, in the sudo pass (as root through sudo, with the
# outer sudo's SUDO_* variables: what a sudo user gets).  The root pass runs
# the same second command with OG_SUITES="unit cli": what differs between
# the passes is how root is reached (no sudo at all) and who owns the tree,
# which the package installation, the build and those suites exercise; the
# host suite would repeat, as root, what the sudo pass already ran as root.
# OG_FRESH_FULL=1 runs the whole suite in both passes.
#
# The tested tree is `git archive` of the checkout (uncommitted changes to
# tracked files included, via `git stash create`), or of OG_FRESH_REV
# (e.g. OG_FRESH_REV=main~3 shows an older README failing).
# The bare root is cached in OG_FRESH_CACHE (default /var/cache/oomguard-fresh)
# and so are the downloaded .debs (its archives/), never the installed ones.
# Needs root, debootstrap, git.  Ends with "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/rootfs.sh
. "$repo/tests/lib/rootfs.sh"
cache=${OG_FRESH_CACHE:-/var/cache/oomguard-fresh}
base=$cache/bookworm-minbase
pass=0 fail=0
roots=()
t0=$(date +%s)

ok() { pass=$((pass + 1)); echo "ok - $*"; }
no() { fail=$((fail + 1)); echo "not ok - $*"; }
elapsed() { echo $(($(date +%s) - t0))s; }

# Processes whose root directory is inside $1 (left over by the commands).
procs_in() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$1" ] && echo "${p#/proc/}"
	done
}
finish() {
	local r p
	for r in "${roots[@]}"; do
		for p in $(procs_in "$r"); do kill -KILL "$p" 2>/dev/null; done
		og_rm_tree "$r"
	done
	echo "fresh lane: wall time $(elapsed)"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

if [ "$(id -u)" -ne 0 ]; then no "the fresh lane needs root (debootstrap, chroot, mounts)"; exit; fi
export PATH=$PATH:/usr/sbin:/sbin
for t in debootstrap chroot git; do
	command -v "$t" >/dev/null || { no "$t not installed (.ci/run installs debootstrap)"; exit; }
done

# --- the README's commands, from the tree under test -------------------------------
rev=${OG_FRESH_REV:-}
if [ -z "$rev" ]; then rev=$(git -C "$repo" stash create 2>/dev/null); rev=${rev:-HEAD}; fi
readme=$(git -C "$repo" show "$rev:README.md") || { no "no README.md in $rev"; exit; }
# The first fenced block after "## Set-up": every line of it is one command.
mapfile -t setup_cmds < <(awk '/^## Set-up/ { s = 1; next } s && /^## / { exit }
	s && /^```/ { if (f) exit; f = 1; next } f && NF' <<<"$readme")
# The first indented command under "### 1." of the first ten minutes.
why_cmd=$(awk '/^### 1\./ { s = 1; next } s && /^#/ { exit }
	s && /^    oomguard / { sub(/^ +/, ""); sub(/[ \t]+#.*$/, ""); print; exit }' <<<"$readme")
if [ ${#setup_cmds[@]} -eq 2 ]; then
	ok "the README's set-up is two commands: '${setup_cmds[0]}', '${setup_cmds[1]}'"
else
	no "the README's set-up block has ${#setup_cmds[@]} commands, not two: $(printf "'%s' " "${setup_cmds[@]}")"
	exit
fi
[ -n "$why_cmd" ] && ok "the first command of the first ten minutes: '$why_cmd'" \
	|| { no "no 'oomguard ...' command under '### 1.' in the README"; why_cmd="oomguard why"; }

# --- the bare root ---------------------------------------------------------------
mkdir -p "$cache/archives/partial" || { no "cannot create $cache"; exit; }
if [ ! -f "$base/.og-complete" ]; then
	og_rm_tree "$base.tmp"
	echo "# debootstrap --variant=minbase bookworm from $(og_debian_mirror) (cached in $base)"
	if debootstrap --variant=minbase bookworm "$base.tmp" "$(og_debian_mirror)" >"$cache/debootstrap.log" 2>&1; then
		rm -rf "$base.tmp/var/cache/apt/archives/"*.deb
		touch "$base.tmp/.og-complete"
		og_rm_tree "$base"
		mv "$base.tmp" "$base"
	else
		tail -n 20 "$cache/debootstrap.log"
		no "debootstrap failed (log: $cache/debootstrap.log)"
		exit
	fi
fi
echo "# bare root ready after $(elapsed)"

# A fresh copy of the bare root in $r, with the tree under test at $2
# (owned by $3), /proc /sys /dev bound in (slaves: nothing unmounted here
# reaches the host) and the .deb cache.
new_root() { # $1 = label, $2 = tree path inside, $3 = owner
	r=$(mktemp -d "/tmp/og-fresh-$1.XXXXXX") || return 1
	roots+=("$r")
	cp -a "$base/." "$r/" && rm -f "$r/.og-complete" || return 1
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
	printf '127.0.0.1 localhost %s\n' "$(hostname)" >"$r/etc/hosts"
	for m in proc sys dev; do
		mount --rbind "/$m" "$r/$m" && mount --make-rslave "$r/$m" || return 1
	done
	mount --bind "$cache/archives" "$r/var/cache/apt/archives" || return 1
	mkdir -p "$r$2" && git -C "$repo" archive "$rev" | tar xf - -C "$r$2" && chroot "$r" chown -R "$3" "$2"
}
as_root_in() { # $1 = root, $2 = dir, $3 = command line; environment of a root login
	chroot "$1" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ${OG_SUITES:+OG_SUITES="$OG_SUITES"} \
		sh -c "cd $2 && $3"
}
as_user_in() { # $1 = root, $2 = dir, $3 = command line; a login shell of the user
	chroot "$1" runuser -l "$U" -w OG_SUITES -c "cd $2 && $3"
}

# After the two commands: what the README says now works.
check_after() { # $1 = label, $2 = runner, $3 = root, $4 = dir, $5 = log of the second command
	local label=$1 run=$2 r=$3 d=$4 out last
	out=$($run "$r" "$d" 'command -v oomguard')
	[ "$out" = /usr/local/bin/oomguard ] && ok "$label: oomguard is on PATH ($out)" \
		|| no "$label: oomguard is not on PATH after the set-up ('$out')"
	out=$($run "$r" "$d" 'MANPAGER=cat MANWIDTH=80 man oomguard 2>&1 | head -n 5')
	[[ $out == *OOMGUARD* ]] && ok "$label: man oomguard" || no "$label: man oomguard: $(head -n 2 <<<"$out")"
	out=$($run "$r" "$d" "bash -c '. /usr/share/bash-completion/bash_completion && _completion_loader oomguard; complete -p oomguard'" 2>&1)
	[[ $out == *" oomguard" ]] && ok "$label: bash completion is loaded for oomguard ($out)" \
		|| no "$label: bash completion for oomguard: $out"
	[ -f "$r/usr/local/share/zsh/site-functions/_oomguard" ] && ok "$label: zsh completion in /usr/local/share/zsh/site-functions (on zsh's default fpath)" \
		|| no "$label: no zsh completion on zsh's default fpath"
	last=$(grep -v '^[[:space:]]*$' "$5" | tail -n 1)
	[[ $last =~ ^[0-9]+\ passed,\ 0\ failed,\ [0-9]+\ skipped$ ]] && ok "$label: the second command ends with '$last'" \
		|| no "$label: the second command ends with '$last'"
	out=$($run "$r" "$d" "$why_cmd" 2>&1); local rc=$?
	sed 's/^/#   /' <<<"$out" | head -n 8
	[ $rc -eq 0 ] && ok "$label: '$why_cmd' exits 0" || no "$label: '$why_cmd' exits $rc"
	out=$(procs_in "$r" | while read -r p; do echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done)
	[ -z "$out" ] && ok "$label: nothing the commands started is still running" \
		|| no "$label: still running after the commands: $(tr '\n' ';' <<<"$out")"
}

run_cmd() { # $1 = label, $2 = runner, $3 = root, $4 = dir, $5 = command, $6 = log
	local rc s=$(date +%s)
	echo "# $1: \$ $5"
	$2 "$3" "$4" "$5" >"$6" 2>&1 </dev/null; rc=$?
	sed 's/^/#   /' "$6" | tail -n 25
	[ $rc -eq 0 ] && ok "$1: '$5' exits 0 ($(($(date +%s) - s))s)" || no "$1: '$5' exits $rc ($(($(date +%s) - s))s)"
}

logs=$(mktemp -d /tmp/og-fresh-logs.XXXXXX)
roots+=("$logs")

# --- pass 1: root, no sudo ----------------------------------------------------------
new_root root /root/oomguard root || { no "cannot prepare the root pass"; exit; }
for t in sudo make cc; do [ -e "$r/usr/bin/$t" ] && no "root pass: the bare root already has $t"; done
[ "${OG_FRESH_FULL:-0}" = 1 ] && export OG_SUITES="unit cli host" || export OG_SUITES="unit cli"
run_cmd "root" as_root_in "$r" /root/oomguard "${setup_cmds[0]}" "$logs/root.1"
grep -q 'make demo: runs with --best-effort' "$logs/root.1" && ok "root: make demo says it adds --best-effort" \
	|| no "root: make demo does not say it adds --best-effort"
# The Makefile's own path, on the machine the first command left (no cmocka
# yet): a first `make deps check` must build and link the unit tests.
OG_SUITES=unit run_cmd "root" as_root_in "$r" /root/oomguard "make deps check" "$logs/root.mk"
run_cmd "root" as_root_in "$r" /root/oomguard "${setup_cmds[1]}" "$logs/root.2"
check_after root as_root_in "$r" /root/oomguard "$logs/root.2"
og_rm_tree "$r"
echo "# root pass done after $(elapsed)"

# --- pass 2: a user with sudo -------------------------------------------------------
U=oguser
new_root user /home/$U/oomguard root || { no "cannot prepare the sudo pass"; exit; }
# What a user's machine has and the bare root has not: sudo, and the user in it.
if chroot "$r" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo' \
	>"$logs/sudo" 2>&1 && chroot "$r" useradd -m -s /bin/bash "$U"; then
	# The apt lists stay: an installed system with a sudo user has them,
	# where a fresh container (the root pass) has none.
	printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$U" >"$r/etc/sudoers.d/$U" && chmod 0440 "$r/etc/sudoers.d/$U"
	chroot "$r" chown -R "$U:$U" "/home/$U/oomguard"
	ok "sudo pass: user $U with sudo (NOPASSWD) in a fresh root"
else
	tail -n 5 "$logs/sudo"
	no "sudo pass: cannot install sudo or create the user"
	exit
fi
[ "${OG_FRESH_FULL:-0}" = 1 ] || unset OG_SUITES
export OG_SUITES=${OG_SUITES:-unit cli host}
run_cmd "sudo user" as_user_in "$r" "/home/$U/oomguard" "${setup_cmds[0]}" "$logs/user.1"
out=$(find "$r/home/$U/oomguard" ! -uid "$(chroot "$r" id -u "$U")" -print -quit)
[ -z "$out" ] && ok "sudo user: the tree stays the user's after the first command" \
	|| no "sudo user: root-owned files in the tree after the first command: $out"
run_cmd "sudo user" as_user_in "$r" "/home/$U/oomguard" "${setup_cmds[1]}" "$logs/user.2"
out=$(find "$r/home/$U/oomguard" ! -uid "$(chroot "$r" id -u "$U")" -print -quit)
[ -z "$out" ] && ok "sudo user: the tree stays the user's after the second command (the suite ran as root)" \
	|| no "sudo user: root-owned files in the tree after the second command: $out"
check_after "sudo user" as_user_in "$r" "/home/$U/oomguard" "$logs/user.2"
for l in "$logs"/root.2 "$logs"/user.2; do
	# Each failed test with its diagnostics (the logs go with the roots).
	awk '/^not ok /{ f = 1 } /^(ok |# (unit|cli|host): )/{ f = 0 } f' "$l" | head -n 80 | sed "s|^|# $(basename "$l"): |"
	sed -n '/^# failures:/,$p' "$l" | sed "s|^|# $(basename "$l"): |"
done
