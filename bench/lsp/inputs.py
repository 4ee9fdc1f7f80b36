"""The inputs of the language-server benchmark: large generated TypeScript, Python, Rust and Go
files with varied names and a sprinkling of violations of the 8 practices per language in
bench/lsp/praxis. The same bytes on every run. Used by latency.py.
"""

import random
from pathlib import Path

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


def snake_of(name):
    return "_".join(split_camel(name)).lower()


def rs_block(i, name, rng):
    Name = "".join(part.capitalize() for part in split_camel(name))
    snake = snake_of(name)
    rate = rng.randint(5, 25)
    scheme = "http" if i % 6 == 0 else "https"
    log = (
        f'    println!("parsing {snake} {{id}}");\n' if i % 5 == 0 else f'    tracing::debug!(id, "parsing {snake}");\n'
    )
    lines_from = ".unwrap()" if i % 3 == 0 else "?"
    empty = "lines.len() == 0" if i % 4 == 0 else "lines.is_empty()"
    cached = (
        'self.cache.get(id).expect("a cached record")' if i % 4 == 1 else "self.cache.get(id)?"
    )
    label = (
        f'Box::leak(format!("{snake}:{{id}}").into_boxed_str())' if i % 8 == 0 else f'"{snake}"'
    )
    first = "unsafe { *data.as_ptr() }" if i % 11 == 0 else "data.first().copied().unwrap_or(0)"
    archive = "todo!()" if i % 13 == 0 else "self.cache.remove(id);"
    return f"""
pub const {snake.upper()}_BASE: &str = "{scheme}://api.example.com/{snake}s";

#[derive(Debug, Clone, Deserialize)]
pub struct {Name}Line {{
    pub sku: String,
    pub quantity: u32,
    pub unit_price_cents: u64,
    pub note: Option<String>,
}}

#[derive(Debug, Clone)]
pub struct {Name} {{
    pub id: String,
    pub customer_id: String,
    pub lines: Vec<{Name}Line>,
    pub status: Status,
}}

pub fn {snake}_total(record: &{Name}, discount_percent: u64) -> u64 {{
    let mut {ANCHOR} = 0;
    for line in &record.lines {{
        {ANCHOR} += u64::from(line.quantity) * line.unit_price_cents;
    }}
    let discount = {ANCHOR} * discount_percent / 100;
    let tax = ({ANCHOR} - discount) * {rate} / 100;
    {ANCHOR} - discount + tax
}}

pub fn parse_{snake}(body: &Value, id: &str) -> Result<{Name}, ParseError> {{
{log}    let lines: Vec<{Name}Line> = serde_json::from_value(body["lines"].clone()){lines_from};
    if {empty} {{
        return Err(ParseError::Empty(id.to_owned()));
    }}
    Ok({Name} {{ id: id.to_owned(), customer_id: body["customer"].to_string(), lines, status: Status::Draft }})
}}

pub async fn load_{snake}s(ids: &[String], client: &ApiClient) -> Result<Vec<{Name}>, ApiError> {{
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {{
        let response = client.get(&format!("{{}}/{{id}}", {snake.upper()}_BASE)).await?;
        if response.status == 404 {{
            continue;
        }}
        out.push(parse_{snake}(&response.body, id)?);
    }}
    Ok(out)
}}

pub struct {Name}Service {{
    client: ApiClient,
    cache: HashMap<String, {Name}>,
}}

impl {Name}Service {{
    pub fn new(client: ApiClient) -> Self {{
        Self {{ client, cache: HashMap::new() }}
    }}

    pub fn label(&self, id: &str) -> &'static str {{
        {label}
    }}

    pub fn total_for(&self, id: &str) -> Option<u64> {{
        let record = {cached};
        Some({snake}_total(record, 0))
    }}

    pub fn first_byte(&self, data: &[u8]) -> u8 {{
        {first}
    }}

    pub fn archive(&mut self, id: &str) {{
        {archive}
    }}
}}
"""


def go_block(i, name, rng):
    Name = cap(name)
    rate = rng.randint(5, 25)
    meta = "interface{}" if i % 3 == 0 else "any"
    log = (
        f'\tfmt.Println("parsing {name}", id)\n' if i % 5 == 0 else f'\tlogger.Debug("parsing {name}", "id", id)\n'
    )
    failure = (
        f'errors.New(fmt.Sprintf("{name} %s has no lines", id))' if i % 4 == 0 else f'fmt.Errorf("{name} %s has no lines", id)'
    )
    scheme = "http" if i % 6 == 0 else "https"
    close = (
        "\t\tdefer response.Body.Close()\n" if i % 3 == 1 else ""
    )
    close_after = "" if i % 3 == 1 else "\t\tresponse.Body.Close()\n"
    sleep = "\t\ttime.Sleep(10 * time.Millisecond)\n" if i % 7 == 0 else ""
    refresh = "go s.load(ctx, id)" if i % 5 == 2 else "s.load(ctx, id)"
    missing = f'panic("no {name} " + id)' if i % 4 == 3 else "return nil"
    return f"""
type {Name}Line struct {{
	SKU            string
	Quantity       int
	UnitPriceCents int64
	Note           *string
}}

type {Name} struct {{
	ID         string
	CustomerID string
	Lines      []{Name}Line
	Status     string
	Meta       map[string]{meta}
}}

func {Name}Total(record *{Name}, discountPercent int64) int64 {{
	var {ANCHOR} int64
	for _, line := range record.Lines {{
		{ANCHOR} += int64(line.Quantity) * line.UnitPriceCents
	}}
	discount := {ANCHOR} * discountPercent / 100
	tax := ({ANCHOR} - discount) * {rate} / 100
	return {ANCHOR} - discount + tax
}}

func Parse{Name}(body map[string]any, id string) (*{Name}, error) {{
{log}	lines, ok := body["lines"].([]{Name}Line)
	if !ok || len(lines) == 0 {{
		return nil, {failure}
	}}
	return &{Name}{{ID: id, CustomerID: fmt.Sprint(body["customer"]), Lines: lines, Status: "draft"}}, nil
}}

func Load{Name}s(ctx context.Context, ids []string, client *APIClient) ([]*{Name}, error) {{
	out := make([]*{Name}, 0, len(ids))
	for _, id := range ids {{
		response, err := client.Get(ctx, "{scheme}://api.example.com/{name}s/"+id)
		if err != nil {{
			return nil, err
		}}
{close}		if response.StatusCode == 404 {{
			continue
		}}
{sleep}		record, err := Parse{Name}(response.JSON(), id)
{close_after}		if err != nil {{
			return nil, err
		}}
		out = append(out, record)
	}}
	return out, nil
}}

type {Name}Service struct {{
	client *APIClient
	cache  map[string]*{Name}
}}

func (s *{Name}Service) Refresh(ctx context.Context, id string) {{
	{refresh}
}}

func (s *{Name}Service) MustGet(id string) *{Name} {{
	record, ok := s.cache[id]
	if !ok {{
		{missing}
	}}
	return record
}}
"""


RS_HEADER = """//! Generated by bench/lsp/latency.py: a large Rust module for the latency benchmark.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::client::{ApiClient, ApiError};
use crate::model::{ParseError, Status};
"""

GO_HEADER = """// Generated by bench/lsp/latency.py: a large Go file for the latency benchmark.
package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)
"""

# extension -> (language name for Praxis and LSP, header, block, seed)
LANGUAGES = {
    ".ts": ("typescript", TS_HEADER, ts_block, 7),
    ".py": ("python", PY_HEADER, py_block, 11),
    ".rs": ("rust", RS_HEADER, rs_block, 13),
    ".go": ("go", GO_HEADER, go_block, 17),
}
# (file stem, at least this many bytes)
SIZES = [("bench", 100 * 1024), ("bench-1mb", 1024 * 1024)]
SMOKE_SIZES = [("smoke", 6 * 1024)]


def generate(out: Path, sizes=SIZES):
    """Writes one file per size and language into `out`; returns {file name: path}."""
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for stem, minimum in sizes:
        for ext, (_, header, block, seed) in LANGUAGES.items():
            rng = random.Random(seed)
            parts = [header]
            size = len(header)
            for i, name in enumerate(names(rng, 100_000)):
                if size >= minimum:
                    break
                text = block(i, name, rng)
                parts.append(text)
                size += len(text)
            text = "".join(parts)
            # Positions are sent as UTF-16 code units and used as bytes: ASCII keeps them equal.
            assert text.isascii(), f"{stem}{ext} is not ASCII"
            path = out / f"{stem}{ext}"
            path.write_text(text, encoding="utf-8")
            made[path.name] = path
    return made
