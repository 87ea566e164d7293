"""A Flask test client that talks to one tenant's host and fills in CSRF tokens like a browser."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.test import Cookie, TestResponse

from tests.factories import PASSWORD, Company

# A form's own token, or one of a page with several prefixed forms (name="<prefix>-csrf_token").
CSRF_PATTERN = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"'
                          r'|name="(?:[\w-]+-)?csrf_token" value="([^"]+)"')


class PortalClient:
    def __init__(self, app: Flask, company: Company | str) -> None:
        self.slug = company if isinstance(company, str) else company.slug
        self.host = f"{self.slug}.localhost" if self.slug else "localhost"
        self.client = app.test_client()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def get(self, path: str, **kwargs: object) -> TestResponse:
        return self.client.get(path, base_url=self.base_url, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf_from: str | None = None,
             **kwargs: object) -> TestResponse:
        """POST a form; with csrf_from, first read the token from that page like a browser."""
        data = dict(data or {})
        if csrf_from is not None:
            data["csrf_token"] = self.csrf_token(csrf_from)
        return self.client.post(path, base_url=self.base_url, data=data, **kwargs)

    def csrf_token(self, page: str) -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_PATTERN.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def login(self, email: str, password: str = PASSWORD, *, remember: bool = False
              ) -> TestResponse:
        form = {"email": email, "password": password}
        if remember:
            form["remember"] = "y"  # "Keep me logged in"
        return self.post("/login", form, csrf_from="/login")

    def cookie(self, name: str) -> Cookie | None:
        return self.client.get_cookie(name, domain=self.host)

    def use_cookie(self, name: str, value: str) -> None:
        """Present a cookie taken elsewhere (a stolen or copied one)."""
        self.client.set_cookie(name, value, domain=self.host)

    def session_cookie(self) -> str:
        cookie = self.cookie("session")
        assert cookie is not None, "not logged in"
        return cookie.value

    def use_session_cookie(self, value: str) -> None:
        self.use_cookie("session", value)
