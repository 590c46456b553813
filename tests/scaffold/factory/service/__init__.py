from flask import Flask

from .views import bp


def create_app(config=None):
	app = Flask(__name__)
	app.config.from_mapping(config or {})
	app.register_blueprint(bp)
	return app
