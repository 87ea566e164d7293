from __future__ import annotations

import resource
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from gevent.pywsgi import WSGIServer

from portal.cli.common import serve_metrics
from portal.config import ConfigError
from portal.tls import server_context


@click.command("serve")
@with_appcontext
@click.option("--host", help="Address to listen on [default: HOST or 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on [default: PORT or 8000].")
def command(host: str | None, port: int | None) -> None:
    """Serve the portal and the OCPP endpoint with gevent (HTTPS and wss:// with
    TLS_CERT_FILE and TLS_KEY_FILE)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    domain = app.config["PORTAL_DOMAIN"]
    tls = _tls_options(app.config)
    scheme = "https" if tls else "http"
    click.echo(f"Plugboard is serving on {scheme}://{host}:{port}")
    click.echo(f"Open {scheme}://<company>.{domain}:{port}/ "
               f"(for the demo: {scheme}://demo.{domain}:{port}/)")
    serve_metrics(app.config["METRICS_PORT"])
    _allow_many_connections()
    # With an ssl_context pywsgi says wsgi.url_scheme=https: cookies and HSTS follow from it.
    WSGIServer((host, port), app, log=None, **tls).serve_forever()


def _tls_options(config: dict[str, Any]) -> dict[str, Any]:
    if not config["TLS_CERT_FILE"]:
        return {}
    try:
        context = server_context(config["TLS_CERT_FILE"], config["TLS_KEY_FILE"])
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    # The handshake waits for the first read, in the request handler: there a failed one (a
    # plain-HTTP client, an untrusted certificate, TLS 1.1) ends the connection quietly, where
    # on accept it printed a greenlet's traceback.
    return {"ssl_context": context, "do_handshake_on_connect": False}


def _allow_many_connections() -> None:
    # Each station's socket costs two descriptors under pywsgi (simple-websocket dups it);
    # the usual soft limit of 1,024 would stop at about 500 stations.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
