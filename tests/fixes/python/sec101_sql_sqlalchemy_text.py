from fastapi import FastAPI
from sqlalchemy import create_engine, text

app = FastAPI()
engine = create_engine("postgresql+psycopg://shop@db/shop")


@app.get("/users/{user_id}/orders")
def user_orders(user_id: int, status: str):
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id FROM orders WHERE user_id = {user_id} AND status = '{status}'"))
        return [dict(r._mapping) for r in rows]
