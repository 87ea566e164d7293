"""gunicorn's settings for the Procfile's web process: it serves HTTPS and wss:// itself when
TLS_CERT_FILE and TLS_KEY_FILE are set, with the same TLS as `flask serve`."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from functools import partial
from pathlib import Path

from dotenv import load_dotenv
from gunicorn.config import Config

# The master process imports nothing of Plugboard: in each worker wsgi.py's monkey-patch must
# come before psycopg's import (DESIGN.md). So it reads the two settings from the environment
# and the same `.env` as create_app; create_app checks them again in each worker.
load_dotenv(Path(__file__).resolve().parent / ".env")
certfile = os.environ.get("TLS_CERT_FILE") or None
keyfile = os.environ.get("TLS_KEY_FILE") or None


def ssl_context(config: Config, default_factory: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """Plugboard's context (TLS 1.2 or newer), built in each worker once wsgi.py has run."""
    from portal.tls import server_context

    context = server_context(config.certfile, config.keyfile)
    # gunicorn's gevent worker hands gevent the context alone, and gevent then shakes hands as
    # it accepts: a failed handshake was a greenlet's traceback. Deferred, as gunicorn's own
    # do_handshake_on_connect (False) means, gunicorn logs it as one "Invalid request" line.
    context.wrap_socket = partial(context.wrap_socket, do_handshake_on_connect=False)
    return context
