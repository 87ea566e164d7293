"""The socket of one station: register it, answer each frame, mark it offline at the end."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from simple_websocket import ConnectionClosed, Server

from ocpp_ws import dispatcher, registry
from ocpp_ws.connection import Connection
from ocpp_ws.handshake import BARE_DOMAIN_STATION_ENDPOINT, STATION_ENDPOINT, SUBPROTOCOL
from ocpp_ws.routing import ROUTER, Router
from ocpp_ws.station_state import StationState
from portal.errors import BUSY
from portal.extensions import db, sock
from portal.models import Station
from portal.services import stations

log = logging.getLogger(__name__)
TRY_AGAIN_LATER = 1013  # WebSocket close code (RFC 6455 registry): a server overloaded


def _open(connection: Connection) -> None:
    """Mark the station online and read what its frames need, in one transaction (a
    failure leaves nothing behind); then make this worker its holder."""
    try:
        station = db.session.get(Station, connection.state.station_id)
        connection.connection_id = stations.connected(station, request.remote_addr or "")
        connection.state.load()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()
    previous = registry.register(connection)
    if previous is not None:
        previous.close(message="replaced by a new connection")
    if router := current_app.extensions.get(ROUTER):
        router.held(connection)


def _close(connection: Connection, reason: str) -> None:
    """Forget the connection and mark the station offline. Nothing may escape from here:
    the socket was upgraded, so an error answered as HTTP would be written into it."""
    try:
        if registry.unregister(connection) and (router := current_app.extensions.get(ROUTER)):
            router.released(connection)
        station = db.session.get(Station, connection.state.station_id)
        if station is not None:
            stations.disconnected(station, connection.connection_id, reason)
            db.session.commit()
    except BUSY as error:  # it shows online until it connects again, which replaces this
        db.session.rollback()
        log.warning("%s not marked offline, the system is busy: %s",
                    connection.state.charge_box_id, error)
    except Exception:
        db.session.rollback()
        log.exception("%s not marked offline", connection.state.charge_box_id)
    finally:
        db.session.remove()
        connection.shut_down()


def serve(ws: Server, **_route: str) -> None:
    connection = Connection(ws, StationState(*g.ocpp_station))
    try:
        _open(connection)
    except Exception as error:  # out of database connections, or the database is down
        log.warning("%s not taken in, asked to come back later: %s",
                    connection.state.charge_box_id, error)
        connection.close(TRY_AGAIN_LATER, "The central system is busy: try again later.")
        connection.shut_down()
        return
    max_frame_bytes = current_app.config["OCPP_MAX_FRAME_BYTES"]
    reason = "The station closed the connection."
    try:
        while (frame := connection.receive()) is not None:
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            answer = dispatcher.handle_frame(connection.state, text, max_frame_bytes,
                                             connection.deliver)
            if answer is not None:
                connection.send(answer)
            if connection.state.follow_ups:
                dispatcher.follow_up(connection.state)
    except ConnectionClosed:
        if not ws.pong_received:  # simple-websocket's ping loop gave up waiting for a pong
            reason = "No answer to ping: the station is unreachable."
    except Exception:
        log.exception("connection of %s failed", connection.state.charge_box_id)
        reason = "The connection failed."
    finally:
        _close(connection, reason)


def init_app(app: Flask) -> None:
    if app.config["REDIS_URL"]:
        app.extensions[ROUTER] = Router(app.config["REDIS_URL"], app.config["OCPP_REGISTRY_TTL"],
                                        app.config["REDIS_POOL_SIZE"])
    ping_interval = app.config["OCPP_PING_INTERVAL"] or None
    app.config["SOCK_SERVER_OPTIONS"] = {
        "subprotocols": [SUBPROTOCOL],
        "ping_interval": ping_interval,
        # Hard limit of the socket; frames up to it get a proper CALLERROR instead.
        "max_message_size": 4 * app.config["OCPP_MAX_FRAME_BYTES"],
    }
    sock.route("/ocpp/<charge_box_id>", endpoint=STATION_ENDPOINT)(serve)
    sock.route("/ocpp/<slug>/<charge_box_id>", endpoint=BARE_DOMAIN_STATION_ENDPOINT)(serve)
