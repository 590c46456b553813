from flask import Flask
from flask_cors import CORS, cross_origin

app = Flask(__name__)
CORS(app)


@app.get("/widgets")
@cross_origin(origins="*", methods=["GET"])
def widgets():
    return {"widgets": []}
