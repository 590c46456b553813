"""In-memory storage standing in for the database."""
import itertools
import threading

_lock = threading.Lock()
_ids = itertools.count(2)
BOOKS = {1: {"id": 1, "title": "Dune", "author": "Frank Herbert", "year": 1965}}


def add_book(title: str, author: str, year: int) -> dict:
    with _lock:
        book_id = next(_ids)
        BOOKS[book_id] = {"id": book_id, "title": title, "author": author, "year": year}
        return BOOKS[book_id]
