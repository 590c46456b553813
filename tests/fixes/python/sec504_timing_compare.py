import hashlib

from flask import Flask, abort, request

app = Flask(__name__)
WEBHOOK_SECRET = b"whsec"


@app.post("/webhooks/github")
def github_webhook():
    expected_sig = "sha256=" + hashlib.sha256(WEBHOOK_SECRET + request.data).hexdigest()
    if request.headers.get("X-Hub-Signature-256") != expected_sig:
        abort(401)
    return {"ok": True}
