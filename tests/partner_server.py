"""A company's service played by the tests: a local HTTP server (werkzeug, in a thread)
that takes Plugboard's signed events and answers as the test tells it to.

It keeps every request as it came (headers and raw body), answers with the statuses
queued in `answers` (then 200), and can hang for `hang` seconds before answering, as a
service that is down but still accepts connections would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from portal.services import signing

SECRET = "partner-secret-0123456789"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it came

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event_type(self) -> str:
        return self.headers.get(signing.EVENT, "")

    @property
    def delivery_id(self) -> str:
        return self.headers.get(signing.DELIVERY, "")

    def signed_with(self, secret: str = SECRET) -> bool:
        try:
            signing.verify(self.headers.get(signing.SIGNATURE), secret, self.body,
                           int(time.time()))
        except signing.BadSignature:
            return False
        return True


@dataclass
class PartnerServer:
    port: int = 0
    answers: list[int] = field(default_factory=list)  # statuses to answer, in turn
    hang: float = 0.0  # seconds to wait before each answer
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/events"

    def delivered(self) -> list[Received]:
        """What it took with a 2xx answer."""
        with self.lock:
            return [request for request in self.received if request.headers.get("X-Answered")
                    == "ok"]

    def of_type(self, event_type: str) -> list[Received]:
        return [request for request in self.delivered() if request.event_type == event_type]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        if self.hang:
            time.sleep(self.hang)
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
            headers = dict(request.headers)
            headers["X-Answered"] = "ok" if 200 <= status < 300 else str(status)
            self.received.append(Received(request.path, headers, body, time.time()))
        return Response("{}", status, mimetype="application/json")(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log(self, *args: Any) -> None:
        pass


@contextmanager
def running_partner() -> Iterator[PartnerServer]:
    partner = PartnerServer()
    server = make_server("127.0.0.1", 0, partner, threaded=True, request_handler=_Quiet)
    partner.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield partner
    finally:
        server.shutdown()
        thread.join(timeout=5)
