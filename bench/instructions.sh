#!/usr/bin/env bash
# Instructions executed (valgrind's callgrind) by the parse floor, by the floor plus one cursor
# walk of every tree (`praxis-floor --walk`: the least any checker of trees adds), and by
# `praxis check` with all of a language's practices (40) and with its 8-practice subset, one
# thread, on one package of each corpus. Counts do not move with the machine's load or clock, which the CPU times of
# bench/run.sh do (on a shared 2-core VM, by 20 % between identical runs): this is the figure
# to compare commits and to read the 1.2x and 1.4x targets against.
#
#   bash bench/corpus.sh                                   # once: fetch the corpora
#   cargo build --release --bin praxis --bin praxis-floor  # the binaries measured
#   bash bench/instructions.sh                             # every language below
#   LANGUAGES="python go" bash bench/instructions.sh       # only these
#   BENCH_SMOKE=1 bash bench/instructions.sh               # the tiny bench/smoke/<language>/
#
# About a minute per configuration (callgrind runs code some 50 times slower). Environment:
# PRAXIS, FLOOR (default target/release/…), LANGUAGES, BENCH_OUT (default
# bench/work/instructions: the generated 8-practice subsets and summary.md). Installs valgrind
# (apt-get) and PyYAML (pip) when missing.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$(dirname "$BENCH")"
PRAXIS=${PRAXIS:-target/release/praxis}
FLOOR=${FLOOR:-target/release/praxis-floor}
OUT=${BENCH_OUT:-bench/work/instructions}
LANGUAGES=${LANGUAGES:-python typescript rust go}

# One package per corpus, 2 to 4 MB of source.
declare -A PACKAGE=(
    [python]=django/db
    [typescript]=trpc-server-11.25.2
    [rust]=syn-2.0.100
    [go]=google.golang.org
)

die() { echo "instructions.sh: $*" >&2; exit 1; }
for bin in "$PRAXIS" "$FLOOR"; do
    [[ -x $bin ]] || die "no binary at $bin; build it first: cargo build --release --bin praxis --bin praxis-floor"
done
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

mkdir -p "$OUT"
read -r -a langs <<<"$LANGUAGES"
python3 bench/convert.py --out "$OUT/rules" "${langs[@]}" >&2

# Millions of instructions one command executes.
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | awk '{ printf "%d", $1 / 1e6 }'
}

summary="$OUT/summary.md"
{
    echo "# Instructions: the parse floor and praxis check, one thread"
    echo
    echo "$(date -u +%F), $(nproc) cores, $("$PRAXIS" --version), valgrind $(valgrind --version)."
    echo
    echo "| language | package | floor (M instr.) | floor + walk | walk / floor | praxis, 40 | 40 / floor | praxis, 8 | 8 / floor | 40 / 8 |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$summary"
for language in "${langs[@]}"; do
    corpus="bench/work/corpus/$language/${PACKAGE[$language]}"
    [[ ${BENCH_SMOKE:-0} == 1 ]] && corpus="bench/smoke/$language"
    [[ -d $corpus ]] || die "no corpus at $corpus; fetch it: bash bench/corpus.sh $language"
    echo "instructions.sh: $language ($corpus)" >&2
    floor=$(count "$FLOOR" --jobs 1 --language "$language" "$corpus")
    walked=$(count "$FLOOR" --jobs 1 --walk --language "$language" "$corpus")
    check() { count "$PRAXIS" check "$corpus" --practices "$1" --format json --fail-on never --jobs 1 --no-cache; }
    all=$(check "bench/rules/$language")
    eight=$(check "$OUT/rules/$language/praxis-8")
    awk -v l="$language" -v p="${corpus#bench/work/corpus/$language/}" -v f="$floor" -v w="$walked" \
        -v a="$all" -v e="$eight" 'BEGIN {
        printf "| %s | %s | %d | %d | %.2fx | %d | %.2fx | %d | %.2fx | %.2fx |\n", l, p, f, w, w / f, a, a / f, e, e / f, a / e
    }' >>"$summary"
done
cat "$summary"
