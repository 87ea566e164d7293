"""The station's WebSocket: where to connect, how to authenticate, and a readable frame log."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

SUBPROTOCOL = Subprotocol("ocpp1.6")
# A refusal that retrying with the same URL and key cannot cure.
PERMANENT_REFUSALS = frozenset({400, 401, 403, 404})

log = logging.getLogger("simulator")


class Refused(Exception):
    """The central system answered the handshake with an HTTP status instead of 101."""

    def __init__(self, status: int, reason: str, body: bytes) -> None:
        self.status = status
        detail = body.decode(errors="replace").strip().splitlines()
        super().__init__(f"HTTP {status} {reason}" + (f": {detail[0][:200]}" if detail else ""))

    @property
    def permanent(self) -> bool:
        return self.status in PERMANENT_REFUSALS


def describe(error: BaseException) -> str:
    """An exception in a few words; some (TimeoutError) have no message of their own."""
    return str(error) or type(error).__name__


def tcp_destination(url: str) -> dict[str, Any]:
    """Keyword arguments that redirect the TCP connection for `*.localhost` URLs.

    RFC 6761 reserves `localhost` and its subdomains for loopback, but resolvers need not
    know `demo.localhost`. Connect to 127.0.0.1 and keep the URL's host in the Host header,
    which is what names the tenant.
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return {"host": "127.0.0.1"}
    return {}


def basic_auth(charge_box_id: str, auth_key: str) -> str:
    token = base64.b64encode(f"{charge_box_id}:{auth_key}".encode()).decode("ascii")
    return f"Basic {token}"


async def open_connection(url: str, charge_box_id: str, auth_key: str | None,
                          *, timeout: float = 10) -> ClientConnection:
    """Open the OCPP WebSocket; raise Refused when the handshake gets an HTTP error."""
    if unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) != charge_box_id:
        log.warning("%s: the URL does not end with the chargeBoxId: %s", charge_box_id, url)
    headers = {"Authorization": basic_auth(charge_box_id, auth_key)} if auth_key else {}
    try:
        connection = await connect(
            url, subprotocols=[SUBPROTOCOL], additional_headers=headers,
            proxy=None,  # loopback only: never go through a proxy from the environment
            open_timeout=timeout, **tcp_destination(url),
        )
    except InvalidStatus as error:
        response = error.response
        raise Refused(response.status_code, response.reason_phrase, response.body) from None
    if connection.subprotocol != SUBPROTOCOL:
        log.warning("%s: the central system did not confirm the %s subprotocol",
                    charge_box_id, SUBPROTOCOL)
    return connection


class LoggedConnection:
    """The connection as `ocpp.ChargePoint` uses it (send, recv), logging every frame."""

    def __init__(self, connection: ClientConnection, charge_box_id: str) -> None:
        self.connection = connection
        self._name = charge_box_id
        self._actions: dict[str, str] = {}  # unique id -> action, to name results

    async def send(self, message: str) -> None:
        self._log("-->", message)
        await self.connection.send(message)

    async def recv(self) -> str:
        message = await self.connection.recv()
        text = message if isinstance(message, str) else message.decode(errors="replace")
        self._log("<--", text)
        return text

    def _log(self, arrow: str, text: str) -> None:
        log.info("%s %s %s", self._name, arrow, self._describe(text))

    def _describe(self, text: str) -> str:
        try:
            frame = json.loads(text)
            kind, unique_id = frame[0], str(frame[1])
        except (ValueError, TypeError, IndexError, KeyError):
            return f"(not an OCPP frame) {text}"
        if kind == 2 and len(frame) == 4:
            self._actions[unique_id] = frame[2]
            return f"{frame[2]} {_compact(frame[3])}"
        action = self._actions.pop(unique_id, "?")
        if kind == 3 and len(frame) == 3:
            return f"{action} result {_compact(frame[2])}"
        if kind == 4 and len(frame) == 5:
            return f"{action} CALLERROR {frame[2]} {frame[3]!r} {_compact(frame[4])}"
        return f"(malformed frame) {text}"


def _compact(payload: object) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
