"""Tags to and from CSV: the portal's own columns, and the whitelist stations' web pages use.

Import adds new tags and updates existing ones (same idTag, in any case); in Replace mode
it also deletes the tags the file does not name, whose charging sessions stay (with their
idTag, without the link). Each bad row is reported with its line and why, and changes
nothing; the good rows are imported. A bad row still names its tag: Replace keeps it.

Text that a spreadsheet would run as a formula ("=HYPERLINK(...)" in a note) is kept as it
is: a note or idTag may well start with - or +, and only a spreadsheet gives such text
meaning. The export quotes it (portal.reports.exports), and the import reads that quote
away again, so exporting and importing keeps every value.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import Tag, Tenant
from portal.models.base import INTEGER_MAX, INTEGER_MIN
from portal.reports import exports
from portal.services import tags


class CsvFormat(enum.StrEnum):
    PORTAL = "portal"
    WHITELIST = "whitelist"


class ImportMode(enum.StrEnum):
    UPDATE = "update"  # add and update; delete nothing
    REPLACE = "replace"  # the file is the whole list: delete the tags it does not name


HEADERS = {
    CsvFormat.PORTAL: ("tag", "parent", "expiry", "max active", "blocked", "note"),
    CsvFormat.WHITELIST: ("UID", "GID", "Expiry", "Authorization"),
}
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "1"}, {"false", "no", "0", ""}
AUTHORIZATIONS = {"accepted": False, "blocked": True}  # whitelist word -> blocked
EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
REMOVAL_BATCH = 500  # ids per DELETE: well under any database's limit of bound parameters


@dataclass
class ImportReport:
    format: CsvFormat
    accepted: list[tuple[int, str, str]] = field(default_factory=list)  # line, tag, what
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, tag, why
    removed: list[str] = field(default_factory=list)  # idTags deleted (Replace mode)

    def count(self, what: str) -> int:
        """How many rows were "added" or "updated"."""
        return sum(1 for _, _, done in self.accepted if done == what)

    @property
    def removal_key(self) -> str:
        """A digest of the tags removed: a confirmation removes exactly what its preview showed."""
        return hashlib.sha256("\n".join(self.removed).encode()).hexdigest()


@dataclass
class _Row:
    line: int
    id_tag: str
    parent: str
    values: dict[str, Any]  # Tag attributes this format sets


class _BadRow(ValueError):
    pass


def import_csv(tenant: Tenant, content: bytes,
               mode: ImportMode = ImportMode.UPDATE) -> ImportReport:
    """Read a CSV file of either format (told apart by its header) and import its good rows.

    Nothing is committed here: a preview is this, rolled back."""
    reader = exports.csv_reader(content)
    csv_format = _format_of(next(reader, []))
    report = ImportReport(csv_format)
    rows: list[_Row] = []
    seen: dict[str, int] = {}  # by idTag in upper case: idTags are case-insensitive
    named: set[str] = set()  # every idTag in the file, bad rows' too (upper case)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        named.add(exports.read_cell(cells[0].strip()).upper())
        try:
            row = _read(csv_format, line, cells)
            if row.id_tag.upper() in seen:
                raise _BadRow(f"duplicate of line {seen[row.id_tag.upper()]} in this file")
        except _BadRow as error:
            report.rejected.append((line, cells[0].strip() if cells else "", str(error)))
            continue
        seen[row.id_tag.upper()] = line
        rows.append(row)
    kept = named if mode is ImportMode.REPLACE else None
    for row in _without_unknown_parents(rows, report, kept):
        report.accepted.append((row.line, row.id_tag, _save(tenant, row)))
    for row in rows:
        tag = tags.find_presented(row.id_tag)
        assert tag is not None
        tag.parent = tags.find_presented(row.parent) if row.parent else None
    if mode is ImportMode.REPLACE:
        report.removed = _remove_unnamed(named)
    db.session.flush()
    report.rejected.sort()
    return report


def replace(tenant: Tenant, content: bytes, removal_key: str) -> ImportReport:
    """Import in Replace mode as confirmed: Conflict if the tags it would remove are no longer
    those the preview showed (tags added or renamed meanwhile)."""
    report = import_csv(tenant, content, ImportMode.REPLACE)
    if report.removal_key != removal_key:
        raise Conflict("The company's tags changed since the preview: check what would be "
                       "removed now, then confirm again.", field="file")
    return report


def _format_of(header: list[str]) -> CsvFormat:
    names = tuple(name.strip().lower() for name in header)
    for csv_format, columns in HEADERS.items():
        if names == tuple(column.lower() for column in columns):
            return csv_format
    expected = " or ".join(",".join(columns) for columns in HEADERS.values())
    raise Invalid(f"Unknown header {','.join(header)!r}: the first line must be {expected}.",
                  field="file")


def _read(csv_format: CsvFormat, line: int, cells: list[str]) -> _Row:
    columns = HEADERS[csv_format]
    if len(cells) != len(columns):
        raise _BadRow(f"expected {len(columns)} columns, found {len(cells)}")
    cells = [exports.read_cell(cell.strip()) for cell in cells]
    if any("\x00" in cell for cell in cells):  # PostgreSQL text cannot hold one
        raise _BadRow("a NUL character in the row: no tag, date or note holds one")
    id_tag, parent = cells[0], cells[1]
    for name, value in (("tag", id_tag), ("parent", parent)):
        if len(value) > tags.MAX_ID_TAG_LENGTH:
            raise _BadRow(f"{name} longer than {tags.MAX_ID_TAG_LENGTH} characters")
    if not id_tag:
        raise _BadRow("no tag")
    if parent == id_tag:
        raise _BadRow("a tag cannot be its own parent")
    values: dict[str, Any] = {"expiry_at": _expiry(cells[2])}
    if csv_format is CsvFormat.WHITELIST:
        if cells[3].lower() not in AUTHORIZATIONS:
            raise _BadRow(f"bad authorization {cells[3]!r} (use accepted or blocked)")
        values["blocked"] = AUTHORIZATIONS[cells[3].lower()]
    else:
        values["max_active_transactions"] = _whole_number(cells[3])
        values["blocked"] = _boolean(cells[4])
        values["note"] = cells[5]
    return _Row(line, id_tag, parent, values)


def _expiry(value: str) -> datetime | None:
    """Empty = never; else an ISO 8601 date or date-time, read as UTC without a zone."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if "T" not in value and " " not in value:  # a date alone: valid to the end of that day
            moment = datetime.combine(moment.date(), time.max)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 east of UTC, 9999 west
        raise _BadRow(f"bad date {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)") from None


def _whole_number(value: str) -> int:
    if not value:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise _BadRow(f"max active {value!r} is not a whole number "
                      "(0 = blocked, negative = no limit)") from None
    if not INTEGER_MIN <= number <= INTEGER_MAX:
        raise _BadRow(f"max active {value} is out of range "
                      f"(from {INTEGER_MIN} to {INTEGER_MAX})")
    return number


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise _BadRow(f"bad boolean {value!r} for blocked (use true or false)")


def _without_unknown_parents(rows: list[_Row], report: ImportReport,
                             kept: set[str] | None) -> list[_Row]:
    """The rows whose parent exists (and, when `kept` is given, stays) or is imported too;
    the others are rejected (repeatedly, since rejecting a row can orphan the rows naming it
    as parent). Compared in upper case: idTags are case-insensitive."""
    known = {id_tag.upper() for id_tag in db.session.scalars(select(Tag.id_tag))}
    if kept is not None:
        known &= kept
    while True:
        available = known | {row.id_tag.upper() for row in rows}
        orphans = [row for row in rows if row.parent and row.parent.upper() not in available]
        if not orphans:
            return rows
        for row in orphans:
            report.rejected.append((row.line, row.id_tag, f"unknown parent {row.parent!r}"))
        rows[:] = [row for row in rows if row not in orphans]


def _save(tenant: Tenant, row: _Row) -> str:
    tag = tags.find_presented(row.id_tag)
    if tag is None:
        tags.add(tenant, row.id_tag, **row.values)
        return "added"
    for name, value in row.values.items():
        setattr(tag, name, value)
    return "updated"


def _remove_unnamed(named: set[str]) -> list[str]:
    """Delete the tags whose idTag the file does not name; their idTags, sorted."""
    unnamed = [(tag_id, id_tag) for tag_id, id_tag in db.session.execute(
        select(Tag.id, Tag.id_tag).order_by(Tag.id_tag)) if id_tag.upper() not in named]
    ids = [tag_id for tag_id, _ in unnamed]
    for start in range(0, len(ids), REMOVAL_BATCH):
        db.session.execute(delete(Tag).where(Tag.id.in_(ids[start:start + REMOVAL_BATCH])),
                           execution_options={"synchronize_session": "fetch"})
    return [id_tag for _, id_tag in unnamed]


def export_csv(csv_format: CsvFormat) -> Iterator[str]:
    """The company's tags as CSV lines, header first, read from the database in batches."""
    return exports.csv_lines(HEADERS[csv_format], _rows(csv_format))


def _rows(csv_format: CsvFormat) -> Iterator[tuple[Any, ...]]:
    query = select(Tag).options(selectinload(Tag.parent)).order_by(Tag.id_tag)
    for tag in db.session.scalars(query.execution_options(yield_per=500)):
        parent = tag.parent.id_tag if tag.parent else ""
        expiry = tag.expiry_at.strftime(EXPIRY_FORMAT) if tag.expiry_at else ""
        if csv_format is CsvFormat.WHITELIST:
            yield (tag.id_tag, parent, expiry, "blocked" if tag.blocked else "accepted")
        else:
            yield (tag.id_tag, parent, expiry, tag.max_active_transactions,
                   "true" if tag.blocked else "false", tag.note)
