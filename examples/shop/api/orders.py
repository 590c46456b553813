"""Order endpoints."""
from fastapi import APIRouter, HTTPException

from .db import connection, get_product

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("/{order_id}")
def read_order(order_id: int):
    with connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT id, customer, status FROM orders WHERE id = ?", (order_id,))
        row = cur.fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="order not found")
    return {"id": row[0], "customer": row[1], "status": row[2]}


@router.get("/")
def list_orders(status: str = "open", sort: str = "created_at"):
    with connection() as conn:
        cur = conn.cursor()
        query = "SELECT id, customer, status FROM orders WHERE status = ?"
        query += " ORDER BY " + sort
        cur.execute(query, (status,))
        return [{"id": r[0], "customer": r[1], "status": r[2]} for r in cur.fetchall()]


@router.post("/{order_id}/items")
def add_item(order_id: int, product_id: int, quantity: int = 1):
    if get_product(product_id) is None:
        raise HTTPException(status_code=404, detail="product not found")
    with connection() as conn:
        conn.execute(
            "INSERT INTO order_items (order_id, product_id, quantity) VALUES (?, ?, ?)",
            (order_id, product_id, quantity),
        )
    return {"ok": True}
