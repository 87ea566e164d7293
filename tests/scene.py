"""Helpers for page tests: write rows as the OCPP endpoint would, read tables as people do."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Station, Tenant
from tenants.scoping import tenant_scope
from tests.factories import Company


@contextmanager
def company_scope(app: Flask, company: Company) -> Iterator[Tenant]:
    """Work in a company's data directly; committed when the block ends."""
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            yield tenant
            db.session.commit()


def station(charge_box_id: str) -> Station:
    found = db.session.scalar(select(Station).where(Station.charge_box_id == charge_box_id))
    assert found is not None, charge_box_id
    return found


def table_cells(page: str, table_id: str) -> list[list[str]]:
    """The body rows of a table as lists of cell texts, as a reader sees them."""
    table = page.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [[html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip())
             for cell in re.split(r"<t[dh]\b[^>]*>", row)[1:]]
            for row in body.split("<tr")[1:]]


def table_rows(page: str, table_id: str) -> list[str]:
    """The body rows of a table as a reader sees them: cell texts joined by ' | '."""
    return [re.sub(r"\s+", " ", " | ".join(cells)).strip()
            for cells in table_cells(page, table_id)]


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
