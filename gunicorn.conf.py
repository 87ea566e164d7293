"""gunicorn's settings and hooks for the Procfile's web process.

- TLS: it serves HTTPS and wss:// itself when TLS_CERT_FILE and TLS_KEY_FILE are set, with
  the same TLS as `flask serve`.
- Metrics: with METRICS_PORT set, the master points PROMETHEUS_MULTIPROC_DIR at a new
  temporary directory (under TMPDIR) before any worker starts (the workers inherit it and
  write their values there), serves their sum on METRICS_HOST:METRICS_PORT, and forgets a
  worker's live gauges when it exits.

The master imports nothing of the app but its settings: a worker must import psycopg after
gevent's monkey-patching (DESIGN.md), which would be too late for a module imported here.
"""

import os
import shutil
import ssl
import tempfile
from collections.abc import Callable
from functools import partial

from dotenv import load_dotenv
from gunicorn.arbiter import Arbiter
from gunicorn.config import Config
from gunicorn.workers.base import Worker

# Every name here that is one of gunicorn's settings is taken as its value: not `config`.
from portal import config as plugboard_config

load_dotenv(plugboard_config.PROJECT_ROOT / ".env")
_settings = plugboard_config.load()
_directory: list[str] = []  # PROMETHEUS_MULTIPROC_DIR, once made; removed at exit
certfile = _settings["TLS_CERT_FILE"] or None
keyfile = _settings["TLS_KEY_FILE"] or None


def ssl_context(config: Config, default_factory: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """Plugboard's context (TLS 1.2 or newer), built in each worker once wsgi.py has run."""
    from portal.tls import server_context

    context = server_context(config.certfile, config.keyfile)
    # gunicorn's gevent worker hands gevent the context alone, and gevent then shakes hands as
    # it accepts: a failed handshake was a greenlet's traceback. Deferred, as gunicorn's own
    # do_handshake_on_connect (False) means, gunicorn logs it as one "Invalid request" line.
    context.wrap_socket = partial(context.wrap_socket, do_handshake_on_connect=False)
    return context


def on_starting(server: Arbiter) -> None:
    if _settings["METRICS_PORT"]:
        # A new directory each start: a file left by an earlier run would add a dead
        # worker's values to the sums. Set before prometheus_client is first imported,
        # here or in a worker: it reads the variable then.
        _directory.append(tempfile.mkdtemp(prefix="plugboard-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _directory[0]


def when_ready(server: Arbiter) -> None:
    if _settings["METRICS_PORT"]:
        from portal import metrics_listener

        metrics_listener.serve(_settings["METRICS_HOST"], _settings["METRICS_PORT"])
        server.log.info("Metrics on http://%s:%s/metrics", _settings["METRICS_HOST"],
                        _settings["METRICS_PORT"])


def child_exit(server: Arbiter, worker: Worker) -> None:
    if _settings["METRICS_PORT"]:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Arbiter) -> None:
    for directory in _directory:
        shutil.rmtree(directory, ignore_errors=True)
