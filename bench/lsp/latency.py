#!/usr/bin/env python3
"""Edit-to-diagnostics latency of a language server, measured like an editor sees it.

    python3 bench/lsp/latency.py generate [--out DIR]
        writes DIR/bench.ts (100 KB+) and DIR/bench.py (250 KB+); same bytes on every run
    python3 bench/lsp/latency.py run --file FILE [--root DIR] [--cwd DIR] [--init-options JSON]
                                     [--edits 40] [--utf8] [--json] -- SERVER COMMAND...
        one server, one file: open it, wait for its diagnostics, then type --edits characters
        one at a time, each time waiting for the diagnostics of that edit
    python3 bench/lsp/latency.py all [--praxis BIN] [--ast-grep BIN] [--edits 40]
        generate, then praxis and ast-grep on both files; prints a Markdown table

Standard library only. Each edit inserts one character into an identifier (so the file stays
valid), cycling over four places spread through the file. Latency is the time from writing the
`didChange` to reading the `publishDiagnostics` for it: the one carrying that document version,
or, from a server that publishes without versions (ast-grep), the first one for the file after
the edit. The next edit is sent only after a quiet gap (--gap-ms, 50 ms), so a late second
publish cannot be taken for the next edit's answer. Every wait has a deadline.
"""

import argparse
import hashlib
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parent.parent
WORK = HERE / "work"

OPEN_TIMEOUT = 120.0  # seconds: the first diagnostics of a big file on a slow machine
EDIT_TIMEOUT = 30.0  # seconds: one edit's diagnostics
REQUEST_TIMEOUT = 30.0

# --------------------------------------------------------------------------------------------
# Inputs: realistic functions with varied names and a sprinkling of violations.

ADJECTIVES = [
    "pending", "cached", "remote", "local", "draft", "archived", "priority", "bulk", "daily",
    "monthly", "shared", "secure", "legacy", "partial", "verified", "rejected", "queued", "final",
    "seasonal", "wholesale", "retail", "express", "standard", "internal", "external", "primary",
]
NOUNS = [
    "order", "invoice", "customer", "shipment", "payment", "refund", "coupon", "basket", "stock",
    "warehouse", "supplier", "receipt", "ledger", "account", "voucher", "parcel", "route", "quote",
    "contract", "subscription", "discount", "catalog", "product", "review", "session", "report",
]

# The identifier each edit types into (it occurs once per generated block).
ANCHOR = "subtotal"


def names(rng, count):
    seen = set()
    out = []
    while len(out) < count:
        a, n = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        base = a + n.capitalize()
        name = base if base not in seen else f"{base}{len(out)}"
        seen.add(name)
        out.append(name)
    return out


def cap(name):
    return name[0].upper() + name[1:]


def ts_block(i, name, rng):
    Name = cap(name)
    rate = rng.randint(5, 25)
    eq = "==" if i % 3 == 0 else "==="
    any_type = "any" if i % 4 == 0 else "unknown"
    log = (
        f'  console.log("parsing {name}", id);\n' if i % 5 == 0 else f'  logger.debug("parsing {name}", {{ id }});\n'
    )
    decl = "var" if i % 7 == 0 else "let"
    catch_body = "{}" if i % 6 == 0 else f'{{\n      logger.warn("{name} refresh failed", {{ err }});\n    }}'
    bang = "!" if i % 4 == 1 else ""
    debug = "    debugger;\n" if i % 23 == 0 else ""
    return f"""
export interface {Name}Line {{
  sku: string;
  quantity: number;
  unitPriceCents: number;
  note?: string;
}}

export interface {Name} {{
  id: string;
  customerId: string;
  lines: {Name}Line[];
  status: "draft" | "submitted" | "paid" | "cancelled";
  updatedAt?: Date;
}}

export function {name}Total(record: {Name}, discountPercent = 0): number {{
  {decl} {ANCHOR} = 0;
  for (const line of record.lines) {{
    {ANCHOR} += line.quantity * line.unitPriceCents;
  }}
  const discount = Math.round(({ANCHOR} * discountPercent) / 100);
  const tax = Math.round((({ANCHOR} - discount) * {rate}) / 100);
  return {ANCHOR} - discount + tax;
}}

export function parse{Name}(body: {any_type}, id: string): {Name} {{
{log}  const raw = body as Record<string, unknown>;
  const lines = Array.isArray(raw.lines) ? (raw.lines as {Name}Line[]) : [];
  if (lines.length {eq} 0) {{
    throw new Error(`{name} ${{id}} has no lines`);
  }}
  return {{ id, customerId: String(raw.customerId), lines, status: "draft" }};
}}

export async function load{Name}s(ids: string[], client: ApiClient): Promise<{Name}[]> {{
  const out: {Name}[] = [];
  for (const id of ids) {{
    const response = await client.get(`/{name}s/${{id}}`);
    if (response.status === 404) {{
      continue;
    }}
    out.push(parse{Name}(response.body, id));
  }}
  return out;
}}

export class {Name}Service {{
  private readonly cache = new Map<string, {Name}>();

  constructor(private readonly client: ApiClient) {{}}

  async refresh(id: string): Promise<{Name} | undefined> {{
{debug}    try {{
      const [fresh] = await load{Name}s([id], this.client);
      this.cache.set(id, fresh);
      return fresh;
    }} catch (err) {catch_body}
    return this.cache.get(id){bang};
  }}

  totalFor(id: string): number {{
    const record = this.cache.get(id);
    return record ? {name}Total(record) : 0;
  }}
}}
"""


def py_block(i, name, rng):
    Name = "".join(part.capitalize() for part in split_camel(name))
    snake = "_".join(split_camel(name)).lower()
    rate = rng.randint(5, 25)
    default = "None" if i % 3 else "[]"
    none_cmp = "== None" if i % 4 == 0 else "is None"
    empty = "len(lines) == 0" if i % 5 == 0 else "not lines"
    log_call = (
        f'logger.info(f"loaded {{len(rows)}} {snake} rows")' if i % 3 == 0 else f'logger.info("loaded %d {snake} rows", len(rows))'
    )
    handler = "except Exception:" if i % 6 == 0 else "except (KeyError, ValueError):"
    raise_stmt = (
        f'raise {Name}Error(f"bad {snake} {{key}}")' if i % 4 == 1 else f'raise {Name}Error(f"bad {snake} {{key}}") from exc'
    )
    debug_print = f'        print("{snake}", key, total)\n' if i % 7 == 0 else ""
    evaluated = '    rules = eval(body.get("rules", "[]"))\n' if i % 9 == 0 else ""
    return f'''

class {Name}Error(Exception):
    """Raised when a {snake.replace("_", " ")} cannot be read."""


@dataclass
class {Name}Line:
    sku: str
    quantity: int
    unit_price_cents: int
    note: Optional[str] = None


@dataclass
class {Name}:
    key: str
    customer_id: str
    lines: List[{Name}Line] = field(default_factory=list)
    status: str = "draft"


def {snake}_total(record, discount_percent=0, tags={default}):
    {ANCHOR} = 0
    for line in record.lines:
        {ANCHOR} += line.quantity * line.unit_price_cents
    discount = round({ANCHOR} * discount_percent / 100)
    tax = round(({ANCHOR} - discount) * {rate} / 100)
    if tags {none_cmp}:
        tags = []
    return {ANCHOR} - discount + tax


def parse_{snake}(key, body):
{evaluated}    lines = [
        {Name}Line(sku=item["sku"], quantity=int(item["quantity"]), unit_price_cents=int(item["price"]))
        for item in body.get("lines", [])
    ]
    if {empty}:
        raise {Name}Error(f"{snake} {{key}} has no lines")
    return {Name}(key=key, customer_id=str(body["customer"]), lines=lines)


class {Name}Repository:
    """Loads {snake.replace("_", " ")}s from the database and keeps the last ones read."""

    def __init__(self, db, cache_size=128):
        self.db = db
        self.cache_size = cache_size
        self._cache = {{}}

    def load(self, key):
        if key in self._cache:
            return self._cache[key]
        rows = self.db.fetch_all("SELECT * FROM {snake}s WHERE key = %s", (key,))
        {log_call}
        try:
            record = parse_{snake}(key, rows[0])
        {handler}
            logger.warning("skipping %s", key)
            return None
        self._cache[key] = record
        if len(self._cache) > self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        return record

    def total(self, key):
        record = self.load(key)
        try:
            total = {snake}_total(record)
        except (AttributeError, TypeError) as exc:
            {raise_stmt}
{debug_print}        return total
'''


def split_camel(name):
    parts, current = [], ""
    for ch in name:
        if ch.isupper() and current:
            parts.append(current)
            current = ch.lower()
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if not p.isdigit()] + [p for p in parts if p.isdigit()]


TS_HEADER = """// Generated by bench/lsp/latency.py: a large TypeScript module for the latency benchmark.
import { logger } from "./logger";
import type { ApiClient } from "./client";
"""

PY_HEADER = '''"""Generated by bench/lsp/latency.py: a large Python module for the latency benchmark."""

import logging
from dataclasses import dataclass, field
from typing import List, Optional

logger = logging.getLogger(__name__)
'''


def generate(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for filename, header, block, minimum, seed in [
        ("bench.ts", TS_HEADER, ts_block, 100 * 1024, 7),
        ("bench.py", PY_HEADER, py_block, 250 * 1024, 11),
    ]:
        rng = random.Random(seed)
        parts = [header]
        size = len(header)
        for i, name in enumerate(names(rng, 10_000)):
            if size >= minimum:
                break
            text = block(i, name, rng)
            parts.append(text)
            size += len(text)
        path = out / filename
        path.write_text("".join(parts), encoding="utf-8")
        made[filename] = path
    return made


# --------------------------------------------------------------------------------------------
# A minimal LSP client.


class Server:
    def __init__(self, command, cwd=None):
        self.stderr = open(os.devnull, "wb") if not os.environ.get("LATENCY_SERVER_STDERR") else None
        self.proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, bufsize=0
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


def language_id(path: Path):
    return {".ts": "typescript", ".py": "python"}[path.suffix]


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank
    return ordered[int(rank) - 1]


def edit_positions(text, count):
    """(line, character) of the end of ANCHOR at four places spread through the file."""
    lines = text.split("\n")
    hits = [(n, line.index(ANCHOR) + len(ANCHOR)) for n, line in enumerate(lines) if ANCHOR in line]
    if len(hits) < 4:
        raise RuntimeError(f"the file has fewer than 4 `{ANCHOR}` lines")
    spots = [hits[int(len(hits) * f)] for f in (0.2, 0.45, 0.7, 0.95)]
    typed = [0, 0, 0, 0]
    for i in range(count):
        k = i % 4
        line, col = spots[k]
        yield line, col + typed[k]
        typed[k] += 1


def measure(command, file: Path, root: Path, cwd=None, init_options=None, edits=40, gap_ms=50, utf8=False):
    text = file.read_text(encoding="utf-8")
    uri = file.resolve().as_uri()
    server = Server(command, cwd=cwd)
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

        def wait_publish(version, sent_at, what, timeout):
            deadline = time.perf_counter() + timeout
            while True:
                got = server.receive(deadline)
                if got is None:
                    raise RuntimeError(f"no publishDiagnostics for {what} within {timeout:.0f} s")
                at, message = got
                if message.get("method") != "textDocument/publishDiagnostics":
                    continue
                params = message["params"]
                if params.get("uri") != uri:
                    continue
                got_version = params.get("version")
                if got_version is not None and got_version != version:
                    continue
                return at - sent_at, params

        def quiet(gap):
            """Drops messages until none arrived for `gap` seconds (bounded to 5 s)."""
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
        open_count = len(params["diagnostics"])
        quiet(gap_ms / 1000)

        lines = text.split("\n")
        latencies = []
        last = params
        for n, (line, col) in enumerate(edit_positions(text, edits)):
            char = "abcdefghijklmnopqrstuvwxyz"[n % 26]
            lines[line] = lines[line][:col] + char + lines[line][col:]
            version += 1
            if incremental:
                change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}},
                          "text": char}
            else:
                change = {"text": "\n".join(lines)}
            sent = time.perf_counter()
            server.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            latency, last = wait_publish(version, sent, f"edit {n + 1} (version {version})", EDIT_TIMEOUT)
            latencies.append(latency * 1000)
            quiet(gap_ms / 1000)
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
        "diagnostics_at_end": len(last["diagnostics"]),
        "diagnostics_digest": digest(last["diagnostics"]),
        "edits": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p90_ms": round(percentile(latencies, 90), 2),
        "max_ms": round(max(latencies), 2),
        "latencies_ms": [round(x, 2) for x in latencies],
        "peak_rss_kib": rss,
    }


def digest(diagnostics):
    """A fingerprint of (code, range) of every diagnostic, in any order: equal across servers
    when they report the same findings."""
    keys = sorted(
        (str(d.get("code")), d["range"]["start"]["line"], d["range"]["start"]["character"],
         d["range"]["end"]["line"], d["range"]["end"]["character"])
        for d in diagnostics
    )
    return hashlib.sha1(json.dumps(keys).encode()).hexdigest()[:12]


def show(result, file=sys.stdout):
    print(
        f"{Path(result['file']).name} ({result['bytes'] / 1024:.0f} KiB, {result['sync']} sync): "
        f"open {result['open_ms']:.1f} ms, {result['diagnostics_on_open']} diagnostics; "
        f"{result['edits']} edits: p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, "
        f"max {result['max_ms']:.2f} ms; peak RSS {result['peak_rss_kib'] or 0} KiB",
        file=file,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--out", type=Path, default=WORK)
    run = sub.add_parser("run")
    run.add_argument("--file", type=Path, required=True)
    run.add_argument("--root", type=Path, help="workspace folder (default: the file's folder)")
    run.add_argument("--cwd", type=Path, help="the server's working directory")
    run.add_argument("--init-options", type=json.loads, default=None)
    run.add_argument("--edits", type=int, default=40)
    run.add_argument("--gap-ms", type=int, default=50)
    run.add_argument("--utf8", action="store_true", help="offer UTF-8 positions (default: UTF-16 only)")
    run.add_argument("--json", action="store_true")
    run.add_argument("command", nargs=argparse.REMAINDER)
    every = sub.add_parser("all")
    every.add_argument("--praxis", default=str(WORKSPACE / "target/release/praxis"))
    every.add_argument("--ast-grep", dest="ast_grep", default=shutil.which("ast-grep") or "ast-grep")
    every.add_argument("--edits", type=int, default=40)
    every.add_argument("--gap-ms", type=int, default=50)
    every.add_argument("--json", type=Path, help="also write every result here")
    args = parser.parse_args()

    if args.mode == "generate":
        for name, path in generate(args.out).items():
            print(f"{path}: {path.stat().st_size} bytes")
        return

    if args.mode == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs the server command after --")
        result = measure(
            command,
            args.file,
            args.root or args.file.resolve().parent,
            cwd=args.cwd,
            init_options=args.init_options,
            edits=args.edits,
            gap_ms=args.gap_ms,
            utf8=args.utf8,
        )
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            show(result)
        return

    files = generate(WORK)
    servers = [
        ("praxis", [args.praxis, "lsp"], {"practices": [str(HERE / "praxis")]}, None),
        ("ast-grep", [args.ast_grep, "lsp", "-c", str(HERE / "ast-grep" / "sgconfig.yml")], None, HERE / "ast-grep"),
    ]
    results = []
    for tool, command, options, cwd in servers:
        for name in ("bench.ts", "bench.py"):
            print(f"{tool}: {name} ...", file=sys.stderr, flush=True)
            result = measure(
                command, files[name], WORK, cwd=cwd, init_options=options, edits=args.edits, gap_ms=args.gap_ms
            )
            result["tool"] = tool
            results.append(result)
            print("  ", end="", file=sys.stderr)
            show(result, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name in ("bench.ts", "bench.py"):
        digests = {r["tool"]: r["diagnostics_digest"] for r in results if Path(r["file"]).name == name}
        same = len(set(digests.values())) == 1
        print(f"{name}: final diagnostics {'identical' if same else 'DIFFER'} across servers {digests}",
              file=sys.stderr)
    print()
    print("| server | file | size | sync | diagnostics | open | p50 | p90 | max | peak RSS |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['tool']} | {Path(r['file']).name} | {r['bytes'] / 1024:.0f} KiB | {r['sync']} | "
            f"{r['diagnostics_on_open']} | {r['open_ms']:.0f} ms | {r['p50_ms']:.2f} ms | {r['p90_ms']:.2f} ms | "
            f"{r['max_ms']:.2f} ms | {(r['peak_rss_kib'] or 0) / 1024:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
