import logging

from flask import Blueprint, jsonify

bp = Blueprint("posts", __name__)
log = logging.getLogger(__name__)


def notify_followers(post_id):
    log.info("notify %s", post_id)


@bp.route("/<int:post_id>/share", methods=["POST"])
def share(post_id):
    try:
        notify_followers(post_id)
    except:
        log.exception("sharing %s failed", post_id)
        return jsonify({"error": "could not share"}), 502
    return jsonify({"shared": post_id})


@bp.route("/<int:post_id>/pin", methods=["POST"])
def pin(post_id):
    try:
        notify_followers(post_id)
    except:
        pass
    return jsonify({"pinned": post_id})
