"""Headless Chromium (tests/chromium.py, offered by the root conftest) against the live
server."""

from __future__ import annotations

# The protocol tests' company and connected station, seen here through a browser.
from tests.ocpp.conftest import company, cp1  # noqa: F401
