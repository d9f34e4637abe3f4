#!/usr/bin/env bash
# Recall and precision of `oomguard why --file LOG --json` over the corpus of
# real OOM logs users posted (tests/corpus/): recall = expected kills found
# with the right killer and victim (pid and comm, or the killed cgroup),
# precision = reported events that are expected kills.  -v lists each log.
# Env: OG_BIN (default ./oomguard), OG_CORPUS (default tests/corpus).
set -u
cd "$(dirname "$0")/.."
og=${OG_BIN:-$PWD/oomguard}
corpus=${OG_CORPUS:-$PWD/tests/corpus}
[ -x "$og" ] || { echo "bench/why-corpus.sh: build oomguard first (make)"; exit 1; }
exec python3 tests/cli/why_corpus.py "$og" "$corpus" "$@"
