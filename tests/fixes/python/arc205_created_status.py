from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from .db import Order, get_db

router = APIRouter()


class OrderIn(BaseModel):
    item: str


class OrderOut(BaseModel):
    id: int
    item: str


@router.post("/orders", response_model=OrderOut)
def create_order(payload: OrderIn, db: Session = Depends(get_db)):
    order = Order(item=payload.item)
    db.add(order)
    db.commit()
    return order
