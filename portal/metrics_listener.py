"""The listener that serves the Prometheus metrics (portal.metrics) apart from the portal's port.

Under gunicorn every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode, set up by gunicorn.conf.py before the workers start)
and the master's listener adds them up; the master imports this module, never the metrics
themselves. A single process (`flask serve`, the clock) serves its own values.
"""

from __future__ import annotations

import os
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import start_http_server
from prometheus_client.multiprocess import MultiProcessCollector


def exported() -> CollectorRegistry:
    """What a listener serves: every process's values in multiprocess mode, else this one's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, directory)
    return registry


def serve(host: str, port: int) -> WSGIServer:
    """Serve the metrics on http://host:port/metrics from a thread (a greenlet under gevent)."""
    server, _thread = start_http_server(port, host, registry=exported())
    return server
