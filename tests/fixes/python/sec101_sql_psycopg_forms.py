import psycopg2
from flask import Flask, request

app = Flask(__name__)
conn = psycopg2.connect("dbname=shop")


@app.get("/customers")
def customers():
    name = request.args["name"]
    city = request.args["city"]
    limit = request.args.get("limit", "20")
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers WHERE name = '" + name + "' AND discount > 0.5")
    cur.execute("SELECT id FROM customers WHERE city = '%s' AND name LIKE 'A%%' LIMIT %s" % (city, limit))
    cur.execute("SELECT id FROM customers WHERE name = '{}' AND city = '{c}'".format(name, c=city))
    return {"rows": cur.fetchall()}


@app.get("/search")
def search():
    q = request.args["q"]
    table = request.args["table"]
    cur = conn.cursor()
    # Not rewritten: a value inside a LIKE pattern, and an identifier.
    cur.execute("SELECT id FROM products WHERE title LIKE '%" + q + "%'")
    cur.execute(f"SELECT id FROM {table}")
    return {"rows": cur.fetchall()}
