from __future__ import annotations

import resource

import click
from flask import current_app
from flask.cli import with_appcontext
from gevent.pywsgi import WSGIServer

from portal.cli.common import serve_metrics


@click.command("serve")
@with_appcontext
@click.option("--host", help="Address to listen on [default: HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on [default: PORT or 8000].")
def command(host: str | None, port: int | None) -> None:
    """Serve the portal and the OCPP endpoint with gevent."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    domain = app.config["PORTAL_DOMAIN"]
    click.echo(f"Plugboard is serving on http://{host}:{port}")
    click.echo(f"Open http://<company>.{domain}:{port}/ (for the demo: http://demo.{domain}:{port}/)")
    serve_metrics(app.config["METRICS_PORT"])
    _allow_many_connections()
    WSGIServer((host, port), app, log=None).serve_forever()


def _allow_many_connections() -> None:
    # Each station's socket costs two descriptors under pywsgi (simple-websocket dups it);
    # the usual soft limit of 1,024 would stop at about 500 stations.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
