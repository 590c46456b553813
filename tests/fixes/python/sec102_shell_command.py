import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/thumbnails")
def thumbnail():
    src = request.form["path"]
    size = request.form.get("size", "128")
    subprocess.run(f"convert {src} -resize {size} --out=thumbs/{src}", shell=True, check=True)
    subprocess.run(["ls", "-l", src], shell=True)
    return {"ok": True}
