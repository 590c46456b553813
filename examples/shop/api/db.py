"""SQLite access for the shop API."""
import os
import sqlite3
from contextlib import contextmanager

DB_PATH = os.environ.get("SHOP_DB", "shop.db")


@contextmanager
def connection():
    conn = sqlite3.connect(DB_PATH)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def get_product(product_id: int):
    with connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT id, name, price FROM products WHERE id = ?", (product_id,))
        return cur.fetchone()


def find_products(name: str):
    with connection() as conn:
        cur = conn.cursor()
        cur.execute(f"SELECT id, name, price FROM products WHERE name LIKE '%{name}%'")
        return cur.fetchall()
