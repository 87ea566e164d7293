"""Links into a company's portal read outside any request: in e-mails, from the clock."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from portal.models import Tenant


def page_url(tenant: Tenant | None, endpoint: str, **values: Any) -> str:
    """The absolute address of a portal page on the company's host (the bare domain for
    None), as PORTAL_URL says people reach it: no request tells the scheme or the port."""
    base = urlsplit(current_app.config["PORTAL_URL"])
    host = base.netloc if tenant is None else f"{tenant.slug}.{base.netloc}"
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(host, url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
