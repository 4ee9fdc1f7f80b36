#!/usr/bin/env bash
# Fetch the benchmark corpora, one per language, each pinned by version and sha256 and unpacked
# into bench/work/corpus/<language>/ (git-ignored) by bench/corpus/<language>.sh.
#
#   bash bench/corpus.sh                      # every language that has a script
#   bash bench/corpus.sh python typescript    # only these
#
# Idempotent: each script skips what it has already fetched and unpacked.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -eq 0 ]]; then
    set --
    for script in "$BENCH"/corpus/*.sh; do
        set -- "$@" "$(basename "$script" .sh)"
    done
fi

for language in "$@"; do
    script="$BENCH/corpus/$language.sh"
    [[ -f "$script" ]] || { echo "corpus.sh: no corpus script for $language ($script)" >&2; exit 1; }
    bash "$script"
done
