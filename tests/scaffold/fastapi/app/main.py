"""Inventory API."""
import os

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Item
from app.security import get_current_user

app = FastAPI(title="inventory", debug=os.getenv("DEBUG", "0") == "1")


class OrderIn(BaseModel):
    item_id: int
    quantity: int


class ItemOut(BaseModel):
    id: int
    name: str


@app.get("/items")
async def list_items(db: Session = Depends(get_db), user=Depends(get_current_user)):
    return db.query(Item).all()


@app.get("/items/{item_id}")
async def read_item(item_id: int, db: Session = Depends(get_db), user=Depends(get_current_user)):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="not found")
    return item


@app.post("/orders", status_code=201)
async def create_order(order: OrderIn, db: Session = Depends(get_db)):
    return {"id": 1, "item_id": order.item_id, "quantity": order.quantity}
