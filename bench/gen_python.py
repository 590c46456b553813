#!/usr/bin/env python3
"""Writes a deterministic, realistic Python backend module of about LINES lines.

Usage: python3 bench/gen_python.py [LINES] [OUT]      (defaults: 8000, stdout)

The module mixes FastAPI and Flask handlers, sqlite3 and SQLAlchemy-style repositories,
dataclasses, services, helpers, docstrings and comments. Most queries are parameterised and most
subprocess calls use an argument list; about one line in a hundred carries a real security
mistake, the rate of a codebase with a few of them:

  * SQL built with an f-string from a parameter   cur.execute(f"... = '{name}'")
  * a shell command built from a parameter        subprocess.run(cmd, shell=True)
  * yaml.load on a stream parameter               yaml.load(stream)
  * eval on a parameter                           eval(expr)

Output is identical for the same LINES (a fixed seed drives every choice), so figures taken on
different days or machines are comparable. A summary of the planted findings goes to stderr.
Only the standard library is used; the output compiles (imports are never executed).
"""
import random
import sys

ENTITIES = [
    "user", "order", "invoice", "product", "ticket", "report", "session", "payment",
    "shipment", "coupon", "review", "account", "device", "webhook", "subscription", "tenant",
    "warehouse", "supplier", "refund", "message",
]
FIELDS = [
    ("name", "str", '""'), ("email", "str", '""'), ("status", "str", '"active"'),
    ("amount", "float", "0.0"), ("quantity", "int", "0"), ("region", "str", '"eu"'),
    ("owner_id", "int", "0"), ("reference", "str", '""'), ("priority", "int", "3"),
    ("currency", "str", '"EUR"'), ("notes", "str", '""'), ("score", "float", "0.0"),
]
TOOLS = [
    ("tar", '["tar", "czf", dest, src]', 'f"tar czf {dest} {src}"'),
    ("gzip", '["gzip", "-k", "-9", src]', 'f"gzip -k -9 {src}"'),
    ("git", '["git", "-C", src, "log", "-1", "--format=%H"]', 'f"git -C {src} log -1"'),
    ("rsync", '["rsync", "-a", src, dest]', 'f"rsync -a {src} {dest}"'),
    ("convert", '["convert", src, "-resize", "256x256", dest]', 'f"convert {src} -resize 256x256 {dest}"'),
    ("pg_dump", '["pg_dump", "--format=custom", "--file", dest, src]', 'f"pg_dump -Fc -f {dest} {src}"'),
]
COMMENTS = [
    "Keep the lookup cheap: this path is hit on every request.",
    "Normalise before comparing; clients send mixed case.",
    "The caller owns the connection and closes it.",
    "Values come from the admin UI, which validates them first.",
    "Retry once: the replica can lag behind the primary.",
    "Sorted so that the output is stable between runs.",
    "Stay below the gateway's 30 s timeout.",
    "Legacy rows have no region; treat them as EU.",
    "Cache the result for the rest of the request.",
    "Do not log the payload: it can hold personal data.",
]
DOCS = [
    "Return the {e} with the given id, or None when it does not exist.",
    "List {e}s page by page, newest first.",
    "Create a {e} from validated input and return its id.",
    "Delete a {e}; deleting a missing one is not an error.",
    "Search {e}s by name — the match is case-insensitive.",
    "Summarise {e}s per region for the dashboard.",
]

# Share of each kind of planted mistake.
MIX = {"sql": 0.5, "shell": 0.2, "yaml": 0.15, "eval": 0.15}


class Writer:
    def __init__(self, rng, per_lines):
        self.rng = rng
        self.lines = []
        self.per_lines = per_lines
        self.planted = {"sql": 0, "shell": 0, "yaml": 0, "eval": 0}
        self.where = []

    def emit(self, text):
        self.lines.extend(text.split("\n"))

    def due(self, kind):
        """True when a mistake of `kind` should be planted at the current line: one per
        `per_lines` lines, each kind taking its share of the mix (MIX) as slots come up."""
        total = sum(self.planted.values())
        if len(self.lines) < (total + 1) * self.per_lines - self.per_lines // 2:
            return False
        deficit = {k: MIX[k] * (total + 1) - self.planted[k] for k in MIX}
        late = len(self.lines) > (total + 1) * self.per_lines + self.per_lines // 2
        if deficit[kind] >= max(deficit.values()) - 0.25 or (late and deficit[kind] > 0):
            self.planted[kind] += 1
            self.where.append((kind, len(self.lines) + 1))
            return True
        return False


def cap(word):
    return "".join(p.capitalize() for p in word.split("_"))


def header():
    return '''"""Generated benchmark module: an order-management backend.

Repositories wrap sqlite3 and SQLAlchemy sessions, routers expose them over FastAPI and Flask,
and a few helpers shell out to system tools. Written by bench/gen_python.py — do not edit.
"""
from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shlex
import sqlite3
import subprocess
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional

import yaml
from fastapi import APIRouter, Depends, HTTPException, Query
from flask import Blueprint, jsonify, request
from sqlalchemy import select, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")
blueprint = Blueprint("admin", __name__, url_prefix="/admin")
DB_PATH = os.environ.get("APP_DB", "app.db")
PAGE_SIZE = 50


def connect() -> sqlite3.Connection:
    """Open the application database with rows addressable by name."""
    conn = sqlite3.connect(DB_PATH, timeout=5)
    conn.row_factory = sqlite3.Row
    return conn


def get_session() -> Session:  # FastAPI dependency
    raise NotImplementedError("wired up by the application factory")

'''


def model(w, i, e, fields):
    lines = [f"", f"", f"@dataclass", f"class {cap(e)}{i}:", f'    """{"An" if e[0] in "aeio" else "A"} {e} row (schema v{i % 7 + 1})."""', f"", f"    id: int"]
    for name, typ, default in fields:
        lines.append(f"    {name}: {typ} = {default}")
    lines.append(f"    created_at: dt.datetime = field(default_factory=dt.datetime.utcnow)")
    lines += [
        f"",
        f"    def to_json(self) -> dict[str, Any]:",
        f"        data = asdict(self)",
        f'        data["created_at"] = self.created_at.isoformat()',
        f"        return data",
    ]
    w.emit("\n".join(lines))


def sqlite_repo(w, i, e, fields):
    rng = w.rng
    t = f"{e}s"
    cols = ", ".join(["id"] + [f[0] for f in fields])
    marks = ", ".join("?" for _ in fields)
    key = fields[0][0]
    w.emit(f'''

class {cap(e)}Repository{i}:
    """sqlite3 access to the `{t}` table."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def get(self, {e}_id: int) -> Optional[{cap(e)}{i}]:
        """{DOCS[0].format(e=e)}"""
        cur = self.conn.cursor()
        cur.execute("SELECT {cols} FROM {t} WHERE id = ?", ({e}_id,))
        row = cur.fetchone()
        return {cap(e)}{i}(*row) if row else None

    def insert(self, item: {cap(e)}{i}) -> int:
        cur = self.conn.cursor()
        cur.execute(
            "INSERT INTO {t} ({", ".join(f[0] for f in fields)}) VALUES ({marks})",
            ({", ".join("item." + f[0] for f in fields)},),
        )
        self.conn.commit()
        return cur.lastrowid''')
    # The search method: the classic mistake lives here.
    w.emit(f'''
    def find_by_{key}(self, {key}: str) -> list[tuple]:
        # {rng.choice(COMMENTS)}
        cur = self.conn.cursor()''')
    if w.due("sql"):
        w.emit(f"        cur.execute(f\"SELECT * FROM {t} WHERE {key} = '{{{key}}}'\")")
    else:
        w.emit(f'        cur.execute("SELECT * FROM {t} WHERE {key} = ?", ({key},))')
    w.emit(f'''        rows = cur.fetchall()
        log.debug("found %d {t}", len(rows))
        return rows

    def page(self, limit: int = PAGE_SIZE, offset: int = 0) -> list[int]:
        cur = self.conn.cursor()
        cur.execute("SELECT id FROM {t} ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [r[0] for r in cur.fetchall()]

    def delete(self, {e}_id: int) -> None:
        """{DOCS[3].format(e=e)}"""
        with self.conn:
            self.conn.execute("DELETE FROM {t} WHERE id = ?", ({e}_id,))''')


def sqlalchemy_repo(w, i, e, fields):
    rng = w.rng
    t = f"{e}s"
    key = fields[1][0]
    w.emit(f'''

class {cap(e)}Store{i}:
    """SQLAlchemy-backed queries for {t}; the session is request-scoped."""

    def __init__(self, session: Session):
        self.session = session

    def by_owner(self, owner_id: int, status: str = "active"):
        stmt = text("SELECT id, {key} FROM {t} WHERE owner_id = :owner AND status = :status")
        return self.session.execute(stmt, {{"owner": owner_id, "status": status}}).all()

    def count_by_region(self) -> dict[str, int]:
        # {rng.choice(COMMENTS)}
        rows = self.session.execute(text("SELECT region, COUNT(*) FROM {t} GROUP BY region"))
        return {{region or "eu": n for region, n in rows}}''')
    w.emit(f'''
    def lookup(self, {key}: str):
        """{DOCS[4].format(e=e)}"""''')
    if w.due("sql"):
        w.emit(f"        query = f\"SELECT * FROM {t} WHERE {key} = '{{{key}}}' LIMIT 1\"")
        w.emit(f"        return self.session.execute(text(query)).first()")
    else:
        w.emit(f'        query = text("SELECT * FROM {t} WHERE {key} = :value LIMIT 1")')
        w.emit(f'        return self.session.execute(query, {{"value": {key}}}).first()')


def fastapi_handlers(w, i, e, fields):
    rng = w.rng
    key = fields[0][0]
    w.emit(f'''

@router.get("/{e}s/{i}/{{{e}_id}}")
def read_{e}_{i}({e}_id: int):
    """{DOCS[0].format(e=e)}"""
    repo = {cap(e)}Repository{i}(connect())
    item = repo.get({e}_id)
    if item is None:
        raise HTTPException(status_code=404, detail="{e} not found")
    return item.to_json()


@router.get("/{e}s/{i}")
def list_{e}s_{i}(page: int = Query(0, ge=0), size: int = Query(PAGE_SIZE, le=200)):
    """{DOCS[1].format(e=e)}"""
    repo = {cap(e)}Repository{i}(connect())
    ids = repo.page(limit=size, offset=page * size)
    # {rng.choice(COMMENTS)}
    return {{"ids": ids, "page": page, "size": size}}


@router.get("/{e}s/{i}/search")
def search_{e}s_{i}({key}: str = Query(..., min_length=1)):
    repo = {cap(e)}Repository{i}(connect())
    rows = repo.find_by_{key}({key}.strip())
    return [dict(r) for r in rows]


@router.post("/{e}s/{i}", status_code=201)
def create_{e}_{i}(payload: dict, session: Session = Depends(get_session)):
    missing = [k for k in ({", ".join(repr(f[0]) for f in fields[:3])}) if k not in payload]
    if missing:
        raise HTTPException(status_code=422, detail=f"missing fields: {{missing}}")
    item = {cap(e)}{i}(id=0, **{{k: payload[k] for k in payload if k != "id"}})
    new_id = {cap(e)}Repository{i}(connect()).insert(item)
    log.info("created {e} %s", new_id)
    return {{"id": new_id}}''')


def flask_handlers(w, i, e, fields):
    rng = w.rng
    w.emit(f'''

@blueprint.route("/{e}s/{i}/export", methods=["POST"])
def export_{e}s_{i}():
    """Export {e}s as JSON lines into the export directory."""
    region = request.args.get("region", "eu")
    target = os.path.join(os.environ.get("EXPORT_DIR", "/var/exports"), f"{e}s-{{region}}.jsonl")
    conn = connect()
    with open(target, "w", encoding="utf-8") as out:
        for row in conn.execute("SELECT * FROM {e}s WHERE region = ?", (region,)):
            out.write(json.dumps(dict(row)) + "\\n")
    # {rng.choice(COMMENTS)}
    return jsonify({{"path": target, "size": os.path.getsize(target)}})


@blueprint.route("/{e}s/{i}/<int:{e}_id>", methods=["DELETE"])
def delete_{e}_{i}({e}_id: int):
    {cap(e)}Repository{i}(connect()).delete({e}_id)
    return "", 204''')


def helpers(w, i, e, fields):
    rng = w.rng
    tool, safe, unsafe = TOOLS[i % len(TOOLS)]
    w.emit(f'''

def run_{tool}_{i}(src: str, dest: str = "") -> str:
    """Run {tool} for the {e} export job and return its standard output."""
    # {rng.choice(COMMENTS)}
    started = time.monotonic()''')
    if w.due("shell"):
        w.emit(f"    cmd = {unsafe}")
        w.emit(f"    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)")
    else:
        w.emit(f"    args = {safe}")
        w.emit(f'    log.debug("running %s", shlex.join(args))')
        w.emit(f"    proc = subprocess.run(args, capture_output=True, text=True, check=False)")
    w.emit(f'''    if proc.returncode != 0:
        log.warning("{tool} failed after %.1fs: %s", time.monotonic() - started, proc.stderr[-200:])
    return proc.stdout


def load_{e}_rules_{i}(stream) -> dict[str, int]:
    """Read per-region limits for {e}s from a YAML document."""''')
    if w.due("yaml"):
        w.emit("    data = yaml.load(stream)")
    else:
        w.emit("    data = yaml.safe_load(stream)")
    w.emit(f'''    limits: dict[str, int] = {{}}
    for region, value in (data or {{}}).items():
        if isinstance(value, int) and value >= 0:
            limits[region] = value
    return limits


def score_{e}_{i}(expr: str, context: dict[str, float]) -> float:
    """Evaluate a pricing expression configured by an operator."""''')
    if w.due("eval"):
        w.emit("    value = eval(expr)")
    else:
        w.emit("    value = ast.literal_eval(expr)")
    w.emit(f'''    weight = context.get("{fields[-1][0]}", 1.0)
    return float(value) * weight


def slug_{e}_{i}(title: str) -> str:
    """Lower-case, ASCII-only slug: "Ünïcode Title" → "unicode-title"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:64] or hashlib.sha256(title.encode()).hexdigest()[:12]''')


def service(w, i, e, fields):
    rng = w.rng
    w.emit(f'''

class {cap(e)}Service{i}:
    """Business rules for {e}s: validation, totals and notifications."""

    MAX_BATCH = {rng.choice([50, 100, 250, 500])}

    def __init__(self, repo: {cap(e)}Repository{i}, notify=None):
        self.repo = repo
        self.notify = notify or (lambda *_: None)

    def validate(self, payload: dict[str, Any]) -> list[str]:
        errors = []
        # {rng.choice(COMMENTS)}
        for key in ({", ".join(repr(f[0]) for f in fields[:3])}):
            if not payload.get(key):
                errors.append(f"{{key}} is required")
        if "email" in payload and not re.fullmatch(r"[^@\\s]+@[^@\\s]+", str(payload["email"])):
            errors.append("email is invalid")
        return errors

    def totals(self, items: Iterable[{cap(e)}{i}]) -> dict[str, float]:
        result: dict[str, float] = {{}}
        for item in items:
            bucket = getattr(item, "region", "eu") or "eu"
            result[bucket] = result.get(bucket, 0.0) + float(getattr(item, "amount", 0.0))
        return dict(sorted(result.items()))

    def import_batch(self, rows: list[dict[str, Any]]) -> int:
        """Insert rows after validation; stop at the first invalid one."""
        done = 0
        for row in rows[: self.MAX_BATCH]:
            problems = self.validate(row)
            if problems:
                log.info("row %d rejected: %s", done, "; ".join(problems))
                break
            try:
                self.repo.insert({cap(e)}{i}(id=0, **row))
            except sqlite3.IntegrityError as exc:
                log.warning("duplicate {e}: %s", exc)
                continue
            done += 1
        self.notify("{e}.imported", done)
        return done''')


KINDS = [sqlite_repo, fastapi_handlers, helpers, sqlalchemy_repo, service, flask_handlers]


def generate(lines, seed=8000):
    rng = random.Random(seed)
    w = Writer(rng, per_lines=100)
    w.emit(header().rstrip("\n"))
    i = 0
    while len(w.lines) < lines:
        e = ENTITIES[i % len(ENTITIES)]
        fields = rng.sample(FIELDS, rng.randint(4, 7))
        model(w, i, e, fields)
        # Each block is a model, a sqlite repository, and a varying selection of the rest.
        order = [sqlite_repo] + rng.sample(KINDS[1:], rng.randint(3, 5))
        for kind in order:
            if len(w.lines) >= lines:
                break
            kind(w, i, e, fields)
        i += 1
    text = "\n".join(w.lines).rstrip("\n") + "\n"
    return text, w


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    out = sys.argv[2] if len(sys.argv) > 2 else None
    text, w = generate(lines)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    n = text.count("\n")
    planted = sum(w.planted.values())
    kinds = ", ".join(f"{k} {v}" for k, v in w.planted.items())
    print(f"{out or 'stdout'}: {n} lines, {planted} planted findings ({kinds}), "
          f"one per {n / max(planted, 1):.0f} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
