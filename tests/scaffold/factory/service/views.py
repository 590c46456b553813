from flask import Blueprint

bp = Blueprint("views", __name__)


@bp.get("/ping")
def ping():
	return {"pong": True}
