"""The OCPP message log's retention: frames older than MESSAGE_LOG_RETENTION_DAYS go."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import OcppMessage

PRUNE_CHUNK = 10_000  # rows per transaction: one long delete would hold back the writers


def prune(now: datetime) -> int:
    """Delete the company's frames logged before the retention period; return how many."""
    days = current_app.config["MESSAGE_LOG_RETENTION_DAYS"]
    if not days:  # 0: kept for ever
        return 0
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        oldest = select(OcppMessage.id).where(OcppMessage.logged_at < cutoff).limit(PRUNE_CHUNK)
        result = db.session.execute(
            delete(OcppMessage).where(OcppMessage.id.in_(oldest))
            .execution_options(synchronize_session=False))
        db.session.commit()
        deleted += result.rowcount
        if result.rowcount < PRUNE_CHUNK:
            return deleted
