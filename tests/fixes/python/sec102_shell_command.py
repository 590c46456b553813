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


@app.post("/archive")
def archive():
    name = request.form["name"]
    subprocess.call("tar -czf backups/" + name + ".tgz " + name, shell=True)
    # Not rewritten: a glob needs the shell.
    subprocess.call("rm -f /tmp/" + name + "*", shell=True)
    return {"ok": True}


@app.post("/restore")
def restore():
    form = request.form
    subprocess.call(f'tar -xzf backups/{form["name"]}.tgz', shell=True)
    return {"ok": True}
