"""gunicorn's hooks (Procfile): the workers' Prometheus metrics, added up by the master.

With METRICS_PORT set, the master points PROMETHEUS_MULTIPROC_DIR at a new temporary
directory (under TMPDIR) before any worker starts (the workers inherit it and write their
values there), serves their sum on METRICS_HOST:METRICS_PORT, and forgets a worker's live
gauges when it exits.

The master imports nothing of the app but its settings: a worker must import psycopg after
gevent's monkey-patching (DESIGN.md), which would be too late for a module imported here.
"""

import os
import shutil
import tempfile

from dotenv import load_dotenv
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

# Every name here that is one of gunicorn's settings is taken as its value: not `config`.
from portal import config as plugboard_config

load_dotenv(plugboard_config.PROJECT_ROOT / ".env")
_settings = plugboard_config.load()
_directory: list[str] = []  # PROMETHEUS_MULTIPROC_DIR, once made; removed at exit


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
