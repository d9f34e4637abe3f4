#!/usr/bin/env bats
# oomguard why on the corpus of real OOM logs that users posted publicly
# (tests/corpus/*.log, their sources in tests/corpus/SOURCES): every log's
# events must be exactly its .expected kills, written from reading the log.
# The matching rules are in tests/cli/why_corpus.py; bench/why-corpus.sh
# prints recall and precision over the same corpus.

C="$OG_ROOT/tests/corpus"

corpus_present() {
	ls "$C"/[0-9]*.log >/dev/null 2>&1 || { echo "no corpus logs in $C"; return 1; }
}

@test "why corpus: every real log gives exactly its expected kills" {
	corpus_present
	run python3 "$OG_ROOT/tests/cli/why_corpus.py" "$OG_BIN" "$C" --strict
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "why corpus: the synthetic variants (classes no real post was found for) give their expected kills" {
	ls "$C"/synthetic/S*.log >/dev/null 2>&1 || { echo "no synthetic logs in $C/synthetic"; return 1; }
	run python3 "$OG_ROOT/tests/cli/why_corpus.py" "$OG_BIN" "$C/synthetic" --strict
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "why corpus: no kill is invented on a negative case" {
	corpus_present
	n=0
	for e in "$C"/[0-9]*.expected; do
		grep -q '^kill ' "$e" && continue
		n=$((n + 1))
		out=$("$OG_BIN" why --json --file "${e%.expected}.log" | jq -c 'select(.no_killable | not)')
		[ -z "$out" ] || { echo "$(basename "$e"): $out"; return 1; }
	done
	[ "$n" -ge 5 ]
}

@test "why corpus: every log has an expected file and a source" {
	corpus_present
	for l in "$C"/[0-9]*.log; do
		b=$(basename "$l" .log)
		[ -f "$C/$b.expected" ] || { echo "$b: no .expected"; return 1; }
		grep -q "^$b[[:space:]]" "$C/SOURCES" || { echo "$b: not in SOURCES"; return 1; }
		grep -q "^$b[[:space:]]*https\?://" "$C/SOURCES" || grep -q "^$b[[:space:]].*https\?://" "$C/SOURCES" ||
			{ echo "$b: no source URL"; return 1; }
	done
}
