"""/api/v1: the JSON API for automation, on a company's own domain.

Bearer tokens of the company (auth.py), one error shape (errors.py), a module per noun
that parses input, calls one service and serialises, and the OpenAPI document."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies here: a bearer token cannot be forged by another site

from portal.api import commands, openapi, stations, transactions  # noqa: E402, F401  (views)
