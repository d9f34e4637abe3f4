#!/usr/bin/env bats
# docs/ARCHITECTURE.md against the tree, what can be checked mechanically:
# every file in src/ is in its layout table, every file the page names exists;
# comments cite only what a reader can open (the repository, or the kernel's,
# systemd's and Slurm's own docs and sources); and the pure cores (PURE_SRC in
# the Makefile) link against each other alone.

setup() {
	ARCH=$OG_ROOT/docs/ARCHITECTURE.md
}

# The first column of the layout table, one name per line: `src/x.*` stands
# for src/x.c and src/x.h.
table_files() { # $1 = the page
	awk '/^## Layout/ { on = 1; next } on && /^## / { exit }
		on && /^\| `/ { split($0, cell, "|"); print cell[2] }' "$1" |
		grep -oE '`src/[A-Za-z0-9_.*]+`' | tr -d '`' |
		sed -E 's/^(src\/.*)\.\*$/\1.c\n\1.h/'
}

# Prints one line per file of src/ missing from the table, and per file the
# table names that does not exist.
check_table() { # $1 = the page
	local listed f bad=0
	listed=$(table_files "$1")
	[ -n "$listed" ] || { echo "${1#$OG_ROOT/}: no layout table found (## Layout, rows starting | \`src/...\`)"; return 1; }
	for f in "$OG_ROOT"/src/*.c "$OG_ROOT"/src/*.h; do
		f=src/${f##*/}
		grep -qxF "$f" <<<"$listed" || { echo "$f is not in the layout table of docs/ARCHITECTURE.md: add a row with its one concern"; bad=1; }
	done
	while IFS= read -r f; do
		[ -e "$OG_ROOT/$f" ] || { echo "docs/ARCHITECTURE.md's layout table names $f, which does not exist: fix or drop its row"; bad=1; }
	done <<<"$listed"
	[ "$bad" -eq 0 ]
}

@test "architecture: every src/*.c and src/*.h is in the layout table, and every file the table names exists" {
	run check_table "$ARCH"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "architecture: the table check fails on a missing row and on a row for a file that is gone" {
	grep -v '^| `src/oomd_sample\.c`' "$ARCH" | sed 's/^| `src\/render\.\*`/| `src\/render_gone.*`/' > "$BATS_TEST_TMPDIR/a.md"
	run check_table "$BATS_TEST_TMPDIR/a.md"
	[ "$status" -ne 0 ]
	[[ $output == *"src/oomd_sample.c is not in the layout table"* ]]
	[[ $output == *"src/render.c is not in the layout table"* ]]
	[[ $output == *"names src/render_gone.c, which does not exist"* ]]
}

@test "architecture: every source file the page names (\`x.c\`, \`x.h\`, \`src/...\`, \`tests/...\`) exists" {
	bad=0 n=0
	while IFS= read -r name; do
		n=$((n + 1))
		case $name in
		src/* | tests/* | bench/* | docs/*) [ -e "$OG_ROOT/$name" ] && continue ;;
		*) [ -e "$OG_ROOT/src/$name" ] || [ -n "$(find "$OG_ROOT/tests" "$OG_ROOT/bench" -name "$name" -print -quit)" ] && continue ;;
		esac
		echo "docs/ARCHITECTURE.md names $name, which is not in the tree"; bad=1
	done < <(grep -oE '`[A-Za-z0-9_/.-]+\.(c|h|sh|bats|map)`|\b(src|tests|bench)/[A-Za-z0-9_/.-]+\.(c|h|sh|bats|map)\b' "$ARCH" |
		tr -d '`' | grep -v '\*' | sort -u)
	echo "# $n names checked"
	[ "$n" -gt 40 ]
	[ "$bad" -eq 0 ]
}

# Documents outside the repository that comments used to cite, and any other
# *.md a comment names that is neither in the repository nor systemd's own
# (JOURNAL_EXPORT_FORMATS.md is systemd's docs/).
outside_citations() { # $@ = files or directories to search
	grep -rnE 'DESIGN\.md|kernel-oom\.md|systemd-oomd\.md|anchor-tools\.md|reference/[A-Za-z0-9_-]+\.md|\.\./shared|/work/shared' "$@"
	grep -rnoE '[-A-Za-z0-9_\]+\.md\b' "$@" | sed 's/\\//g' | grep -vE ':(README|ARCHITECTURE|warn|why-json|layers|JOURNAL_EXPORT_FORMATS)\.md$' |
		grep -vE ':(DESIGN|kernel-oom|systemd-oomd|anchor-tools)\.md$'
}

@test "architecture: comments cite the repository or upstream docs, never documents outside the repository" {
	cd "$OG_ROOT"
	run outside_citations src tests/unit tests/fuzz tests/cli/*.bats tests/host tests/helpers tests/fresh tests/vm \
		tests/slurm tests/pkg tests/run-all.sh docs bench Makefile debian
	# This file names the patterns it looks for.
	output=$(grep -v '^tests/cli/architecture\.bats:' <<<"$output" || true)
	[ -z "$output" ] || { echo "cite the kernel's, systemd's or Slurm's own docs instead:"; echo "$output"; false; }
	# The control: a comment citing a file outside the repository is found.
	printf '/* see DESIGN.md \302\2473 */\n/* kernel-oom.md 3.1 */\n/* notes.md */\n' > "$BATS_TEST_TMPDIR/x.c"
	run outside_citations "$BATS_TEST_TMPDIR/x.c"
	[[ $output == *"DESIGN.md"* ]]
	[[ $output == *"kernel-oom.md"* ]]
	[[ $output == *"notes.md"* ]]
}

@test "architecture: the pure cores (PURE_SRC) link against each other alone, and a call to a reader would not" {
	pure=$OG_BUILD/pure
	[ -d "$pure" ] || skip "no $pure: build the unit tests first (make build-tests)"
	command -v ld >/dev/null && command -v nm >/dev/null || skip "binutils not installed"
	# The list in the Makefile is the list built.
	want=$(awk '/^PURE_SRC *:=/ { on = 1 } on { print } on && !/\\$/ { exit }' "$OG_ROOT/Makefile" |
		grep -oE '[a-z_]+\.c' | sed 's/\.c$/.o/' | sort)
	[ -n "$want" ]
	# Every listed core is built (a tree built before a rename may hold more).
	objs=()
	for o in $want; do
		[ -e "$pure/$o" ] || { echo "PURE_SRC names $o, not built in $pure"; false; }
		objs+=("$pure/$o")
	done
	# Linked together, they leave no oomguard symbol undefined.
	ld -r -o "$BATS_TEST_TMPDIR/pure.o" "${objs[@]}"
	undef=$(nm -u "$BATS_TEST_TMPDIR/pure.o" | awk '{ print $2 }' | grep '^og_' || true)
	[ -z "$undef" ] || { echo "the pure cores call outside PURE_SRC:" $undef; false; }
	# The control: a core calling util's reader or proc.c's parser leaves it undefined.
	printf '#include <stddef.h>\nlong og_read_at(int, const char *, char *, size_t);\nint og_parse_stat(const char *, size_t, void *);\n' > "$BATS_TEST_TMPDIR/probe.c"
	printf 'long og_zz_probe(void);\nlong og_zz_probe(void) { char b[8]; return og_read_at(0, "x", b, 8) + og_parse_stat(b, 0, b); }\n' >> "$BATS_TEST_TMPDIR/probe.c"
	cc -c -o "$BATS_TEST_TMPDIR/probe.o" "$BATS_TEST_TMPDIR/probe.c"
	ld -r -o "$BATS_TEST_TMPDIR/probe-pure.o" "${objs[@]}" "$BATS_TEST_TMPDIR/probe.o"
	undef=$(nm -u "$BATS_TEST_TMPDIR/probe-pure.o" | awk '{ print $2 }' | grep '^og_' | sort | tr '\n' ' ')
	[ "$undef" = "og_parse_stat og_read_at " ] || { echo "control: undefined after the probe: '$undef'"; false; }
}
