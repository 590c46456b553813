from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from app import store

router = APIRouter(prefix="/books", tags=["books"])


class BookIn(BaseModel):
    title: str
    author: str
    year: int


@router.get("")
async def list_books(limit: int = 20):
    return list(store.BOOKS.values())[:limit]


@router.get("/{book_id}")
async def read_book(book_id: int):
    book = store.BOOKS.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="not found")
    return book


@router.post("", status_code=201)
async def create_book(book: BookIn):
    return store.add_book(book.title, book.author, book.year)


@router.delete("/{book_id}", status_code=204)
async def delete_book(book_id: int):
    store.BOOKS.pop(book_id, None)
