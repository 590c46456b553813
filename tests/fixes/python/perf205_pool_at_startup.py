import os

import httpx
import psycopg2
from fastapi import FastAPI
from pymongo import MongoClient
from sqlalchemy import create_engine, text

DATABASE_URL = os.environ["DATABASE_URL"]
app = FastAPI()


@app.get("/orders")
def list_orders():
    engine = create_engine(DATABASE_URL, pool_size=5)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT id, total FROM orders LIMIT 50"))]


@app.get("/reviews")
def list_reviews():
    client = MongoClient(
        os.environ["MONGODB_URI"],
        serverSelectionTimeoutMS=2000,
    )
    return list(client.shop.reviews.find({}, {"_id": 0}).limit(50))


@app.get("/rates")
def rates():
    http = httpx.Client(timeout=5)
    return http.get("https://rates.example.com/v1/latest").json()


# Not fixed: the handler closes its engine, a shared one would be closed for everyone.
@app.get("/audit")
def audit():
    engine = create_engine(DATABASE_URL)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id FROM audit LIMIT 10")).all()
    engine.dispose()
    return [r.id for r in rows]


# Not fixed: the URL depends on the request.
@app.get("/tenants/{tenant}/orders")
def tenant_orders(tenant: str):
    engine = create_engine(f"sqlite:///tenants/{tenant}.db")
    with engine.connect() as conn:
        return [r.id for r in conn.execute(text("SELECT id FROM orders LIMIT 50"))]


# Not fixed: one connection cannot be shared between requests (it needs a pool).
@app.get("/invoices")
def invoices():
    conn = psycopg2.connect(DATABASE_URL)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM invoices LIMIT 50")
        return [r[0] for r in cur.fetchall()]
