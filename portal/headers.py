"""Security headers on every response, whichever door answered: pages, the API, station
files, static files and errors all pass through this one hook."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.wrappers import Response


def tile_source(tile_url: str) -> str:
    """The CSP source of a Leaflet tile URL: its scheme and host, `{s}` as any subdomain."""
    parts = urlsplit(tile_url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy(portal_domain: str, tile_url: str) -> str:
    """Scripts, styles, fonts and fetches from this host only, no inline script, style or
    event handler, never in a frame.

    Images also from `data:`: Bootstrap draws its checkboxes and menu icons with data: SVGs;
    and from the map tiles' host (MAP_TILE_URL), which the site maps show.
    Forms may also go to the companies' hosts: the company finder on the bare domain
    answers its form with a redirect to the company's login page, which form-action covers.
    """
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {tile_source(tile_url)}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action 'self' *.{portal_domain}:*",
        "frame-ancestors 'none'",
    ])


def init_app(app: Flask) -> None:
    policy = content_security_policy(app.config["PORTAL_DOMAIN"], app.config["MAP_TILE_URL"])

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # setdefault: a response that sets one of its own keeps it.
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
        headers.setdefault("Referrer-Policy", "same-origin")
        # Only over HTTPS (behind the proxy, PROXY_FIX_HOPS makes its X-Forwarded-Proto
        # count): browsers ignore it over HTTP, and a development server has no certificate.
        hsts_seconds = current_app.config["HSTS_SECONDS"]
        if hsts_seconds and request.is_secure:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        return response
