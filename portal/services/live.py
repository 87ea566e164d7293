"""The live-update bus: what changed in a company reaches open browsers within seconds.

Whatever changes what the navigator or a floor map shows (a station's status, its
connection, an alarm, the topology) calls `changed(tenant_id)` in its unit of work. After
the commit, the company's version moves on: a counter in Redis with REDIS_URL (shared by
every worker and machine, and published on a channel for anyone who listens), in this
process otherwise. Browsers poll a small JSON endpoint with the version they have; an
unchanged version costs one Redis GET and no query (portal.blueprints.live).

Polling, not server-sent events: it passes every proxy and load balancer untouched,
holds no greenlet or connection per open page, and a browser that missed a message
cannot miss a change, because it asks for the state, not for the events.
"""

from __future__ import annotations

import threading

import redis
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.redis_clients import blocking_client

LIVE = "live_bus"  # app.extensions key
PREFIX = "plugboard:live:"
_PENDING = "live_changed_tenants"  # session.info key: tenants to announce after the commit


class MemoryBus:
    """One process: a counter per company."""

    def __init__(self) -> None:
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def bump(self, tenant_id: int) -> None:
        with self._lock:
            self._versions[tenant_id] = self._versions.get(tenant_id, 0) + 1

    def version(self, tenant_id: int) -> str:
        return str(self._versions.get(tenant_id, 0))


class RedisBus:
    """Every worker and machine: one counter per company in Redis."""

    def __init__(self, url: str, pool_size: int) -> None:
        self.redis = blocking_client(url, pool_size, socket_timeout=5)

    def bump(self, tenant_id: int) -> None:
        key = f"{PREFIX}{tenant_id}"
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.publish(key, "changed")
        pipe.execute()

    def version(self, tenant_id: int) -> str:
        return self.redis.get(f"{PREFIX}{tenant_id}") or "0"


def changed(tenant_id: int) -> None:
    """Announce, once the current transaction commits, that the company's live view moved."""
    session = db.session()
    pending: set[int] = session.info.setdefault(_PENDING, set())
    if not pending:
        bus = current_app.extensions[LIVE]
        event.listen(session, "after_commit", lambda s: _announce(bus, s), once=True)
        event.listen(session, "after_rollback", _forget, once=True)
    pending.add(tenant_id)


def version(tenant_id: int) -> str:
    return current_app.extensions[LIVE].version(tenant_id)


def _announce(bus: MemoryBus | RedisBus, session: Session) -> None:
    for tenant_id in session.info.pop(_PENDING, set()):
        try:
            bus.bump(tenant_id)
        except redis.RedisError:  # the change is stored; browsers see it at the next one
            current_app.logger.warning("live update of tenant %s not announced", tenant_id)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[LIVE] = RedisBus(url, app.config["REDIS_POOL_SIZE"]) if url else MemoryBus()
