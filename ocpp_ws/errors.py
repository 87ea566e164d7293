"""The OCPP-J CALLERROR a station gets when its CALL is refused."""

from __future__ import annotations

from typing import Any


class OcppError(Exception):
    """Answer the CALL with a CALLERROR of this 1.6 code (e.g. FormationViolation)."""

    def __init__(self, code: str, description: str = "", details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details or {}
