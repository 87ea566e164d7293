"""CP->CS handlers, one module per OCPP profile, collected by the action they answer."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ocpp_ws.handlers import core, firmware, security


def _routes(*modules: ModuleType) -> dict[str, Callable[..., Any]]:
    return {
        handler._on_action.value: handler
        for module in modules
        for handler in vars(module).values()
        if hasattr(handler, "_on_action")
    }


ROUTES = _routes(core, firmware, security)
