"""The WSGI entry point (gunicorn, `flask --app wsgi`)."""

from gevent import monkey

# First of all: psycopg picks its gevent-friendly wait function at import time (DESIGN.md).
monkey.patch_all()

from portal import create_app  # noqa: E402

app = create_app()
