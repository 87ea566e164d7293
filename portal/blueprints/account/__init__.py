from flask import Blueprint

bp = Blueprint("account", __name__)

from portal.blueprints.account import profile, routes  # noqa: E402, F401  (registers the views)
