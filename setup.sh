#!/bin/sh
# The README's two set-up commands, on a fresh Debian or Ubuntu machine, as root
# (a fresh container has neither make nor sudo) or as a user with sudo:
#
#   ./setup.sh         install the build packages (.ci/deps build), build, install under
#                      /usr/local (oomguard on PATH, `man oomguard`, bash and zsh completion)
#                      and run the bundled example (make demo)
#   ./setup.sh check   install the test packages (.ci/deps), build the tests and run the
#                      whole suite; the last line is "N passed, N failed, N skipped"
#
# Only the steps that need root (apt-get, make install, the suite) are run as root:
# directly when root already, through sudo otherwise.  Building happens as the
# invoking user, so the tree stays theirs.  OG_SUITES is passed on to the suite.
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" -eq 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1; then
	as_root=sudo
else
	echo "setup.sh: installing packages needs root: run it as root, or install sudo first" >&2
	exit 1
fi

case ${1:-} in
'')
	$as_root .ci/deps build
	make
	$as_root make install
	make demo
	echo "setup.sh: installed $(command -v oomguard || echo "oomguard in /usr/local/bin (not on PATH?)"):" \
		"try 'oomguard doctor', 'oomguard why', 'man oomguard'"
	;;
check)
	$as_root .ci/deps
	make -s build-tests
	# The suite itself, not `make check`: make would print its own error
	# line after the summary.  sudo resets the environment, hence env.
	exec $as_root env OG_BIN="$PWD/build/oomguard" OG_BUILD="$PWD/build" ${OG_SUITES:+OG_SUITES="$OG_SUITES"} \
		tests/run-all.sh
	;;
*)
	echo "setup.sh: unknown argument '$1' (usage: ./setup.sh [check])" >&2
	exit 2
	;;
esac
