from flask import Blueprint

bp = Blueprint("account", __name__)

from portal.blueprints.account import (  # noqa: E402, F401  (registers the views)
    email_change,
    password_reset,
    profile,
    routes,
    two_factor,
)
