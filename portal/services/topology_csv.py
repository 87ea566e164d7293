"""Bulk onboarding: the company's stations to and from CSV, one station a row.

Columns `chargeBoxId,name,site,floor,connectors,auth_key,mode`, then one column per
third-party service, named after it, holding the station's outlets' ids at that service
in connector order, separated by `|` (`NOR_01|NOR_02`; an empty place removes that
outlet's id, outlets after the last id keep theirs, and an empty cell leaves them all).
The export has a column for each of the company's services. A new chargeBoxId is added,
a known one updated: name, site and floor as the row says (missing sites and floors are
created), outlets added up to `connectors` (never removed: they may hold sessions), the
authorization key replaced when one is given, and `mode` (open or rfid) set on every
outlet. An empty mode leaves the outlets' modes as they are: the export writes none for a
station whose outlets differ, so exporting and importing keeps them. A row giving ids at a
service the company does not have is refused.

Every row is reported (added, updated or refused and why). A row runs in a SAVEPOINT: a
refused one changes nothing, not even a site or floor it would have created.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors import DomainError, Invalid
from portal.extensions import db
from portal.models import Outlet, OutletMode, Station, Tenant, ThirdPartyService
from portal.reports import exports
from portal.services import outlets, sites, stations, topology

HEADER = ("chargeBoxId", "name", "site", "floor", "connectors", "auth_key", "mode")
MODES = {"open": OutletMode.OPEN, "rfid": OutletMode.RFID}


class Outcome:
    ADDED = "added"
    UPDATED = "updated"
    REFUSED = "refused"


@dataclass(frozen=True)
class RowReport:
    line: int
    charge_box_id: str
    outcome: str  # an Outcome
    detail: str = ""


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(row.outcome == outcome for row in self.rows)

    @property
    def refused(self) -> list[RowReport]:
        return [row for row in self.rows if row.outcome == Outcome.REFUSED]


@dataclass(frozen=True)
class _Row:
    charge_box_id: str
    name: str
    site: str
    floor: str
    connectors: int
    auth_key: str | None
    mode: OutletMode | None
    # The outlets' ids at each service the row gives them for, in connector order.
    ids_at: list[tuple[ThirdPartyService, list[str]]]


class _BadRow(ValueError):
    pass


def import_csv(tenant: Tenant, content: bytes) -> ImportReport:
    """Add or update a station for each row; Invalid for a file that is no such CSV."""
    reader = exports.csv_reader(content)
    header = next(reader, None)
    if header is None:
        raise Invalid("The file is empty: nothing was imported. Its first line must be "
                      f"{','.join(HEADER)}.", field="file")
    columns = _service_columns(header)
    report = ImportReport()
    seen: dict[str, int] = {}
    for cells in reader:
        if any(cell.strip() for cell in cells):
            report.rows.append(_import_row(tenant, reader.line_num, cells, columns, seen))
    if not report.rows:
        raise Invalid("The file has no station rows: nothing was imported.", field="file")
    return report


def _service_columns(header: list[str]) -> list[tuple[str, ThirdPartyService | None]]:
    """The service columns after HEADER's, each with its service (None: the company has no
    service of that name)."""
    names = [exports.read_cell(name.strip()) for name in header]  # "=x" is written "'=x"
    if tuple(name.lower() for name in names[:len(HEADER)]) != tuple(h.lower() for h in HEADER):
        raise Invalid(f"Unknown header {','.join(header)[:200]!r}: the first line must be "
                      f"{','.join(HEADER)}, then a column per service. Nothing was imported.",
                      field="file")
    extra = names[len(HEADER):]
    if "" in extra:
        raise Invalid(f"Column {len(HEADER) + extra.index('') + 1} has no name: a column "
                      "after mode is named after a service. Nothing was imported.",
                      field="file")
    if len(set(extra)) < len(extra):
        twice = next(name for name in extra if extra.count(name) > 1)
        raise Invalid(f"The column {twice!r} appears twice. Nothing was imported.",
                      field="file")
    services = {service.name: service for service in outlets.services()}
    return [(name, services.get(name)) for name in extra]


def _import_row(tenant: Tenant, line: int, cells: list[str],
                columns: list[tuple[str, ThirdPartyService | None]], seen: dict[str, int]
                ) -> RowReport:
    charge_box_id = cells[0].strip() if cells else ""
    try:
        row = _read(cells, columns)
        if row.charge_box_id in seen:
            raise _BadRow(f"duplicate of line {seen[row.charge_box_id]} in this file")
        with db.session.begin_nested():  # a refused row leaves nothing behind
            outcome = _save(tenant, row)
    except (_BadRow, DomainError) as refused:
        return RowReport(line, charge_box_id, Outcome.REFUSED, str(refused))
    seen[row.charge_box_id] = line
    return RowReport(line, row.charge_box_id, outcome)


def _read(cells: list[str], columns: list[tuple[str, ThirdPartyService | None]]) -> _Row:
    if len(cells) != len(HEADER) + len(columns):
        raise _BadRow(f"expected {len(HEADER) + len(columns)} columns, found {len(cells)}")
    values = [exports.read_cell(cell.strip()) for cell in cells]
    if any("\x00" in value for value in values):  # PostgreSQL text cannot hold one
        raise _BadRow("a NUL character in the row: no name or key holds one")
    charge_box_id, name, site, floor, connectors, auth_key, mode = values[:len(HEADER)]
    if not charge_box_id:
        raise _BadRow("no chargeBoxId")
    if floor and not site:
        raise _BadRow(f"floor {floor!r} without a site: a floor belongs to a site")
    if mode.lower() not in {*MODES, ""}:
        raise _BadRow(f"bad mode {mode!r} (use open or rfid)")
    return _Row(charge_box_id, name, site, floor, _connectors(connectors), auth_key or None,
                MODES.get(mode.lower()), _ids_at(columns, values[len(HEADER):]))


def _ids_at(columns: list[tuple[str, ThirdPartyService | None]], cells: list[str]
            ) -> list[tuple[ThirdPartyService, list[str]]]:
    ids_at = []
    for (name, service), cell in zip(columns, cells, strict=True):
        if not cell:
            continue
        if service is None:
            raise _BadRow(f"the company has no service named {name!r}: its column names "
                          "none (add the service first, or fix the column's name)")
        ids_at.append((service, cell.split(outlets.ID_SEPARATOR)))
    return ids_at


def _connectors(value: str) -> int:
    limit = topology.CONNECTOR_IDS.stop - 1
    if not value:
        return 0
    if not (value.isascii() and value.isdigit()) or int(value) > limit:
        raise _BadRow(f"connectors {value!r} is not a whole number from 0 to {limit}")
    return int(value)


def _save(tenant: Tenant, row: _Row) -> str:
    site = sites.find_or_create(tenant, topology.checked_name(row.site, "site")) \
        if row.site else None
    floor = sites.find_or_create_floor(site, topology.checked_name(row.floor, "floor")) \
        if site and row.floor else None
    station = stations.find(row.charge_box_id)
    if station is None:
        station = topology.add_station(tenant, row.charge_box_id, name=row.name, site=site,
                                       floor=floor, connectors=row.connectors,
                                       auth_key=row.auth_key)
        outcome = Outcome.ADDED
    else:
        topology.rename_station(station, row.name)
        topology.place(station, site, floor)
        while len(station.outlets) < row.connectors:
            topology.add_outlet(station)
        if row.auth_key:
            stations.replace_auth_key(station, row.auth_key)
        outcome = Outcome.UPDATED
    if row.mode is not None:
        topology.set_mode(station, row.mode)
    for service, ids in row.ids_at:
        _set_ids(station, service, ids)
    return outcome


def _set_ids(station: Station, service: ThirdPartyService, ids: list[str]) -> None:
    """The outlets' ids at the service, in connector order; outlets after the last keep theirs."""
    if len(ids) > len(station.outlets):
        raise _BadRow(f"{len(ids)} ids at {service.name} for {len(station.outlets)} outlets: "
                      f"one id per outlet, in connector order, separated by "
                      f"{outlets.ID_SEPARATOR}")
    for outlet, external_id in zip(_in_connector_order(station), ids, strict=False):
        outlets.set_id_at(outlet, service, external_id)


def export_csv() -> Iterator[str]:
    """The company's stations as CSV lines, header first, in the import's format; no keys
    (only their hashes are stored): an import of the export keeps the stations' keys."""
    services = outlets.services()
    return exports.csv_lines((*HEADER, *(service.name for service in services)),
                             _rows(services))


def _rows(services: list[ThirdPartyService]) -> Iterator[tuple[Any, ...]]:
    query = (select(Station).options(selectinload(Station.site), selectinload(Station.floor),
                                     selectinload(Station.outlets))
             .order_by(Station.charge_box_id))
    for station in db.session.scalars(query.execution_options(yield_per=500)):
        modes = {outlet.mode for outlet in station.outlets}
        mode = next(iter(modes)).value.lower() if len(modes) == 1 else ""
        yield (station.charge_box_id, station.name, station.site.name if station.site else "",
               station.floor.name if station.floor else "", len(station.outlets), "", mode,
               *(_ids_cell(station, service) for service in services))


def _ids_cell(station: Station, service: ThirdPartyService) -> str:
    """The outlets' ids at the service in connector order; empty when none has one."""
    ids = [outlets.id_at(outlet, service) or "" for outlet in _in_connector_order(station)]
    return outlets.ID_SEPARATOR.join(ids) if any(ids) else ""


def _in_connector_order(station: Station) -> list[Outlet]:
    return sorted(station.outlets, key=lambda outlet: outlet.connector_id)
