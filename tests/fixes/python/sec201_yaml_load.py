import yaml
from flask import Flask, request

app = Flask(__name__)


@app.post("/import")
def import_config():
    config = yaml.load(request.data)
    everything = yaml.unsafe_load(request.data)
    return {"keys": list(config), "more": list(everything)}
