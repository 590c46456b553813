from flask import Blueprint, make_response, request

bp = Blueprint("prefs", __name__)


@bp.post("/device")
def remember_device():
    resp = make_response("", 204)
    resp.set_cookie("device_id", request.form["device"], max_age=30 * 24 * 3600)
    resp.set_cookie("layout", request.form.get("layout", "grid"), secure=False)
    return resp
