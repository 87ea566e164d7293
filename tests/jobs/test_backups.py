"""Backups: pg_dump / SQLite's backup API into BACKUP_DIR, restored with `flask backups
restore`; the clock takes one a UTC day and deletes those past BACKUP_KEEP_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.models import Tag, Tenant
from portal.services import backups, tags
from tenants.scoping import tenant_scope
from tests.factories import make_tenant

NOW = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
DAILY = next(job for job in jobs.JOBS if job.run is backups.take_daily)


@pytest.fixture
def backup_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    return tmp_path / "backups"


def _company_as_seen(app: Flask, tenant_id: int) -> tuple[str, list[str]]:
    """The company's name and its tags."""
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            seen = tenant.name, list(db.session.scalars(select(Tag.id_tag).order_by(Tag.id_tag)))
        db.session.remove()
    return seen


def test_a_restored_backup_brings_the_data_back_as_it_was(app: Flask, backup_dir: Path) -> None:
    company = make_tenant(app, name="Before")
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            tags.add(tenant, "KEPT")
            db.session.commit()
        db.session.remove()
    cli = app.test_cli_runner()

    taken = cli.invoke(args=["backups", "create"])
    assert taken.exit_code == 0, taken.output
    (path,) = backup_dir.iterdir()
    assert backups.NAME.fullmatch(path.name) and str(path) in taken.output
    assert path.stat().st_mode & 0o777 == 0o600

    # Changed without taking new ids: the database's sequences go back with the restore.
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        tenant.name = "After"
        with tenant_scope(tenant):
            db.session.delete(db.session.scalars(select(Tag)).one())
        db.session.commit()
        db.session.remove()
    assert _company_as_seen(app, company.tenant_id) == ("After", [])

    asked = cli.invoke(args=["backups", "restore", str(path)], input="n\n")
    assert asked.exit_code == 1 and "Replace everything in" in asked.output
    assert _company_as_seen(app, company.tenant_id) == ("After", [])

    restored = cli.invoke(args=["backups", "restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _company_as_seen(app, company.tenant_id) == ("Before", ["KEPT"])


def test_a_file_that_is_no_backup_of_this_database_is_refused(app: Flask, tmp_path: Path) -> None:
    stranger = tmp_path / "plugboard-20261231T000000Z.dump"
    stranger.write_text("not a backup")
    result = app.test_cli_runner().invoke(args=["backups", "restore", str(stranger), "--yes"])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output


def test_backups_create_needs_backup_dir(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["backups", "create"])
    assert result.exit_code == 1 and "BACKUP_DIR is not set" in result.output


def test_the_clock_takes_one_backup_a_day_and_deletes_those_past_the_kept_days(
        app: Flask, backup_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "BACKUP_KEEP_DAYS", 7)
    backup_dir.mkdir()
    old, recent = (backup_dir / f"plugboard-{NOW - timedelta(days=days):%Y%m%dT%H%M%SZ}.dump"
                   for days in (8, 6))
    for path in (old, recent, backup_dir / "notes.txt"):
        path.write_text("kept by someone")

    with app.app_context():
        assert jobs.run(DAILY, NOW) == 1
        assert jobs.run(DAILY, NOW + timedelta(minutes=20)) == 0  # the same UTC day

    names = sorted(path.name for path in backup_dir.iterdir())
    assert names == sorted([recent.name, "notes.txt",
                            f"plugboard-20261231T233000Z.{'sqlite3' if _sqlite(app) else 'dump'}"])
    assert REGISTRY.get_sample_value("plugboard_backup_newest_timestamp_seconds") == \
        NOW.timestamp()


def _sqlite(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"
