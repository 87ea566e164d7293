"""Refuse a station's WebSocket handshake before the upgrade (400, 401, 404), and say why.

This runs as a before_request hook: once flask-sock has answered 101 it is too late to
refuse, and simple-websocket would accept a client that offers no matching subprotocol.

Anyone may knock, so what knocking stores is limited (in the services): past
OCPP_REFUSED_CONNECTIONS_LIMIT a refusal is answered as before and not recorded; past
OCPP_AUTO_REGISTER_LIMIT an unknown station is refused (404) as if auto-registration were
off, and joins when it tries again later. Nobody is answered 429: a station retries anyway,
and a prober learns nothing.

A worker holding OCPP_MAX_CONNECTIONS_PER_WORKER stations answers 503 with Retry-After, so
that after a deploy the first worker up does not take every station; so does any worker
out of database connections (portal.blueprints.errors), never 500.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from ocpp_ws import registry
from portal import lanes
from portal.errors import retry_after
from portal.extensions import db
from portal.models import RefusalReason, Station, Tenant
from portal.services import connection_attempts, stations
from tenants import provisioning, scoping

SUBPROTOCOL = "ocpp1.6"
STATION_ENDPOINT = "ocpp_station"
BARE_DOMAIN_STATION_ENDPOINT = "ocpp_station_on_bare_domain"


def _offered_subprotocols() -> list[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [protocol.strip() for protocol in header.split(",") if protocol.strip()]


def _refusal(status: int, message: str, *, challenge: bool = False) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    if challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
    return response


def busy(message: str) -> Response:
    """503 with Retry-After: stations come back later, spread out."""
    response = _refusal(503, message)
    response.headers["Retry-After"] = str(retry_after())
    return response


def _tenant() -> Tenant | None:
    if g.tenant is None:  # /ocpp/<slug>/<chargeBoxId> on the bare domain
        tenant = provisioning.find_by_slug((request.view_args or {}).get("slug", ""))
        if tenant is not None:
            g.tenant = tenant
            g.tenant_scope_token = scoping.enter(tenant)
    return g.tenant


def _refuse_and_record(tenant: Tenant, charge_box_id: str, reason: RefusalReason,
                       status: int) -> Response:
    connection_attempts.record(tenant, charge_box_id, reason, request.remote_addr or "")
    db.session.commit()
    return _refusal(status, f"Refused: {reason.value}.", challenge=status == 401)


def check() -> Response | None:
    """The refusal to send instead of upgrading, or None to let the station in."""
    if request.endpoint not in (STATION_ENDPOINT, BARE_DOMAIN_STATION_ENDPOINT):
        return None
    if not registry.admit(current_app.config["OCPP_MAX_CONNECTIONS_PER_WORKER"]):
        return busy("This worker holds all the stations it may: try again shortly.")
    g.ocpp_admitted = True
    tenant = _tenant()
    if tenant is None:
        return _refusal(404, "Unknown company.")
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return _refusal(400, "This is an OCPP 1.6J WebSocket endpoint.")
    charge_box_id = (request.view_args or {})["charge_box_id"]
    if not stations.is_usable_charge_box_id(charge_box_id):
        # No station can have it ("..", a space, 300 characters), nor could it be stored:
        # nothing is recorded.
        return _refusal(400, "Refused: a chargeBoxId has 1 to 255 letters, digits and . _ : -")
    if SUBPROTOCOL not in _offered_subprotocols():
        return _refuse_and_record(tenant, charge_box_id, RefusalReason.NO_SUBPROTOCOL, 400)
    credentials = request.authorization
    username = credentials.username if credentials else None
    password = credentials.password if credentials else None
    station = stations.find(charge_box_id) or _auto_register(tenant, charge_box_id, password)
    if station is None:
        return _refuse_and_record(tenant, charge_box_id, RefusalReason.UNKNOWN_STATION, 404)
    g.ocpp_station = (station.tenant_id, station.id, station.charge_box_id)
    expected = stations.ExpectedKey.of(tenant, station)
    db.session.commit()  # no database connection is held while the key is checked
    reason = expected.refusal(username, password)
    if reason is not None:
        return _refuse_and_record(tenant, charge_box_id, reason, 401)
    expected.remember(password)
    db.session.commit()
    # OCPP frames are small: compression would triple the memory of each connection.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    return None


def _auto_register(tenant: Tenant, charge_box_id: str, auth_key: str | None) -> Station | None:
    """The new Pending station, or None: no auto-registration, or its limit is reached (the
    station is then refused as unknown, and tries again later)."""
    if not tenant.auto_register_stations:
        return None
    station = stations.register_pending(tenant, charge_box_id, auth_key)
    if station is not None:
        connection_attempts.record(tenant, charge_box_id, RefusalReason.UNKNOWN_STATION,
                                   request.remote_addr or "")
    return station


def _enter_lane() -> None:
    if request.endpoint in (STATION_ENDPOINT, BARE_DOMAIN_STATION_ENDPOINT):
        g.ocpp_lane_token = lanes.enter_ocpp_lane()


def _end(_error: BaseException | None) -> None:
    if g.pop("ocpp_admitted", False):
        registry.release()
    if (token := g.pop("ocpp_lane_token", None)) is not None:
        lanes.leave(token)


def init_app(app: Flask) -> None:
    # Before every other hook, the company's lookup included: a station's request takes
    # its connections from the OCPP lane's pool.
    app.before_request_funcs.setdefault(None, []).insert(0, _enter_lane)
    app.before_request(check)
    app.teardown_request(_end)
