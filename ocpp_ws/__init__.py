"""The OCPP 1.6J WebSocket endpoint: stations connect here and report what they do."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ocpp_ws import dispatcher, endpoint, handshake
    from portal import lanes

    lanes.init_app(app, app.config["OCPP_ENGINE_OPTIONS"])
    dispatcher.init_app(app)
    handshake.init_app(app)
    endpoint.init_app(app)
