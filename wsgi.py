"""The WSGI entry point (gunicorn, `flask --app wsgi`)."""

import gc

from gevent import monkey

# First of all: psycopg picks its gevent-friendly wait function at import time (DESIGN.md).
monkey.patch_all()

from portal import create_app  # noqa: E402

app = create_app()

# A server holding thousands of station connections has millions of long-lived objects: a
# full collection of them stalls every connection for 200 ms or more. What start-up made
# is frozen out of collections, and the young generation is collected less often, so
# that full collections become rare (bench/README.md).
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 20, 20)
