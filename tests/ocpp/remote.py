"""Remote operations in tests: a station that answers the central system's calls, the JSON
API, and the portal's pages as a browser reaches them on the live server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import requests

from portal.models import Role
from portal.services import api_tokens
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station
from tests.portal_client import CSRF_PATTERN


def new_token(company: OcppCompany, role: Role = Role.ADMIN) -> str:
    secrets: list[str] = []
    company.change(lambda tenant: secrets.append(api_tokens.create(tenant, "platform", role)[0]))
    return secrets[0]


def post_command(company: OcppCompany, token: str | None, body: Any,
                 charge_box_id: str = "CP1") -> requests.Response:
    headers = {"Host": f"{company.slug}.localhost:{company.port}"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(
        f"http://127.0.0.1:{company.port}/api/v1/stations/{charge_box_id}/commands",
        json=body, headers=headers, timeout=30)


class Answering:
    """The station's side: take the next CALL from the central system, answer it."""

    def __init__(self, station: Station, answer: Callable[[str], Any] | None) -> None:
        self.station, self.answer = station, answer
        self.received: list[Any] = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        call = json.loads(self.station.ws.recv(timeout=15))
        self.received.append(call)
        if self.answer is not None:
            self.station.ws.send(json.dumps(self.answer(call[1])))

    def join(self) -> list[Any]:
        self.thread.join(timeout=20)
        return self.received[0]


class LivePortal:
    """A browser on the live server: logs in, reads pages, posts forms with their CSRF token.

    Portal forms that send commands must go to the live server, which holds the stations'
    sockets (the in-process test app holds none).
    """

    def __init__(self, company: OcppCompany) -> None:
        self.base = f"http://127.0.0.1:{company.port}"
        self.session = requests.Session()
        self.session.headers["Host"] = f"{company.slug}.localhost:{company.port}"

    def login(self, email: str, password: str = PASSWORD) -> LivePortal:
        response = self.post("/login", {"email": email, "password": password}, csrf_from="/login")
        assert response.status_code == 302, response.text
        return self

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=60, **kwargs)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, Any]] | None = None, *,
             csrf_from: str | None = None, prefix: str = "", **kwargs: Any) -> requests.Response:
        """POST a form; with csrf_from, first read the token from that page like a browser.

        `prefix` names the form's prefix on pages with several forms (fields `<prefix>-x`).
        """
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf_from is not None:
            match = CSRF_PATTERN.search(self.get(csrf_from).text)
            assert match, f"no CSRF token on {csrf_from}"
            name = f"{prefix}-csrf_token" if prefix else "csrf_token"
            fields.append((name, match.group(1) or match.group(2)))
        return self.session.post(self.base + path, data=fields, allow_redirects=False,
                                 timeout=60, **kwargs)


def admin_email(company: OcppCompany) -> str:
    return f"admin@{company.slug}.example"
