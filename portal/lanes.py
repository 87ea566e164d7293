"""Two database connection pools on PostgreSQL: one for stations' messages (the OCPP lane:
handshakes, frames, group commit) and one for everything else (pages, the API, the clock).

A storm of reconnecting stations then waits for its own connections and never leaves the
pages without one, nor do busy pages hold up a station. The lane is a context variable,
set for a station's whole WebSocket request (greenlet-local under gevent, like the tenant
scope); the ORM session asks it which engine to use.

SQLite keeps one pool of one connection: a second writer would wait on SQLite's file lock,
which blocks the whole gevent process (DESIGN.md).
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import Engine, create_engine

OCPP_ENGINE = "ocpp_engine"  # app.extensions key; absent on SQLite
_in_ocpp_lane: ContextVar[bool] = ContextVar("plugboard_ocpp_lane", default=False)


def enter_ocpp_lane() -> Token[bool]:
    """The rest of this request (a station's socket) uses the OCPP lane's pool, until
    `leave` with the token."""
    return _in_ocpp_lane.set(True)


def leave(token: Token[bool]) -> None:
    _in_ocpp_lane.reset(token)


def ocpp_engine(app: Flask) -> Engine | None:
    return app.extensions.get(OCPP_ENGINE)


class LaneSession(Session):
    """Flask-SQLAlchemy's session, which takes the OCPP lane's engine inside the lane."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None,
                 **kwargs: Any) -> Any:
        if bind is None and _in_ocpp_lane.get():
            engine = ocpp_engine(current_app)
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def init_app(app: Flask, engine_options: dict[str, Any]) -> None:
    """Make the OCPP lane's engine (PostgreSQL only) with `engine_options`."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        app.extensions[OCPP_ENGINE] = create_engine(url, **engine_options)
