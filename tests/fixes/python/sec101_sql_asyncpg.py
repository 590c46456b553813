import asyncpg
from fastapi import FastAPI

app = FastAPI()


@app.get("/invoices")
async def invoices(customer: str):
    conn = await asyncpg.connect("postgresql://shop@db/shop")
    return await conn.fetch("SELECT id, total FROM invoices WHERE customer = '" + customer + "'")
