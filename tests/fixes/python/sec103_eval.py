from flask import Flask, request

app = Flask(__name__)


@app.post("/settings/preview")
def preview():
    overrides = eval(request.form["overrides"])
    return {"overrides": overrides}
