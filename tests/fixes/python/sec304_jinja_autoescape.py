from flask import Flask, request
from jinja2 import Environment, FileSystemLoader

app = Flask(__name__)
reports_env = Environment(loader=FileSystemLoader("templates"))


@app.get("/report")
def report():
    template = reports_env.get_template("report.html")
    return template.render(title=request.args.get("title", ""))
