# Shared by the lanes that debootstrap a bookworm root (tests/vm, tests/pkg,
# tests/fresh): sourced, defines functions only.

# Remove a root tree: unmount whatever is mounted below it first (deepest
# first; a failed debootstrap leaves /proc mounted inside), so that rm never
# walks into the host's /proc, /sys or /dev.
og_rm_tree() {
	local mnt
	[ -e "$1" ] || return 0
	awk -v p="$1/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt"
	done
	rm -rf --one-file-system "$1"
}

# The Debian mirror apt already uses on this machine (deb822 .sources or
# one-line .list format), so that debootstrap reaches the archive a
# restricted network allows; deb.debian.org when none is configured.
og_debian_mirror() {
	local m
	m=$(sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -n 1)
	[ -n "$m" ] || m=$(sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}
