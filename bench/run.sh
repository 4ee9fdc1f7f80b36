#!/usr/bin/env bash
# `praxis check` and `ast-grep scan` against the parse floor, with the same rules on the same
# corpora, one corpus per language.
#
#   bash bench/corpus.sh                                   # once: fetch the corpora
#   cargo build --release --bin praxis --bin praxis-floor  # the binaries measured
#   bash bench/run.sh                                      # every language with a corpus
#   LANGUAGES="python go" bash bench/run.sh                # only these
#   BENCH_SMOKE=1 bash bench/run.sh                        # tiny committed corpora, one run
#
# For each language (bench/rules/<language>/ holds its practices, bench/work/corpus/<language>/
# its corpus), ten configurations, each single-threaded and with the default thread count:
#
#   praxis-floor --language L CORPUS [--jobs 1]            walk, read and parse; nothing else
#   praxis check CORPUS --practices DIR --format json --fail-on never [--jobs 1]
#   ast-grep scan -c DIR/sgconfig.yml CORPUS --json=compact [--threads 1]
#
# with all the language's practices (40) and with its 8-practice subset (subset-8.txt); and,
# when praxis has its result cache, three more, one thread, 40 practices, on a copy of the
# corpus in the output folder with a cache folder of their own:
#
#   cache first        praxis check COPY … --jobs 1 --cache-dir EMPTY     (a first run: checks, fills)
#   cache unchanged    praxis check COPY … --jobs 1 --cache-dir WARM      (an unchanged re-run)
#   cache one-changed  the same after one line is appended to the copy's largest file
#
# One
# warm-up run of every configuration (its output kept for the finding counts), then RUNS rounds
# that run every configuration once each (round-robin, so that a slow spell of the machine hits
# all of them alike), stdout to /dev/null. GNU time records user + sys CPU seconds, wall
# seconds and max RSS. The report shows medians of CPU and wall and the largest RSS, every
# figure as a ratio to the floor's at the same thread count, praxis / ast-grep, the cost of
# 8 -> 40 practices, and the findings of both tools compared rule by rule.
#
# Installs what it lacks: Debian's `time` package (apt-get) for /usr/bin/time, ast-grep-cli
# 0.51.1 and PyYAML (pip). The ast-grep rules are regenerated from the Praxis ones first
# (bench/convert.py, into the output folder), so the two sets cannot drift.
#
# Environment: PRAXIS (default target/release/praxis), FLOOR (default
# target/release/praxis-floor), AST_GREP (default: the ast-grep-cli binary itself, not a pyenv
# shim, whose bash start-up would be timed too), RUNS (default 5; 1 in smoke mode), LANGUAGES
# (default: every language with practices and a corpus), BENCH_OUT (default bench/work/run;
# times.tsv, the warm-up outputs, the generated rules and summary.md), BENCH_SMOKE=1 (read
# bench/smoke/<language>/ instead of the fetched corpora; fetches nothing).
set -euo pipefail

AST_GREP_VERSION=0.51.1
SMOKE=${BENCH_SMOKE:-0}
if [[ $SMOKE == 1 ]]; then RUNS=${RUNS:-1}; else RUNS=${RUNS:-5}; fi

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
cd "$ROOT"
OUT=${BENCH_OUT:-bench/work/run}
PRAXIS=${PRAXIS:-target/release/praxis}
FLOOR=${FLOOR:-target/release/praxis-floor}

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------

for bin in "$PRAXIS" "$FLOOR"; do
    [[ -x "$bin" ]] || die "no binary at $bin; build it first: cargo build --release --bin praxis --bin praxis-floor (or set PRAXIS=path FLOOR=path)"
done

if [[ ! -x /usr/bin/time ]]; then
    say "run.sh: /usr/bin/time missing; installing Debian's time package"
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

find_ast_grep() {
    if [[ -n "${AST_GREP:-}" ]]; then echo "$AST_GREP"; return; fi
    if command -v pyenv >/dev/null && pyenv which ast-grep >/dev/null 2>&1; then
        pyenv which ast-grep; return
    fi
    command -v ast-grep || true
}
AST_GREP=$(find_ast_grep)
if [[ -z "$AST_GREP" ]] || ! "$AST_GREP" --version 2>/dev/null | grep -q "$AST_GREP_VERSION"; then
    say "run.sh: installing ast-grep-cli==$AST_GREP_VERSION"
    python3 -m pip install --quiet "ast-grep-cli==$AST_GREP_VERSION"
    unset AST_GREP
    AST_GREP=$(find_ast_grep)
fi
[[ -n "$AST_GREP" ]] || die "ast-grep not found after installing ast-grep-cli"
# Not `sg`: on Debian that name is an unrelated system tool.

PRAXIS_FLAGS=()
# Praxis answers an unchanged re-run from a cache (DESIGN.md); measure the real work.
if "$PRAXIS" check --help 2>&1 | grep -q -- '--no-cache'; then
    PRAXIS_FLAGS+=(--no-cache)
fi

# --- inputs ------------------------------------------------------------------------------

corpus_of() { # language -> the folder both tools and the floor read
    if [[ $SMOKE == 1 ]]; then echo "bench/smoke/$1"; else echo "bench/work/corpus/$1"; fi
}

if [[ -z "${LANGUAGES:-}" ]]; then
    LANGUAGES=""
    for dir in bench/rules/*/; do
        language=$(basename "$dir")
        compgen -G "$dir*.yaml" >/dev/null || continue
        if [[ $SMOKE == 1 ]]; then
            [[ -d bench/smoke/$language ]] || { say "run.sh: no smoke corpus for $language; skipped"; continue; }
        else
            [[ -f bench/corpus/$language.sh ]] || { say "run.sh: no corpus script for $language; skipped"; continue; }
        fi
        LANGUAGES+="$language "
    done
fi
read -r -a LANGS <<<"$LANGUAGES"
[[ ${#LANGS[@]} -gt 0 ]] || die "no language to measure"

if [[ $SMOKE != 1 ]]; then
    bash bench/corpus.sh "${LANGS[@]}" >&2
fi
for language in "${LANGS[@]}"; do
    [[ -d $(corpus_of "$language") ]] || die "no corpus for $language in $(corpus_of "$language")"
done

rm -rf "$OUT"
mkdir -p "$OUT"
python3 bench/convert.py --out "$OUT/rules" "${LANGS[@]}" >&2

say "praxis:   $PRAXIS ${PRAXIS_FLAGS[*]:-} ($("$PRAXIS" --version 2>/dev/null || echo 'version unknown'))"
say "floor:    $FLOOR"
say "ast-grep: $AST_GREP ($("$AST_GREP" --version))"
say "machine:  $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if awk '{exit !($1 > 0.5)}' /proc/loadavg; then
    say "run.sh: warning: the machine is busy (1-minute load above 0.5); other work skews the"
    say "        CPU times too (shared caches, frequency), not only the wall times"
fi
printf '%s\n' "$(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" \
    >"$OUT/machine.txt"

# --- configurations ----------------------------------------------------------------------
# language|tool|rules|threads; tool is floor, praxis or ast-grep; rules is all or 8 (floor: -);
# threads is 1 or "default".

# tool "cache" runs praxis with its result cache; its rules field names the run: first,
# unchanged or one-changed (all practices, one thread).

CONFIGS=()
for language in "${LANGS[@]}"; do
    for threads in 1 default; do
        CONFIGS+=("$language|floor|-|$threads")
        for rules in all 8; do
            for tool in praxis ast-grep; do
                CONFIGS+=("$language|$tool|$rules|$threads")
            done
        done
    done
    if [[ ${#PRAXIS_FLAGS[@]} -gt 0 ]]; then
        for run in first unchanged one-changed; do
            CONFIGS+=("$language|cache|$run|1")
        done
    fi
done

# The cache runs read a copy of the corpus, so that the changed file is never the corpus's own.
declare -A CHANGED # language -> the copy's largest file, the one the one-changed run edits
declare -A EXTENSION=([python]=py [typescript]=ts [rust]=rs [go]=go)
declare -A COMMENT=([python]="#" [typescript]="//" [rust]="//" [go]="//")
if [[ ${#PRAXIS_FLAGS[@]} -gt 0 ]]; then
    for language in "${LANGS[@]}"; do
        copy=$OUT/cache-corpus/$language
        mkdir -p "$(dirname "$copy")"
        cp -a "$(corpus_of "$language")" "$copy"
        [[ -n ${EXTENSION[$language]:-} ]] || die "run.sh does not know how to change a $language file"
        changed=$(find "$copy" -type f -name "*.${EXTENSION[$language]}" -printf '%s %p\n' |
            sort -n | tail -n 1 | cut -d' ' -f2-)
        [[ -n $changed ]] || die "no $language file to change in $copy"
        cp "$changed" "$OUT/cache-$language.orig"
        CHANGED[$language]=$changed
        printf '%s\t%s\n' "${changed#"$copy"/}" "$(stat -c %s "$changed")" >"$OUT/cache-$language-changed.tsv"
    done
fi

label_of() { # config -> a file-name-safe label
    local language tool rules threads
    IFS='|' read -r language tool rules threads <<<"$1"
    if [[ $tool == floor ]]; then echo "$language-floor-t$threads"; else echo "$language-$tool-$rules-t$threads"; fi
}

command_for() { # language tool rules threads -> the command, one word per line
    local language=$1 tool=$2 rules=$3 threads=$4 corpus dir
    corpus=$(corpus_of "$language")
    case $tool in
    floor)
        printf '%s\n' "$FLOOR" --language "$language" "$corpus"
        [[ $threads == 1 ]] && printf '%s\n' --jobs 1
        ;;
    praxis)
        dir=bench/rules/$language; [[ $rules == 8 ]] && dir=$OUT/rules/$language/praxis-8
        printf '%s\n' "$PRAXIS" check "$corpus" --practices "$dir" --format json --fail-on never
        [[ $threads == 1 ]] && printf '%s\n' --jobs 1
        [[ ${#PRAXIS_FLAGS[@]} -gt 0 ]] && printf '%s\n' "${PRAXIS_FLAGS[@]}"
        ;;
    ast-grep)
        dir=$OUT/rules/$language/ast-grep; [[ $rules == 8 ]] && dir=$OUT/rules/$language/ast-grep-8
        printf '%s\n' "$AST_GREP" scan -c "$dir/sgconfig.yml" "$corpus" --json=compact
        [[ $threads == 1 ]] && printf '%s\n' --threads 1
        ;;
    cache)
        dir=$OUT/cache/$language-warm; [[ $rules == first ]] && dir=$OUT/cache/$language-first
        printf '%s\n' "$PRAXIS" check "$OUT/cache-corpus/$language" --practices "bench/rules/$language" \
            --format json --fail-on never --jobs 1 --cache-dir "$dir"
        ;;
    esac
    return 0
}

printf 'language\ttool\trules\tthreads\trun\tuser\tsys\twall\tmaxrss_kb\n' >"$OUT/times.tsv"

run_one() { # config run-number stdout-file
    local language tool rules threads label cmd rc=0
    IFS='|' read -r language tool rules threads <<<"$1"
    label=$(label_of "$1")
    mapfile -t cmd < <(command_for "$language" "$tool" "$rules" "$threads")
    if [[ $tool == cache && $rules == first ]]; then
        rm -rf "$OUT/cache/$language-first"
    elif [[ $tool == cache && $rules == one-changed ]]; then
        # A line the cache has never seen, so that exactly this file is checked again.
        { cat "$OUT/cache-$language.orig"; printf '\n%s changed for run %s\n' "${COMMENT[$language]}" "$2"; } \
            >"${CHANGED[$language]}"
    fi
    /usr/bin/time -f '%U %S %e %M' -o "$OUT/time.txt" "${cmd[@]}" >"$3" 2>"$OUT/$label.stderr" \
        || rc=$?
    # ast-grep exits 1 when a rule of severity error matched; praxis with --fail-on never
    # exits 0 unless something is wrong (2: usage, configuration or practice errors).
    if [[ $rc -ne 0 && ! ($tool == ast-grep && $rc -eq 1) ]]; then
        say "run.sh: $label exited with $rc: ${cmd[*]}"
        sed -n '1,20p' "$OUT/$label.stderr" >&2
        exit 1
    fi
    if [[ $tool == cache && $rules == one-changed ]]; then
        cp "$OUT/cache-$language.orig" "${CHANGED[$language]}"
    fi
    read -r user sys wall rss < <(tail -n 1 "$OUT/time.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$language" "$tool" "$rules" "$threads" "$2" "$user" "$sys" "$wall" "$rss" >>"$OUT/times.tsv"
    say "  $(printf '%-34s' "$label") run $2: cpu $(awk "BEGIN{print $user+$sys}") s, wall $wall s"
}

say "warm-up (outputs kept in $OUT for the finding counts)"
for c in "${CONFIGS[@]}"; do
    run_one "$c" 0 "$OUT/$(label_of "$c").json"
done

for ((i = 1; i <= RUNS; i++)); do
    say "round $i of $RUNS"
    for c in "${CONFIGS[@]}"; do
        run_one "$c" "$i" /dev/null
    done
done

# --- report ------------------------------------------------------------------------------

python3 bench/report.py "$OUT" "$(nproc)" "$SMOKE" "${LANGS[@]}" | tee "$OUT/summary.md"
