#!/usr/bin/env python3
"""Edit-to-diagnostics latency of language servers, measured like an editor sees it.

    python3 bench/lsp/latency.py generate [--out DIR] [--smoke]
        writes (inputs.py) bench.{ts,py,rs,go} (about 100 KiB) and bench-1mb.{ts,py,rs,go} (about 1 MiB),
        or smoke.{ts,py,rs,go} (a few KiB) with --smoke; the same bytes on every run
    python3 bench/lsp/latency.py run --file FILE [--root DIR] [--cwd DIR] [--init-options JSON]
                                     [--typing 40] [--bursts 6] [--breaks 6] [--json]
                                     -- SERVER COMMAND...
        one server, one file: open it, wait for its diagnostics, then play the edit scenarios
    python3 bench/lsp/latency.py all [--praxis BIN] [--floor BIN] [--ast-grep BIN] [--ruff BIN]
                                     [--smoke] [--json FILE]
        generate, then Praxis, ast-grep (all files), ruff (Python files) and the tree-sitter
        incremental-parse floor on every file; checks Praxis's diagnostics against
        `praxis check` and prints the Markdown tables of bench/lsp/README.md. --smoke: small
        files in a temporary folder, 3 edits per scenario, Praxis and the floor only.

Standard library only. The edit scenarios, on one open document, one after the other:

- typing: one character typed at the end of an identifier (the file stays valid), cycling over
  four places through the file, each edit timed after a quiet gap;
- burst: 20 characters typed at one place, the 20 `didChange` sent back to back without
  waiting; timed from the last one to the diagnostics of the final version;
- break / repair: an edit that breaks the syntax (a `(` typed after an identifier, or a closing
  `}` (`)` in Python) deleted), timed, then the edit that undoes it, timed.

Latency is the time from writing the (last) `didChange` to reading the `publishDiagnostics` for
that version or, from a server that publishes without versions (ast-grep), the first publish for
the file after the edit (for a burst: the publish answering the last change, counted). After
each answer the client waits for a quiet gap (--gap-ms, 50 ms) so that a late publish is never
taken for the next edit's. Every wait has a deadline. After every burst, break and repair and at
the end of the typing, the diagnostics (code and range) must equal a fresh `praxis check` of the
same text; `all` exits non-zero when Praxis's do not.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import queue
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The generated files: inputs.py, beside this script.
from inputs import ANCHOR, LANGUAGES, SIZES, SMOKE_SIZES, generate

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parent.parent
WORK = HERE / "work"

OPEN_TIMEOUT = 120.0  # seconds: the first diagnostics of a big file on a slow machine
EDIT_TIMEOUT = 30.0  # seconds: one edit's diagnostics
REQUEST_TIMEOUT = 30.0
UNVERSIONED_QUIET = 10.0  # seconds: a server without versions that publishes less than once a change
BURST = 20  # keys in a typing burst
RUFF_VERSION = "0.17.5"
AST_GREP_VERSION = "0.51.1"


def language_id(path: Path):
    return LANGUAGES[path.suffix][0]


# --------------------------------------------------------------------------------------------
# The edits: computed once per file, sent to every server and to the floor.


class Edit:
    """Replace `old_len` bytes at `offset` by `text`; `start`/`end` are the LSP positions of
    the replaced range (line, character) in the text before the edit."""

    def __init__(self, doc, offset, old_len, text):
        self.offset, self.old_len, self.text = offset, old_len, text
        self.start = position(doc, offset)
        self.end = position(doc, offset + old_len)

    def apply(self, doc):
        return doc[: self.offset] + self.text + doc[self.offset + self.old_len :]

    def change(self):
        line, character = self.start
        end_line, end_character = self.end
        return {
            "range": {
                "start": {"line": line, "character": character},
                "end": {"line": end_line, "character": end_character},
            },
            "text": self.text,
        }


def position(doc, offset):
    return doc.count("\n", 0, offset), offset - (doc.rfind("\n", 0, offset) + 1)


class Step:
    """One timed answer: the edits sent back to back, and, when `snapshot` is set, the text
    after them, whose diagnostics are checked against `praxis check`."""

    def __init__(self, scenario, edits, snapshot=None):
        self.scenario, self.edits, self.snapshot = scenario, edits, snapshot


SCENARIOS = ["typing", "burst", "break", "repair"]
IDENTIFIER = re.compile(ANCHOR + r"\w*")
CLOSING_BRACE = re.compile(r"\n[ \t]*\}")


def identifier_end(doc, fraction):
    """The offset just after the `fraction`-th identifier that starts with ANCHOR."""
    hits = [m.end() for m in IDENTIFIER.finditer(doc)]
    if len(hits) < 4:
        raise RuntimeError(f"the file has fewer than 4 `{ANCHOR}` identifiers")
    return hits[min(len(hits) - 1, int(len(hits) * fraction))]


def plan(text, suffix, typing=40, bursts=6, breaks=6):
    """The steps of every scenario, in the order they are played."""
    doc = text
    steps = []

    def step(scenario, edits, snapshot):
        nonlocal doc
        for edit in edits:
            doc = edit.apply(doc)
        steps.append(Step(scenario, edits, doc if snapshot else None))

    for n in range(typing):
        at = identifier_end(doc, (0.2, 0.45, 0.7, 0.95)[n % 4])
        step("typing", [Edit(doc, at, 0, "abcdefghijklmnopqrstuvwxyz"[n % 26])], n == typing - 1)
    for b in range(bursts):
        at = identifier_end(doc, (0.13 + 0.37 * b) % 1.0)
        edits = []
        for k in range(BURST):
            edits.append(Edit(doc, at + k, 0, "burstkeysabcdefghijk"[k]))
            doc = edits[-1].apply(doc)
        doc = text_before(doc, edits)
        step("burst", edits, True)
    for p in range(breaks):
        at = identifier_end(doc, (0.07 + 0.29 * p) % 1.0)
        if p % 2 == 0:
            broken = Edit(doc, at, 0, "(")
            step("break", [broken], True)
            step("repair", [Edit(doc, at, 1, "")], True)
        else:
            if suffix == ".py":
                close = doc.index(")", at)
                closer = ")"
            else:
                close = CLOSING_BRACE.search(doc, at).end() - 1
                closer = "}"
            step("break", [Edit(doc, close, 1, "")], True)
            step("repair", [Edit(doc, close, 0, closer)], True)
    return steps


def text_before(doc, edits):
    """Undoes `edits` (insertions, applied in order) on `doc`."""
    for edit in reversed(edits):
        doc = doc[: edit.offset] + doc[edit.offset + len(edit.text) :]
    return doc


# --------------------------------------------------------------------------------------------
# A minimal LSP client.


class Server:
    def __init__(self, command, cwd=None, env=None):
        self.stderr = open(os.devnull, "wb") if not os.environ.get("LATENCY_SERVER_STDERR") else None
        self.proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, bufsize=0
        )
        self.inbox = queue.Queue()
        self.next_id = 0
        self.folders = []  # answered to workspace/workspaceFolders
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        self.inbox.put((time.perf_counter(), None))
                        return
                    line = line.strip()
                    if not line:
                        break
                    key, _, value = line.partition(b":")
                    if key.lower() == b"content-length":
                        length = int(value)
                body = b""
                while len(body) < length:
                    chunk = out.read(length - len(body))
                    if not chunk:
                        self.inbox.put((time.perf_counter(), None))
                        return
                    body += chunk
                if os.environ.get("LATENCY_DEBUG"):
                    print(f"<- {body[:300]!r}", file=sys.stderr)
                self.inbox.put((time.perf_counter(), json.loads(body)))
        except Exception as err:  # the main thread reports the closed stream
            print(f"reader: {err}", file=sys.stderr)
            self.inbox.put((time.perf_counter(), None))

    def send(self, message):
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def receive(self, deadline):
        """The next message as (time, message), or None at the deadline. Answers server requests."""
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                at, message = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            if message is None:
                raise RuntimeError(f"the server closed its output (exit code {self.proc.poll()})")
            if "method" in message and "id" in message:
                self._answer(message)
                continue
            return at, message

    def _answer(self, request):
        result = None
        if request["method"] == "workspace/configuration":
            result = [None for _ in (request.get("params") or {}).get("items", [])]
        elif request["method"] == "workspace/workspaceFolders":
            result = self.folders
        self.send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def request(self, method, params, on_other=None):
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.perf_counter() + REQUEST_TIMEOUT
        while True:
            got = self.receive(deadline)
            if got is None:
                raise RuntimeError(f"no answer to {method} within {REQUEST_TIMEOUT:.0f} s")
            at, message = got
            if message.get("id") == rid and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result")
            if on_other:
                on_other(at, message)

    def peak_rss_kib(self):
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
        except (RuntimeError, OSError, BrokenPipeError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)



def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank
    return ordered[int(rank) - 1]


def stats(values):
    if not values:
        return None
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 4),
        "p90_ms": round(percentile(values, 90), 4),
        "max_ms": round(max(values), 4),
    }


def keys(diagnostics):
    """(code, range) of every diagnostic, sorted: equal when two sources report the same."""
    return sorted(
        (str(d.get("code")), d["range"]["start"]["line"], d["range"]["start"]["character"],
         d["range"]["end"]["line"], d["range"]["end"]["character"])
        for d in diagnostics
    )


def digest(key_list):
    return hashlib.sha1(json.dumps(key_list).encode()).hexdigest()[:12]


def measure(command, file: Path, root: Path, steps, cwd=None, init_options=None, gap_ms=50, utf8=False, env=None):
    """Plays `steps` on `file` in the server `command`; the latencies per scenario, and the
    diagnostics (as keys) on open and after every step with a snapshot."""
    text = file.read_text(encoding="utf-8")
    uri = file.resolve().as_uri()
    server = Server(command, cwd=cwd, env=env)
    gap = gap_ms / 1000
    try:
        capabilities = {
            "textDocument": {
                "synchronization": {"dynamicRegistration": False, "didSave": True},
                "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
            },
            "workspace": {"workspaceFolders": True, "configuration": True},
        }
        if utf8:
            capabilities["general"] = {"positionEncodings": ["utf-8", "utf-16"]}
        server.folders = [{"uri": root.resolve().as_uri(), "name": root.name}]
        started = time.perf_counter()
        result = server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.resolve().as_uri(),
                "rootPath": str(root.resolve()),
                "workspaceFolders": server.folders,
                "capabilities": capabilities,
                "initializationOptions": init_options,
                "clientInfo": {"name": "praxis-latency-bench"},
            },
        )
        sync = result.get("capabilities", {}).get("textDocumentSync")
        kind = sync.get("change") if isinstance(sync, dict) else sync
        incremental = kind == 2
        server.notify("initialized", {})
        initialized = time.perf_counter() - started

        def publishes(deadline):
            """Yields (time, params) of each publishDiagnostics for the file until the deadline."""
            while True:
                got = server.receive(deadline)
                if got is None:
                    return
                at, message = got
                if message.get("method") == "textDocument/publishDiagnostics" and message["params"].get("uri") == uri:
                    yield at, message["params"]

        def wait_publish(version, sent_at, what, timeout, count=1):
            """The first publish carrying `version`; from a server without versions, the
            `count`-th publish (ast-grep publishes once per change), or the last one before
            UNVERSIONED_QUIET seconds without any when fewer come."""
            deadline = time.perf_counter() + timeout * count
            seen = 0
            last = None
            while True:
                limit = deadline if last is None else min(deadline, time.perf_counter() + UNVERSIONED_QUIET)
                got = next(publishes(limit), None)
                if got is None:
                    if last is not None:
                        print(f"latency: {what}: {seen} publishes for {count} changes; timed to the last",
                              file=sys.stderr, flush=True)
                        return last
                    raise RuntimeError(f"no publishDiagnostics for {what} within {timeout * count:.0f} s")
                at, params = got
                got_version = params.get("version")
                if got_version is not None:
                    if got_version == version:
                        return at - sent_at, params
                    continue
                seen += 1
                last = (at - sent_at, params)
                if seen >= count:
                    return last

        def quiet():
            """Drops messages until none arrived for the gap (bounded to 5 s)."""
            stop = time.perf_counter() + 5
            while time.perf_counter() < stop:
                if server.receive(time.perf_counter() + gap) is None:
                    return

        version = 1
        sent = time.perf_counter()
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language_id(file), "version": version, "text": text}},
        )
        open_latency, params = wait_publish(version, sent, "didOpen", OPEN_TIMEOUT)
        checked = [keys(params["diagnostics"])]
        open_count = len(params["diagnostics"])
        quiet()

        latencies = {scenario: [] for scenario in SCENARIOS}
        doc = text
        for n, step in enumerate(steps):
            for edit in step.edits:
                version += 1
                if incremental:
                    change = edit.change()
                else:
                    doc = edit.apply(doc)
                    change = {"text": doc}
                sent = time.perf_counter()
                server.notify(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
            latency, params = wait_publish(
                version, sent, f"{step.scenario} step {n + 1} (version {version})", EDIT_TIMEOUT, len(step.edits)
            )
            latencies[step.scenario].append(latency * 1000)
            if step.snapshot is not None:
                checked.append(keys(params["diagnostics"]))
            quiet()
        rss = server.peak_rss_kib()
    finally:
        server.close()
    return {
        "command": command,
        "file": str(file),
        "bytes": len(text.encode("utf-8")),
        "sync": "incremental" if incremental else "full",
        "initialize_ms": round(initialized * 1000, 2),
        "open_ms": round(open_latency * 1000, 2),
        "diagnostics_on_open": open_count,
        "diagnostics_at_end": len(checked[-1]),
        "scenarios": {scenario: stats(values) for scenario, values in latencies.items()},
        "latencies_ms": {scenario: [round(x, 3) for x in values] for scenario, values in latencies.items()},
        "checked": checked,
        "peak_rss_kib": rss,
    }


# --------------------------------------------------------------------------------------------
# What the diagnostics should be: `praxis check` of the same texts.


def praxis_env(home: Path):
    """Praxis sees none of the user's own setup: its config and cache are under `home`."""
    env = dict(os.environ)
    env.update(
        PRAXIS_CONFIG_DIR=str(home / "config"),
        PRAXIS_CACHE_DIR=str(home / "cache"),
        PRAXIS_NO_KEYRING="1",
        NO_COLOR="1",
    )
    for key in ("PRAXIS_TOKEN", "PRAXIS_LLM_KEY"):
        env.pop(key, None)
    return env


def expected(praxis, practices: Path, file: Path, steps, scratch: Path, env):
    """The keys of a fresh `praxis check` of the opened text and of every snapshot."""
    texts = [file.read_text(encoding="utf-8")] + [s.snapshot for s in steps if s.snapshot is not None]
    folder = scratch / f"check-{file.name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = []
    for n, text in enumerate(texts):
        name = f"state{n:03d}{file.suffix}"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    command = [praxis, "check", "--format", "json", "--fail-on", "never", "--practices", str(practices), "."]
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"`{shlex.join(command)}` exited with {run.returncode}: {run.stderr.strip()}")
    report = json.loads(run.stdout)
    if report.get("errors"):
        raise RuntimeError(f"praxis check reported errors: {report['errors']}")
    found = {name: [] for name in names}
    for f in report["findings"]:
        # 1-based lines and columns (Unicode scalars; the files are ASCII) to LSP's 0-based.
        found[Path(f["path"]).name].append(
            (f["practice"], f["start"]["line"] - 1, f["start"]["column"] - 1, f["end"]["line"] - 1, f["end"]["column"] - 1)
        )
    shutil.rmtree(folder, ignore_errors=True)
    return [sorted(found[name]) for name in names]


def compare(got, want, labels):
    """The first differences between a server's checked diagnostics and `praxis check`'s."""
    problems = []
    for label, mine, theirs in zip(labels, got, want):
        if mine != theirs:
            extra = [k for k in mine if k not in theirs]
            missing = [k for k in theirs if k not in mine]
            problems.append(f"{label}: {len(mine)} diagnostics, check has {len(theirs)}; "
                            f"only the server: {extra[:3]}; only check: {missing[:3]}")
    return problems


def checkpoint_labels(steps):
    labels = ["open"]
    count = {}
    for step in steps:
        count[step.scenario] = count.get(step.scenario, 0) + 1
        if step.snapshot is not None:
            labels.append(f"{step.scenario} {count[step.scenario]}")
    return labels


# --------------------------------------------------------------------------------------------
# The floor: tree-sitter's incremental reparse for the same edits (bench/floor, praxis-edit-floor).


def floor(binary, file: Path, steps, scratch: Path):
    flat = [e for step in steps for e in step.edits]
    edits = scratch / f"edits-{file.name}.json"
    edits.write_text(json.dumps([{"offset": e.offset, "old_len": e.old_len, "text": e.text} for e in flat]))
    command = [binary, "--language", language_id(file), str(file), str(edits)]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"`{shlex.join(command)}` exited with {run.returncode}: {run.stderr.strip()}")
    micros = json.loads(run.stdout)["reparse_us"]
    latencies = {scenario: [] for scenario in SCENARIOS}
    at = 0
    for step in steps:
        # A burst's floor is the reparse after its last key, which is what a server that kept
        # up with the keys still has to do after the last one.
        at += len(step.edits)
        latencies[step.scenario].append(micros[at - 1] / 1000)
    return {
        "tool": "floor",
        "command": [binary, "--language", language_id(file), str(file), "EDITS.json"],
        "file": str(file),
        "bytes": file.stat().st_size,
        "scenarios": {scenario: stats(values) for scenario, values in latencies.items()},
        "latencies_ms": {scenario: [round(x, 4) for x in values] for scenario, values in latencies.items()},
    }


# --------------------------------------------------------------------------------------------
# The report.


def machine():
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    u = platform.uname()
    return f"{os.cpu_count()} cores ({cpu or u.machine}), `{u.system} {u.release} {u.machine}`, Python {platform.python_version()}"


def version_of(command):
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return (run.stdout or run.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=WORKSPACE, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=WORKSPACE,
                               capture_output=True, text=True)
        return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def cell(s, bold=False):
    if not s:
        return "–"
    p50, p90, top = (ms(s[k]) for k in ("p50_ms", "p90_ms", "max_ms"))
    if bold:
        p50, p90 = f"**{p50}**", f"**{p90}**"
    return f"{p50} / {p90} / {top}"


def ms(value):
    """Milliseconds with two decimals, or three below 1 ms (the floor's figures)."""
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def print_tables(results, header, out=sys.stdout):
    print(header, file=out)
    print(file=out)
    print("Edit → diagnostics in ms, **p50** / **p90** / max, per scenario (n: typing "
          f"{results[0]['scenarios']['typing']['n']}, bursts {results[0]['scenarios']['burst']['n']} "
          f"of {BURST} keys, breaks and repairs {results[0]['scenarios']['break']['n']} each):", file=out)
    print(file=out)
    print("| file | language | size | server | typing | burst (last key) | break | repair |", file=out)
    print("|---|---|---:|---|---:|---:|---:|---:|", file=out)
    order = {"praxis": 0, "ast-grep": 1, "ruff": 2, "floor": 3}
    for r in sorted(results, key=lambda r: (r["size_rank"], r["language_rank"], order[r["tool"]])):
        s = r["scenarios"]
        name = {"floor": "tree-sitter reparse (floor)"}.get(r["tool"], r["tool"])
        print(
            f"| {Path(r['file']).name} | {language_id(Path(r['file']))} | {r['bytes'] / 1024:.0f} KiB | {name} | "
            + " | ".join(cell(s[k], bold=r["tool"] == "praxis") for k in SCENARIOS)
            + " |",
            file=out,
        )
    print(file=out)
    print("| file | server | sync | diagnostics (open → end) | equal to `praxis check` | open | peak RSS |", file=out)
    print("|---|---|---|---:|---|---:|---:|", file=out)
    for r in sorted(results, key=lambda r: (r["size_rank"], r["language_rank"], order[r["tool"]])):
        if r["tool"] == "floor":
            continue
        verdict = r.get("verdict", "–")
        print(
            f"| {Path(r['file']).name} | {r['tool']} | {r['sync']} | {r['diagnostics_on_open']} → "
            f"{r['diagnostics_at_end']} | {verdict} | {r['open_ms']:.0f} ms | {(r['peak_rss_kib'] or 0) / 1024:.0f} MiB |",
            file=out,
        )


def run_all(args):
    scratch_holder = tempfile.TemporaryDirectory(prefix="praxis-lsp-bench-")
    scratch = Path(scratch_holder.name)
    try:
        return _run_all(args, scratch)
    finally:
        scratch_holder.cleanup()


def _run_all(args, scratch):
    if args.smoke:
        files = generate(scratch / "work", SMOKE_SIZES)
        root = scratch / "work"
        counts = {"typing": 3, "bursts": 3, "breaks": 3}
    else:
        files = generate(WORK, SIZES)
        root = WORK
        counts = {"typing": args.typing, "bursts": args.bursts, "breaks": args.breaks}
    praxis = str(Path(args.praxis).resolve())
    practices = HERE / "praxis"
    env = praxis_env(scratch / "home")
    servers = [("praxis", [praxis, "lsp"], {"practices": [str(practices)]}, None, env, None)]
    if not args.smoke:
        for tool, binary, package, version in [("ast-grep", args.ast_grep, "ast-grep-cli", AST_GREP_VERSION),
                                               ("ruff", args.ruff, "ruff", RUFF_VERSION)]:
            if not binary or not shutil.which(binary):
                sys.exit(f"latency: no `{tool}` binary (python3 -m pip install {package}=={version}, "
                         f"then --{tool} \"$(pyenv which {tool})\" with pyenv)")
        servers.append(("ast-grep", [args.ast_grep, "lsp", "-c", str(HERE / "ast-grep" / "sgconfig.yml")], None,
                        HERE / "ast-grep", None, None))
        servers.append(("ruff", [args.ruff, "server"], None, root, None, {".py"}))
    results = []
    failures = []
    rank = {stem: n for n, (stem, _) in enumerate(SMOKE_SIZES if args.smoke else SIZES)}
    for name, path in files.items():
        if args.files and name not in args.files:
            continue
        text = path.read_text(encoding="utf-8")
        steps = plan(text, path.suffix, **counts)
        want = expected(praxis, practices, path, steps, scratch, env)
        labels = checkpoint_labels(steps)
        common = {"size_rank": rank[path.stem], "language_rank": list(LANGUAGES).index(path.suffix)}
        print(f"{name}: {len(text) / 1024:.0f} KiB, {sum(len(s.edits) for s in steps)} edits in {len(steps)} steps",
              file=sys.stderr, flush=True)
        result = floor(str(Path(args.floor).resolve()), path, steps, scratch)
        result.update(common)
        results.append(result)
        print(f"  floor: {summary(result)}", file=sys.stderr, flush=True)
        for tool, command, options, cwd, server_env, only in servers:
            if only and path.suffix not in only:
                continue
            result = measure(command, path, root, steps, cwd=cwd, init_options=options, gap_ms=args.gap_ms,
                             env=server_env)
            result.update(common, tool=tool)
            if tool == "ruff":
                result["verdict"] = "other rules"
            else:
                problems = compare(result["checked"], want, labels)
                result["verdict"] = "yes" if not problems else f"**NO** ({len(problems)} of {len(labels)} states)"
                for problem in problems:
                    line = f"MISMATCH {tool} {name} {problem}"
                    print(line, file=sys.stderr, flush=True)
                    if tool == "praxis":
                        failures.append(line)
            result["checked_states"] = len(result.pop("checked"))
            results.append(result)
            print(f"  {tool}: {summary(result)}", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    command = "python3 bench/lsp/latency.py " + shlex.join(sys.argv[1:])
    versions = [f"Praxis `{version_of([praxis, '--version'])}`"]
    if not args.smoke:
        versions += [f"ast-grep `{version_of([args.ast_grep, '--version'])}`", f"ruff `{version_of([args.ruff, 'version'])}`"]
    header = "\n".join([
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit()}; "
        f"machine: {machine()}.",
        "",
        f"Command: `{command}`; " + ", ".join(versions) + ".",
        "",
        "Servers: " + "; ".join(f"`{shlex.join(str(c) for c in command)}`" for _, command, *_ in servers)
        + f"; floor: `{Path(args.floor).resolve()} --language LANG FILE EDITS.json`.",
    ])
    print()
    print_tables(results, header)
    if failures:
        print(f"\nlatency: {len(failures)} Praxis diagnostics differ from `praxis check`:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def summary(result):
    s = result["scenarios"]
    return ", ".join(f"{k} {ms(s[k]['p50_ms'])}/{ms(s[k]['p90_ms'])}/{ms(s[k]['max_ms'])} ms" for k in SCENARIOS if s[k])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--out", type=Path, default=WORK)
    gen.add_argument("--smoke", action="store_true", help="the small files of --smoke")

    def counts(p):
        p.add_argument("--typing", type=int, default=40, help="characters typed one at a time")
        p.add_argument("--bursts", type=int, default=6, help=f"bursts of {BURST} keys")
        p.add_argument("--breaks", type=int, default=6, help="edits that break the syntax (each then repaired)")
        p.add_argument("--gap-ms", type=int, default=50, help="quiet time after each answer")

    run = sub.add_parser("run")
    run.add_argument("--file", type=Path, required=True)
    run.add_argument("--root", type=Path, help="workspace folder (default: the file's folder)")
    run.add_argument("--cwd", type=Path, help="the server's working directory")
    run.add_argument("--init-options", type=json.loads, default=None)
    counts(run)
    run.add_argument("--utf8", action="store_true", help="offer UTF-8 positions (default: UTF-16 only)")
    run.add_argument("--json", action="store_true")
    run.add_argument("command", nargs=argparse.REMAINDER)
    every = sub.add_parser("all")
    every.add_argument("--praxis", default=str(WORKSPACE / "target/release/praxis"))
    every.add_argument("--floor", default=str(WORKSPACE / "target/release/praxis-edit-floor"))
    every.add_argument("--ast-grep", dest="ast_grep", default=shutil.which("ast-grep"))
    every.add_argument("--ruff", default=shutil.which("ruff"))
    every.add_argument("--smoke", action="store_true",
                       help="small files in a temporary folder, 3 edits per scenario, Praxis and the floor only")
    counts(every)
    every.add_argument("--files", nargs="+", metavar="NAME", help="only these of the generated files (bench.ts, …)")
    every.add_argument("--json", type=Path, help="also write every result here")
    args = parser.parse_args()

    if args.mode == "generate":
        for name, path in generate(args.out, SMOKE_SIZES if args.smoke else SIZES).items():
            print(f"{path}: {path.stat().st_size} bytes")
        return 0

    if args.mode == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs the server command after --")
        steps = plan(args.file.read_text(encoding="utf-8"), args.file.suffix, args.typing, args.bursts, args.breaks)
        result = measure(command, args.file, args.root or args.file.resolve().parent, steps, cwd=args.cwd,
                         init_options=args.init_options, gap_ms=args.gap_ms, utf8=args.utf8)
        result["checked"] = [digest(k) for k in result["checked"]]
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"{args.file.name} ({result['bytes'] / 1024:.0f} KiB, {result['sync']} sync): open "
                  f"{result['open_ms']:.1f} ms, {result['diagnostics_on_open']} diagnostics; {summary(result)}; "
                  f"peak RSS {result['peak_rss_kib'] or 0} KiB")
        return 0

    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
