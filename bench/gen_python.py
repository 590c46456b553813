#!/usr/bin/env python3
"""Writes a deterministic, realistic Python backend module of about N lines (default 8000).

Usage: python3 bench/gen_python.py [LINES] [OUT]
Roughly one security finding per 100 lines, like real code that has a few mistakes.
"""
import sys

HEADER = '''"""Generated benchmark module: repositories, handlers and helpers."""
import os
import sqlite3
import subprocess
from dataclasses import dataclass

import yaml
from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/items")
TABLE = "items"

'''

BLOCK = '''

@dataclass
class Item{i}:
    id: int
    name: str
    price: float = 0.0


class ItemRepository{i}:
    """Data access for items (block {i})."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path)

    def get(self, item_id: int):
        cur = self.conn.cursor()
        cur.execute("SELECT id, name, price FROM items WHERE id = ?", (item_id,))
        row = cur.fetchone()
        return Item{i}(*row) if row else None

    def search(self, name: str):
        cur = self.conn.cursor()
        {search}
        return cur.fetchall()

    def page(self, limit: int = 50, offset: int = 0):
        cur = self.conn.cursor()
        cur.execute(f"SELECT id FROM {{TABLE}} LIMIT {{int(limit)}} OFFSET {{int(offset)}}")
        return [r[0] for r in cur.fetchall()]


@router.get("/{i}/{{item_id}}")
def read_item_{i}(item_id: int):
    repo = ItemRepository{i}(os.environ.get("DB", "app.db"))
    item = repo.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="not found")
    return {{"id": item.id, "name": item.name, "price": item.price}}


def archive_{i}(path: str, dest: str):
    # Compress an export for the nightly job.
    {archive}
    return os.path.getsize(dest) if os.path.exists(dest) else 0


def load_rules_{i}(stream):
    data = {load}
    total = 0
    for key, value in data.items():
        if isinstance(value, int):
            total += value
    return total
'''


def block(i: int) -> str:
    bad = i % 3 == 0
    search = (
        "cur.execute(f\"SELECT id FROM items WHERE name = '{name}'\")"
        if bad
        else 'cur.execute("SELECT id FROM items WHERE name = ?", (name,))'
    )
    archive = (
        'subprocess.run(f"tar czf {dest} {path}", shell=True, check=True)'
        if i % 7 == 0
        else 'subprocess.run(["tar", "czf", dest, path], check=True)'
    )
    load = "yaml.load(stream)" if i % 11 == 0 else "yaml.safe_load(stream)"
    return BLOCK.format(i=i, search=search, archive=archive, load=load)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    out = sys.argv[2] if len(sys.argv) > 2 else "/dev/stdout"
    parts = [HEADER]
    count = HEADER.count("\n")
    i = 0
    while count < lines:
        b = block(i)
        parts.append(b)
        count += b.count("\n")
        i += 1
    with open(out, "w") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
