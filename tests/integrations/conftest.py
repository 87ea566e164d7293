"""Outside services call the live server, where the protocol tests' stations connect."""

from __future__ import annotations

from tests.ocpp.conftest import company, cp1, other_company  # noqa: F401
