#!/usr/bin/env bash
# CPU time of `praxis check` against `ast-grep scan` with the same rules on the same corpus.
#
#   bash bench/corpus.sh               # once: Django 5.2.8 from PyPI into bench/work/corpus
#   cargo build --release -p praxis    # the binary measured: target/release/praxis
#   bash bench/run.sh                  # about 5-10 minutes on 2 cores
#
# Measured, for each tool with 32 rules and with 8 rules (bench/rules/{praxis,ast-grep}[-8]),
# single-threaded (`--jobs 1` / `--threads 1`) and with the default thread count:
#
#   praxis check bench/work/corpus --practices DIR --format json --fail-on never [--jobs 1]
#   ast-grep scan -c DIR/sgconfig.yml bench/work/corpus --json=compact [--threads 1]
#
# One warm-up run of every configuration (its output kept for the finding counts), then RUNS
# rounds that run every configuration once each (round-robin, so that a slow spell of the
# machine hits all of them alike), stdout to /dev/null. GNU time records user + sys CPU
# seconds, wall seconds and max RSS. The table shows medians of CPU and wall and the largest
# RSS; ratios are praxis / ast-grep (below 1 means praxis is cheaper).
#
# Installs what it lacks: Debian's `time` package (apt-get) for /usr/bin/time, ast-grep-cli
# 0.51.1 and PyYAML (pip). The ast-grep rules are regenerated from the Praxis ones first
# (bench/convert.py), so the two sets cannot drift.
#
# Environment: PRAXIS (default target/release/praxis), AST_GREP (default: the ast-grep-cli
# binary itself, not a pyenv shim, whose bash start-up would be timed too), RUNS (default 5).
# Results go to bench/work/run/ (times.tsv, the warm-up outputs, summary.md).
set -euo pipefail

RUNS=${RUNS:-5}
AST_GREP_VERSION=0.51.1

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
cd "$ROOT"
CORPUS=bench/work/corpus
OUT=bench/work/run
PRAXIS=${PRAXIS:-target/release/praxis}

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------

if [[ ! -x "$PRAXIS" ]]; then
    die "no praxis binary at $PRAXIS; build it first: cargo build --release -p praxis (or set PRAXIS=path)"
fi

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

bash bench/corpus.sh >&2
python3 bench/convert.py >&2

rm -rf "$OUT"
mkdir -p "$OUT"

say "praxis:   $PRAXIS ${PRAXIS_FLAGS[*]:-} ($("$PRAXIS" --version 2>/dev/null || echo 'version unknown'))"
say "ast-grep: $AST_GREP ($("$AST_GREP" --version))"
say "machine:  $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if awk '{exit !($1 > 0.5)}' /proc/loadavg; then
    say "run.sh: warning: the machine is busy (1-minute load above 0.5); other work skews the"
    say "        CPU times too (shared caches, frequency), not only the wall times"
fi

# --- configurations ----------------------------------------------------------------------
# label|tool|rules|threads; threads is 1 or "default".

CONFIGS=()
for threads in 1 default; do
    for rules in 32 8; do
        for tool in praxis ast-grep; do
            CONFIGS+=("$tool-$rules-t$threads|$tool|$rules|$threads")
        done
    done
done

command_for() { # tool rules threads -> the command, one word per line
    local tool=$1 rules=$2 threads=$3 dir
    if [[ $tool == praxis ]]; then
        dir=bench/rules/praxis; [[ $rules == 8 ]] && dir=bench/rules/praxis-8
        printf '%s\n' "$PRAXIS" check "$CORPUS" --practices "$dir" --format json --fail-on never
        [[ $threads == 1 ]] && printf '%s\n' --jobs 1
        [[ ${#PRAXIS_FLAGS[@]} -gt 0 ]] && printf '%s\n' "${PRAXIS_FLAGS[@]}"
    else
        dir=bench/rules/ast-grep; [[ $rules == 8 ]] && dir=bench/rules/ast-grep-8
        printf '%s\n' "$AST_GREP" scan -c "$dir/sgconfig.yml" "$CORPUS" --json=compact
        [[ $threads == 1 ]] && printf '%s\n' --threads 1
    fi
    return 0
}

printf 'label\ttool\trules\tthreads\trun\tuser\tsys\twall\tmaxrss_kb\n' >"$OUT/times.tsv"

run_one() { # config run-number stdout-file
    local label tool rules threads cmd rc=0
    IFS='|' read -r label tool rules threads <<<"$1"
    mapfile -t cmd < <(command_for "$tool" "$rules" "$threads")
    /usr/bin/time -f '%U %S %e %M' -o "$OUT/time.txt" "${cmd[@]}" >"$3" 2>"$OUT/$label.stderr" \
        || rc=$?
    # ast-grep exits 1 when a rule of severity error matched; praxis with --fail-on never
    # exits 0 unless something is wrong (2: usage, configuration or practice errors).
    if [[ $rc -ne 0 && ! ($tool == ast-grep && $rc -eq 1) ]]; then
        say "run.sh: $label exited with $rc: ${cmd[*]}"
        sed -n '1,20p' "$OUT/$label.stderr" >&2
        exit 1
    fi
    read -r user sys wall rss < <(tail -n 1 "$OUT/time.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$label" "$tool" "$rules" "$threads" "$2" "$user" "$sys" "$wall" "$rss" >>"$OUT/times.tsv"
    say "  $(printf '%-22s' "$label") run $2: cpu $(awk "BEGIN{print $user+$sys}") s, wall $wall s"
}

say "warm-up (outputs kept in $OUT for the finding counts)"
for c in "${CONFIGS[@]}"; do
    run_one "$c" 0 "$OUT/${c%%|*}.json"
done

for ((i = 1; i <= RUNS; i++)); do
    say "round $i of $RUNS"
    for c in "${CONFIGS[@]}"; do
        run_one "$c" "$i" /dev/null
    done
done

# --- report ------------------------------------------------------------------------------

python3 - "$OUT" "$(nproc)" <<'PY' | tee "$OUT/summary.md"
import collections, csv, json, statistics, sys
from pathlib import Path

out, cores = Path(sys.argv[1]), sys.argv[2]
rows = [r for r in csv.DictReader(open(out / "times.tsv"), delimiter="\t") if r["run"] != "0"]
runs = collections.defaultdict(list)
for r in rows:
    runs[(r["tool"], r["rules"], r["threads"])].append(r)

def stats(key):
    rs = runs[key]
    cpu = statistics.median(float(r["user"]) + float(r["sys"]) for r in rs)
    wall = statistics.median(float(r["wall"]) for r in rs)
    rss = max(int(r["maxrss_kb"]) for r in rs) / 1024
    return cpu, wall, rss, len(rs)

def threads_label(t):
    return "1" if t == "1" else f"default ({cores} cores)"

print(f"### CPU time, django 5.2.8 ({cores} cores)\n")
print("| tool | rules | threads | median CPU s | median wall s | max RSS MB | runs |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
for threads in ("1", "default"):
    for rules in ("32", "8"):
        for tool in ("praxis", "ast-grep"):
            cpu, wall, rss, n = stats((tool, rules, threads))
            print(f"| {tool} | {rules} | {threads_label(threads)} | {cpu:.2f} | {wall:.2f} "
                  f"| {rss:.0f} | {n} |")

print("\n### praxis / ast-grep\n")
print("| rules | threads | CPU | wall | max RSS |")
print("| ---: | --- | ---: | ---: | ---: |")
for threads in ("1", "default"):
    for rules in ("32", "8"):
        p, a = stats(("praxis", rules, threads)), stats(("ast-grep", rules, threads))
        print(f"| {rules} | {threads_label(threads)} | {p[0] / a[0]:.2f}x | {p[1] / a[1]:.2f}x "
              f"| {p[2] / a[2]:.2f}x |")

print("\n### 8 -> 32 rules (CPU, median; Praxis target for 8 -> 40: at most 1.4x)\n")
print("| tool | threads | 8 rules s | 32 rules s | 32 / 8 |")
print("| --- | --- | ---: | ---: | ---: |")
for threads in ("1", "default"):
    for tool in ("praxis", "ast-grep"):
        c8, c32 = stats((tool, "8", threads))[0], stats((tool, "32", threads))[0]
        print(f"| {tool} | {threads_label(threads)} | {c8:.2f} | {c32:.2f} | {c32 / c8:.2f}x |")

def praxis_counts(path):
    doc = json.loads(path.read_text())
    return collections.Counter(f["practice"] for f in doc["findings"]), doc

def ast_grep_counts(path):
    return collections.Counter(m["ruleId"] for m in json.loads(path.read_text()))

print("\n### Findings per rule (warm-up run, default threads)\n")
equal = True
for rules in ("32", "8"):
    p, doc = praxis_counts(out / f"praxis-{rules}-tdefault.json")
    a = ast_grep_counts(out / f"ast-grep-{rules}-tdefault.json")
    if praxis_counts(out / f"praxis-{rules}-t1.json")[0] != p:
        equal = False
        print(f"praxis, {rules} rules: --jobs 1 and default threads found different counts\n")
    if ast_grep_counts(out / f"ast-grep-{rules}-t1.json") != a:
        equal = False
        print(f"ast-grep, {rules} rules: --threads 1 and default found different counts\n")
    for err in doc.get("errors", []):
        equal = False
        print(f"praxis error ({rules} rules): {json.dumps(err)}\n")
    files = doc.get("summary", {}).get("files", "?")
    if rules == "8":
        same = p == a
        equal &= same
        print(f"8 rules: praxis {sum(p.values())} findings in {files} files checked, "
              f"ast-grep {sum(a.values())}{'' if same else ' (per-rule counts differ)'}")
        continue
    ids = sorted(set(p) | set(a) | {f.stem for f in Path("bench/rules/praxis").glob("*.yaml")})
    print("| rule | praxis | ast-grep | |")
    print("| --- | ---: | ---: | --- |")
    for rule in ids:
        mark = "" if p[rule] == a[rule] else "differs"
        equal &= not mark
        print(f"| {rule} | {p[rule]} | {a[rule]} | {mark} |")
    print(f"| **total** | **{sum(p.values())}** | **{sum(a.values())}** | |")
    print(f"\npraxis checked {files} files.\n")
print("All per-rule counts equal." if equal else "Some counts differ: see above.")
PY
