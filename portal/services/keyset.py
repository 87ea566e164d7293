"""Keyset pages of a long log, newest first: a page starts before (or after) a row's
(time, id), which an index on the time finds at any depth, where OFFSET would read every
row it skips. Nothing is counted, for the same reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, or_
from sqlalchemy.orm import InstrumentedAttribute

from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import INTEGER_MAX

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    """A row's place in the log, written `<microseconds since 1970>.<id>` in a link."""

    at: datetime
    id: int

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The cursor a page link carries; a hand-made one that names no place is 400."""
        micros, _, row_id = text.partition(".")
        try:
            cursor = cls(EPOCH + int(micros) * MICROSECOND, int(row_id))
        except (ValueError, OverflowError):
            cursor = None
        if cursor is None or not 0 <= cursor.id <= INTEGER_MAX:
            raise DomainError("This link to a page of the log is broken; start again from "
                              "the newest entries.", field="cursor")
        return cursor

    def __str__(self) -> str:
        return f"{(self.at - EPOCH) // MICROSECOND}.{self.id}"


@dataclass(frozen=True)
class LogPage(Generic[T]):
    items: list[T]  # newest first
    newer: Cursor | None  # the newer page starts after this row; None: this is the newest
    older: Cursor | None  # the older page starts before this row; None: this is the oldest


def newest_first(query: Select[Any], at: InstrumentedAttribute[Any],
                 row_id: InstrumentedAttribute[int], size: int, *,
                 before: str | None = None, after: str | None = None) -> LogPage[Any]:
    """The newest `size` rows of the query, or those just before or after a page link's
    cursor, by (at, id)."""

    def cursor_of(row: Any) -> Cursor:
        return Cursor(getattr(row, at.key), getattr(row, row_id.key))

    if after:  # read upwards from the cursor, show newest first
        start = Cursor.parse(after)
        query = query.where(at >= start.at, or_(at > start.at, row_id > start.id))
        rows = list(db.session.scalars(query.order_by(at, row_id).limit(size + 1)))
        items = rows[:size][::-1]
        return LogPage(items, cursor_of(items[0]) if len(rows) > size else None,
                       cursor_of(items[-1]) if items else None)
    if before:
        end = Cursor.parse(before)
        query = query.where(at <= end.at, or_(at < end.at, row_id < end.id))
    rows = list(db.session.scalars(query.order_by(at.desc(), row_id.desc()).limit(size + 1)))
    items = rows[:size]
    return LogPage(items, cursor_of(items[0]) if before and items else None,
                   cursor_of(items[-1]) if len(rows) > size else None)
