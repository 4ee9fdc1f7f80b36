#!/usr/bin/env python3
"""The report of bench/run.sh, in Markdown on stdout (run.sh keeps it as summary.md).

    python3 bench/report.py OUT CORES SMOKE LANGUAGE...

Reads OUT/times.tsv (one line per timed run; run 0 is the warm-up and is not counted), the
warm-up outputs OUT/<language>-<config>.json: the floor's totals, praxis' `--format json`
(findings[].practice) and ast-grep's `--json=compact` (ruleId), and for the result cache's runs
OUT/cache-<language>-changed.tsv (the changed file's path and size). Every time is the median over
the runs, every RSS the largest; ratios to the floor compare like with like (same language,
same thread count).
"""

import collections
import csv
import json
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main():
    out, cores, smoke, languages = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
    rows = [r for r in csv.DictReader(open(out / "times.tsv"), delimiter="\t") if r["run"] != "0"]
    runs = collections.defaultdict(list)
    for r in rows:
        runs[(r["language"], r["tool"], r["rules"], r["threads"])].append(r)

    def stats(key):
        rs = runs[key]
        cpu = statistics.median(float(r["user"]) + float(r["sys"]) for r in rs)
        wall = statistics.median(float(r["wall"]) for r in rs)
        rss = max(int(r["maxrss_kb"]) for r in rs) / 1024
        return cpu, wall, rss, len(rs)

    def ratio(a, b):
        return f"{a / b:.2f}x" if b > 0 else "n/a"

    threads_all = ("1", "default")

    def threads_label(t):
        return "1" if t == "1" else f"default ({cores} cores)"

    where = "the smoke corpora (bench/smoke/)" if smoke else "the corpora (bench/work/corpus/)"
    print(f"# praxis check, ast-grep scan and the parse floor on {where}\n")
    print(f"Machine: {(out / 'machine.txt').read_text().strip()}.\n")

    summary = []
    all_equal = True
    for language in languages:
        count = len(list((BENCH / "rules" / language).glob("*.yaml")))
        rule_sets = (("all", str(count)), ("8", "8"))
        floor = json.loads((out / f"{language}-floor-tdefault.json").read_text())
        mb = floor["bytes"] / 1e6
        print(f"## {language}\n")
        print(f"Corpus: {floor['files']} files, {mb:.1f} MB, {floor['nodes']:,} syntax nodes "
              f"(as the floor read them).\n")

        print(f"### Times, {language}\n")
        print("| configuration | rules | threads | median CPU s | median wall s | max RSS MB | runs |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for threads in threads_all:
            cpu, wall, rss, n = stats((language, "floor", "-", threads))
            print(f"| floor | - | {threads_label(threads)} | {cpu:.2f} | {wall:.2f} | {rss:.0f} | {n} |")
            for rules, shown in rule_sets:
                for tool in ("praxis", "ast-grep"):
                    cpu, wall, rss, n = stats((language, tool, rules, threads))
                    print(f"| {tool} | {shown} | {threads_label(threads)} | {cpu:.2f} | {wall:.2f} "
                          f"| {rss:.0f} | {n} |")

        print(f"\n### Ratios to the parse floor, {language} (target: praxis CPU at most 1.2x)\n")
        print("| tool | rules | CPU, 1 thread | CPU, default | wall, 1 thread | wall, default "
              "| max RSS, 1 thread | max RSS, default |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for tool in ("praxis", "ast-grep"):
            for rules, shown in rule_sets:
                cells = []
                for i in range(3):
                    for threads in threads_all:
                        f = stats((language, "floor", "-", threads))
                        t = stats((language, tool, rules, threads))
                        cells.append(ratio(t[i], f[i]))
                print(f"| {tool} | {shown} | " + " | ".join(cells) + " |")

        print(f"\n### praxis / ast-grep, {language}\n")
        print("| rules | threads | CPU | wall | max RSS |")
        print("| ---: | --- | ---: | ---: | ---: |")
        for threads in threads_all:
            for rules, shown in rule_sets:
                p, a = stats((language, "praxis", rules, threads)), stats((language, "ast-grep", rules, threads))
                print(f"| {shown} | {threads_label(threads)} | {ratio(p[0], a[0])} | {ratio(p[1], a[1])} "
                      f"| {ratio(p[2], a[2])} |")

        print(f"\n### 8 -> {count} practices, {language} (CPU, median; praxis target: at most 1.4x)\n")
        print(f"| tool | threads | 8 practices s | {count} practices s | {count} / 8 |")
        print("| --- | --- | ---: | ---: | ---: |")
        for threads in threads_all:
            for tool in ("praxis", "ast-grep"):
                c8, call = stats((language, tool, "8", threads))[0], stats((language, tool, "all", threads))[0]
                print(f"| {tool} | {threads_label(threads)} | {c8:.2f} | {call:.2f} | {ratio(call, c8)} |")

        cached = cache(out, language, count, stats, ratio, runs)
        equal, totals = findings(out, language, count, floor)
        all_equal &= equal
        p1 = stats((language, "praxis", "all", "1"))[0]
        pd = stats((language, "praxis", "all", "default"))[0]
        f1 = stats((language, "floor", "-", "1"))[0]
        fd = stats((language, "floor", "-", "default"))[0]
        a1 = stats((language, "ast-grep", "all", "1"))[0]
        p8 = stats((language, "praxis", "8", "1"))[0]
        summary.append((language, floor["files"], mb, count, ratio(p1, f1), ratio(pd, fd),
                        ratio(a1, f1), ratio(p1, a1), ratio(p1, p8), cached, totals, equal))

    print("## All languages\n")
    print(f"CPU ratios to the parse floor with all practices; praxis targets: at most 1.2x the floor, "
          f"8 -> all practices at most 1.4x, an unchanged re-run from the result cache at most 0.10x "
          f"a first run. Default threads: {cores} cores.\n")
    print("| language | files | MB | practices | praxis / floor, 1 thread | praxis / floor, default "
          "| ast-grep / floor, 1 thread | praxis / ast-grep, 1 thread | praxis 8 -> all, 1 thread "
          "| cached re-run / first run | findings praxis / ast-grep | per-rule counts |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for (language, files, mb, count, pf1, pfd, af1, pa1, p81, cached, (pt, at), equal) in summary:
        print(f"| {language} | {files} | {mb:.1f} | {count} | {pf1} | {pfd} | {af1} | {pa1} | {p81} "
              f"| {cached} | {pt} / {at} | {'equal' if equal else 'differ'} |")
    print()
    print("All per-rule counts equal." if all_equal else "Some counts differ: see above.")


def cache(out, language, count, stats, ratio, runs):
    """Prints the result cache's table of one language; returns unchanged / first (CPU)."""
    if (language, "cache", "first", "1") not in runs:
        return "n/a"
    path, size = (out / f"cache-{language}-changed.tsv").read_text().split("\t")
    first = stats((language, "cache", "first", "1"))
    print(f"\n### Result cache, {language} ({count} practices, 1 thread; target: an unchanged "
          f"re-run at most 0.10x a first run's CPU)\n")
    print("| run | median CPU s | median wall s | CPU / first run | runs |")
    print("| --- | ---: | ---: | ---: | ---: |")
    shown = (("first", "first run (empty cache folder)"), ("unchanged", "unchanged re-run"),
             ("one-changed", f"one file changed (`{path}`, {int(size) / 1024:.0f} KiB)"))
    for run, label in shown:
        cpu, wall, _, n = stats((language, "cache", run, "1"))
        print(f"| {label} | {cpu:.2f} | {wall:.2f} | {ratio(cpu, first[0])} | {n} |")
    cpu, wall, _, n = stats((language, "praxis", "all", "1"))
    print(f"| `--no-cache` (the praxis row above) | {cpu:.2f} | {wall:.2f} | {ratio(cpu, first[0])} | {n} |")

    def counts(label):
        doc = json.loads((out / f"{language}-{label}.json").read_text())
        return collections.Counter(f["practice"] for f in doc["findings"])

    plain = counts("praxis-all-t1")
    same = [run for run, _ in shown if counts(f"cache-{run}-t1") == plain]
    other = [run for run, _ in shown if run not in same]
    print(f"\nPer-rule counts equal to `--no-cache`'s: {', '.join(same) or 'none'}"
          f"{'; they differ: ' + ', '.join(other) if other else ''}.")
    return ratio(stats((language, "cache", "unchanged", "1"))[0], first[0])


def findings(out, language, count, floor):
    """Prints the per-rule comparison of one language; returns (all equal, (praxis, ast-grep))."""

    def praxis_counts(path):
        doc = json.loads(path.read_text())
        return collections.Counter(f["practice"] for f in doc["findings"]), doc

    def ast_grep_counts(path):
        return collections.Counter(m["ruleId"] for m in json.loads(path.read_text()))

    print(f"\n### Findings per rule, {language} (warm-up run, default threads)\n")
    equal = True
    notes = []
    result = None
    for rules in ("all", "8"):
        p, doc = praxis_counts(out / f"{language}-praxis-{rules}-tdefault.json")
        a = ast_grep_counts(out / f"{language}-ast-grep-{rules}-tdefault.json")
        if praxis_counts(out / f"{language}-praxis-{rules}-t1.json")[0] != p:
            equal = False
            notes.append(f"praxis, {rules} practices: --jobs 1 and default threads found different counts")
        if ast_grep_counts(out / f"{language}-ast-grep-{rules}-t1.json") != a:
            equal = False
            notes.append(f"ast-grep, {rules} practices: --threads 1 and default found different counts")
        for err in doc.get("errors", []):
            equal = False
            notes.append(f"praxis error ({rules} practices): {json.dumps(err)}")
        files = doc.get("summary", {}).get("files", "?")
        if files != floor["files"]:
            notes.append(f"praxis checked {files} files, the floor read {floor['files']}")
        if rules == "8":
            same = p == a
            equal &= same
            notes.append(f"8 practices: praxis {sum(p.values())} findings, ast-grep {sum(a.values())}"
                         f"{'' if same else ' (per-rule counts differ)'}")
            continue
        ids = sorted(set(p) | set(a) | {f.stem for f in (BENCH / "rules" / language).glob("*.yaml")})
        print("| rule | praxis | ast-grep | |")
        print("| --- | ---: | ---: | --- |")
        for rule in ids:
            mark = "" if p[rule] == a[rule] else "differs"
            equal &= not mark
            print(f"| {rule} | {p[rule]} | {a[rule]} | {mark} |")
        print(f"| **total** | **{sum(p.values())}** | **{sum(a.values())}** | |")
        notes.append(f"praxis checked {files} files with {count} practices")
        result = (sum(p.values()), sum(a.values()))
    print()
    for note in notes:
        print(f"- {note}")
    print(f"\n{language}: {'all per-rule counts equal' if equal else 'some counts differ'}.\n")
    return equal, result


if __name__ == "__main__":
    main()
