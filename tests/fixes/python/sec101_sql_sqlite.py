import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.get("/orders")
def orders():
    customer = request.args["customer"]
    status = request.args.get("status", "open")
    db = sqlite3.connect("shop.db")
    cur = db.cursor()
    cur.execute(f"SELECT id, total FROM orders WHERE customer = '{customer}' AND status = '{status}'")
    return {"orders": cur.fetchall()}


@app.get("/columns")
def columns():
    # Not rewritten: PRAGMA takes a name, which no driver binds.
    table_name = request.args["table"]
    db = sqlite3.connect("shop.db")
    return {"columns": db.execute("PRAGMA table_info(%s)" % table_name).fetchall()}
