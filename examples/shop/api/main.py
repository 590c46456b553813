"""The shop API."""
from pathlib import Path

from fastapi import FastAPI

from . import orders, reports
from .settings import load_settings

settings = load_settings(Path(__file__).with_name("settings.yaml"))
app = FastAPI(title="shop")
app.include_router(orders.router)
app.include_router(reports.router)


@app.get("/healthz")
def health():
    return {"status": "ok"}
