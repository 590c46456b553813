import sqlite3

import yaml
from flask import Flask, request

app = Flask(__name__)


@app.get("/users")
def list_users():
    name = request.args.get("name", "")
    db = sqlite3.connect("app.db")
    rows = db.execute(f"SELECT id FROM users WHERE name = '{name}'").fetchall()
    return {"users": rows}


def load_config(stream):
    return yaml.load(stream)
