from typing import Annotated

from fastapi import APIRouter, Depends, Query
from rest_framework.pagination import LimitOffsetPagination, PageNumberPagination
from sqlalchemy import select
from sqlalchemy.orm import Session

from .database import get_db
from .models import Item

router = APIRouter(prefix="/items")


@router.get("/")
def list_items(offset: int = 0, limit: int = 100, db: Session = Depends(get_db)):
    return db.scalars(select(Item).order_by(Item.id).offset(offset).limit(limit)).all()


@router.get("/search")
def search(q: str, page: int = 1, per_page: int = Query(250, ge=1), db: Session = Depends(get_db)):
    stmt = select(Item).where(Item.title.contains(q)).order_by(Item.id)
    return db.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()


@router.get("/latest")
def latest(limit: Annotated[int, Query(ge=1)] = 20, db: Session = Depends(get_db)):
    return db.scalars(select(Item).order_by(Item.id.desc()).limit(limit)).all()


class ItemPagination(PageNumberPagination):
    """Pages of items."""

    page_size = 20
    page_size_query_param = "page_size"


class FeedPagination(LimitOffsetPagination):
    default_limit = 50
