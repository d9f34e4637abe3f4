#!/usr/bin/env bash
# Packaging lane: builds the .deb with dpkg-buildpackage from a copy of the
# tree (it writes ../*.deb), runs lintian on it, installs it with dpkg into a
# clean Debian 12 chroot (debootstrap --variant=minbase, cached under
# /var/cache/oomguard-pkg) and runs the installed oomguard there.  The Slurm
# plugin's package (oomguard-slurm) is checked on its own (tests/pkg/slurm.sh):
# its files, its dependency on Slurm's release, and its plugin loaded by a
# real srun and slurmstepd (tests/slurm/cluster.sh).
# Ends with "N passed, N failed, N skipped".  Needs root, dpkg-dev, debhelper,
# fakeroot, lintian and debootstrap.
#
#   OG_PKG_WORK  scratch directory (default /tmp/og-pkg, emptied first)
#   OG_PKG_CACHE chroot cache (default /var/cache/oomguard-pkg)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${OG_PKG_WORK:-/tmp/og-pkg}
cache=${OG_PKG_CACHE:-/var/cache/oomguard-pkg}
base=$cache/bookworm-minbase
pass=0 fail=0 skip=0
chroot_dir=

ok() { pass=$((pass + 1)); echo "ok - $*"; }
no() { fail=$((fail + 1)); echo "not ok - $*"; }
sk() { skip=$((skip + 1)); echo "ok - $* # skip"; }
finish() {
	if [ -n "$chroot_dir" ]; then
		umount "$chroot_dir/proc" 2>/dev/null
		rm -rf --one-file-system "$chroot_dir"
	fi
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}
trap finish EXIT

if [ "$(id -u)" -ne 0 ]; then
	sk "packaging lane needs root (chroot, dpkg)"
	exit
fi
for t in dpkg-buildpackage dh fakeroot lintian debootstrap; do
	if ! command -v "$t" >/dev/null; then
		no "$t not installed (.ci/run installs it)"
		exit
	fi
done

# --- build ---------------------------------------------------------------
rm -rf "$work"
mkdir -p "$work/src"
# The tree as git sees it (tracked and new files, not ignored build output).
(cd "$root" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar xf - -C "$work/src"
if (cd "$work/src" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	tail -n 40 "$work/build.log"
	no "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
	exit
fi
deb=$(ls "$work"/oomguard_*_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] && ok "built $(basename "$deb")" || { no "no .deb produced"; exit; }
# The package build ran the unit and CLI suites (override_dh_auto_test).
if t=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/build.log" | tail -n 1) && [ -n "$t" ]; then
	ok "tests during the package build: $t"
else
	no "the package build ran no tests"
fi

sdeb=$(ls "$work"/oomguard-slurm_*_*.deb 2>/dev/null | head -n 1)
[ -n "$sdeb" ] && ok "built $(basename "$sdeb")" || no "no oomguard-slurm .deb produced"

# --- lintian -------------------------------------------------------------
lintian --pedantic -I "$work"/oomguard_*.changes > "$work/lintian.log" 2>&1
errors=$(grep -c '^E: ' "$work/lintian.log")
warnings=$(grep -c '^W: ' "$work/lintian.log")
other=$(grep -cE '^[IPX]: ' "$work/lintian.log")
grep -E '^[EWIPX]: ' "$work/lintian.log" | sed 's/^/# /'
if [ "$errors" -eq 0 ]; then
	ok "lintian: $errors errors, $warnings warnings, $other info/pedantic"
else
	no "lintian: $errors errors, $warnings warnings, $other info/pedantic"
fi

# --- package metadata ----------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
tmpx=$(mktemp -d)
dpkg-deb -x "$deb" "$tmpx"
# libsystemd is linked or dlopen()ed ("libsystemd: yes"); either way the
# package must pull it in (shlibdeps sees only the linked case).
if "$tmpx/usr/bin/oomguard" --version | grep -q 'libsystemd: yes'; then
	if [[ $depends =~ (^|[ ,])libsystemd0([ ,]|$) ]]; then
		ok "built with libsystemd and depends on libsystemd0"
	else
		no "built with libsystemd but Depends lacks libsystemd0: $depends"
	fi
else
	sk "built without libsystemd (Depends: $depends)"
fi
if command -v getcap >/dev/null && [ -n "$(getcap "$tmpx/usr/bin/oomguard")" ]; then
	no "the packaged binary carries a file capability"
else
	ok "the package sets no capability on the binary"
fi
if dpkg-deb --ctrl-tarfile "$deb" | tar tf - | grep -qE 'postinst|preinst'; then
	if dpkg-deb -I "$deb" postinst 2>/dev/null | grep -qE 'setcap|sysctl|/proc/sys'; then
		no "a maintainer script sets a capability or a tunable"
	else
		ok "maintainer scripts set no capability and no tunable"
	fi
else
	ok "no maintainer scripts (no capability, no tunable set at install)"
fi
rm -rf "$tmpx"

# --- the Slurm plugin package ----------------------------------------------
[ -n "$sdeb" ] && source "$root/tests/pkg/slurm.sh"

# --- the optional features, off -------------------------------------------
# A build without libsystemd and zlib (as on a machine without their -dev
# packages) must say so in --version and must not load either library.
if make -s -C "$work/src" HAVE_SYSTEMD= HAVE_ZLIB= BUILD=build-nosd build-nosd/oomguard > "$work/nosd.log" 2>&1; then
	v=$("$work/src/build-nosd/oomguard" --version)
	if [ "$(sed -n 2,3p <<<"$v")" = "$(printf 'libsystemd: no\nzlib: no')" ] &&
		! grep -aq 'libsystemd\.so' "$work/src/build-nosd/oomguard" &&
		! ldd "$work/src/build-nosd/oomguard" | grep -qE 'libsystemd|libz\.'; then
		ok "a build without libsystemd and zlib says 'libsystemd: no', 'zlib: no' and loads neither"
	else
		no "a build without libsystemd and zlib: --version says: $v"
	fi
else
	tail -n 20 "$work/nosd.log"
	no "oomguard does not build without libsystemd and zlib"
fi

# --- clean chroot --------------------------------------------------------
# shellcheck source=../lib/rootfs.sh
. "$root/tests/lib/rootfs.sh"
if [ ! -f "$base/.og-complete" ]; then
	mkdir -p "$cache"
	rm -rf "$base.tmp"
	echo "# debootstrap --variant=minbase bookworm from $(og_debian_mirror) (cached in $base)"
	if debootstrap --variant=minbase --include=libcap2 bookworm "$base.tmp" "$(og_debian_mirror)" > "$cache/debootstrap.log" 2>&1; then
		touch "$base.tmp/.og-complete"
		rm -rf "$base"
		mv "$base.tmp" "$base"
	else
		tail -n 20 "$cache/debootstrap.log"
		no "debootstrap failed (log: $cache/debootstrap.log)"
		exit
	fi
fi
chroot_dir=$(mktemp -d /tmp/og-chroot.XXXXXX)
cp -a "$base/." "$chroot_dir/"
if chroot "$chroot_dir" dpkg -s oomguard >/dev/null 2>&1; then
	no "the cached chroot already has oomguard installed"
fi
mount -t proc proc "$chroot_dir/proc" || { no "cannot mount /proc in the chroot"; exit; }
cp "$deb" "$chroot_dir/tmp/"
in_chroot() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

if out=$(in_chroot dpkg -i "/tmp/$(basename "$deb")" 2>&1); then
	ok "dpkg -i in a clean bookworm chroot (dependencies satisfied)"
else
	echo "$out" | sed 's/^/# /'
	no "dpkg -i in a clean bookworm chroot"
	exit
fi
if out=$(in_chroot oomguard --version 2>&1) && [[ $out == "oomguard "* ]]; then
	echo "$out" | sed 's/^/# /'
	ok "oomguard --version in the chroot"
else
	echo "$out" | sed 's/^/# /'
	no "oomguard --version in the chroot"
fi
# Built for Debian's Slurm plugin directory, and true about it (only the
# oomguard package is installed here).
pdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/slurm-wlm
[[ $out == *"slurm plugin: yes ("*"); not installed in $pdir"* ]] &&
	ok "the packaged --version: plugin built for $pdir, not installed there" ||
	no "the packaged --version on the plugin: $(grep '^slurm plugin' <<<"$out")"
out=$(in_chroot oomguard doctor 2>&1); rc=$?
echo "$out" | head -n 40 | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	ok "oomguard doctor in the chroot"
elif [[ $out == *"not implemented"* ]]; then
	sk "oomguard doctor in the chroot: doctor is not implemented yet"
else
	no "oomguard doctor in the chroot (exit $rc)"
fi
out=$(in_chroot oomguard protect 1 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == "pid 1 "* ]] && ok "oomguard protect 1 in the chroot: $out" \
	|| no "oomguard protect 1 in the chroot (exit $rc): $out"
out=$(in_chroot oomguard run --adj 500 --quiet -- sh -c 'cat /proc/self/oom_score_adj' 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = 500 ] && ok "oomguard run --adj 500 in the chroot sets the job's oom_score_adj" \
	|| no "oomguard run --adj 500 in the chroot (exit $rc): $out"
for f in /usr/share/man/man1/oomguard.1.gz /usr/share/bash-completion/completions/oomguard \
	/usr/share/zsh/vendor-completions/_oomguard /usr/share/doc/oomguard/README.Debian /usr/share/doc/oomguard/copyright; do
	[ -f "$chroot_dir$f" ] && ok "installed $f" || no "missing $f"
done
in_chroot bash -c 'source /usr/share/bash-completion/completions/oomguard && COMP_WORDS=(oomguard run --de) COMP_CWORD=2 && _oomguard && [ "${COMPREPLY[*]}" = --detach ]' \
	&& ok "bash completion of the installed package completes 'run --de'" || no "bash completion in the chroot"
if out=$(in_chroot dpkg -r oomguard 2>&1) && [ ! -e "$chroot_dir/usr/bin/oomguard" ]; then
	ok "dpkg -r removes it"
else
	no "dpkg -r: $out"
fi
