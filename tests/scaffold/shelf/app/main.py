"""Shelf: a small book catalogue."""
from fastapi import FastAPI

from app.routers import books, readers

app = FastAPI(title="shelf")
app.include_router(books.router, prefix="/api")
app.include_router(readers.router, prefix="/api")
