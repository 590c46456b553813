from flask import Flask

app = Flask(__name__)


@app.get("/items")
def list_items():
    return {"items": []}
