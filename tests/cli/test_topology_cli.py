"""`flask topology import/export`: the per-row report, a non-zero exit for refused rows, and
an export that imports back unchanged."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Site, Station, Tenant
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant

HEADER = "chargeBoxId,name,site,floor,connectors,auth_key,mode\n"


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "stations.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _stations(app: Flask, company: Company) -> dict[str, tuple[str | None, int]]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return {station.charge_box_id: (station.site.name if station.site else None,
                                        len(station.outlets))
                for station in db.session.scalars(select(Station))}


def test_import_prints_each_row_and_exits_1_when_one_is_refused(app: Flask,
                                                                tmp_path: Path) -> None:
    company = make_tenant(app)
    result = _run(app, "topology", "import", company.slug, _csv(tmp_path, HEADER + (
        "CP-1,One,Depot,Level 1,2,,open\n"
        "CP-2,Two,Annex,,1,short,rfid\n")))
    assert result.exit_code == 1
    assert "line 2\tCP-1\tadded" in result.output
    assert "line 3\tCP-2\trefused: The authorization key must be 16 to 40" in result.output
    assert "1 added, 0 updated, 1 refused." in result.output
    assert _stations(app, company) == {"CP-1": ("Depot", 2)}
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        assert set(db.session.scalars(select(Site.name))) == {"Depot"}  # no Annex


def test_import_of_good_rows_exits_0_and_updates_known_stations(app: Flask,
                                                                 tmp_path: Path) -> None:
    company = make_tenant(app)
    _run(app, "topology", "import", company.slug, _csv(tmp_path, HEADER + "CP-1,,Depot,,1,,\n"))
    result = _run(app, "topology", "import", company.slug,
                  _csv(tmp_path, HEADER + "CP-1,,Annex,,3,,rfid\n"))
    assert result.exit_code == 0, result.output
    assert "line 2\tCP-1\tupdated" in result.output
    assert _stations(app, company) == {"CP-1": ("Annex", 3)}


def test_import_of_an_empty_file_or_unknown_company_says_why(app: Flask,
                                                            tmp_path: Path) -> None:
    company = make_tenant(app)
    result = _run(app, "topology", "import", company.slug, _csv(tmp_path, ""))
    assert result.exit_code == 1
    assert "The file is empty: nothing was imported." in result.output
    result = _run(app, "topology", "import", "no-such-company", _csv(tmp_path, HEADER))
    assert result.exit_code == 1 and "No company with slug" in result.output
    assert _stations(app, company) == {}


def test_export_prints_csv_that_imports_back_unchanged(app: Flask, tmp_path: Path) -> None:
    company = make_tenant(app)
    _run(app, "topology", "import", company.slug, _csv(tmp_path, HEADER + (
        "CP-1,One,Depot,Level 1,2,,open\nCP-2,,,,0,,\n")))
    result = _run(app, "topology", "export", company.slug)
    assert result.exit_code == 0
    assert result.output == HEADER + "CP-1,One,Depot,Level 1,2,,open\nCP-2,,,,0,,\n"
    again = _run(app, "topology", "import", company.slug, _csv(tmp_path, result.output))
    assert again.exit_code == 0 and "0 added, 2 updated, 0 refused." in again.output
    assert _run(app, "topology", "export", company.slug).output == result.output


def test_the_outlets_ids_at_a_service_go_out_and_back_in_its_column(app: Flask,
                                                                    tmp_path: Path) -> None:
    company = make_tenant(app)
    added = _run(app, "services", "add", company.slug, "--kind", "map", "--name", "=Map",
                 "--url", "https://map.example/push", "--secret", "s" * 16)
    assert added.exit_code == 0, added.output
    # the column of a service named like a formula is written as text, and read back
    with_ids = HEADER.strip() + ",'=Map\nCP-1,One,Depot,,2,,open,NOR_1|NOR_2\n"
    assert _run(app, "topology", "import", company.slug, _csv(tmp_path, with_ids)).exit_code == 0
    result = _run(app, "topology", "export", company.slug)
    assert result.output == with_ids
    again = _run(app, "topology", "import", company.slug, _csv(tmp_path, result.output))
    assert again.exit_code == 0 and "0 added, 1 updated, 0 refused." in again.output
    assert _run(app, "topology", "export", company.slug).output == with_ids
