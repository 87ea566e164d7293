"""Backups of the whole database into BACKUP_DIR, and restoring one (docs/deployment.md).

PostgreSQL: pg_dump's custom format, restored with pg_restore; both must be of the server's
major version. SQLite: a copy made with SQLite's online backup API, which reads a consistent
snapshot while the portal goes on writing, and is copied back the same way.

A backup is named after the UTC time it was taken (plugboard-20261231T020000Z.dump) and is
written under a temporary name first, so that a file with a backup's name is always whole.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import URL

from portal import metrics
from portal.errors import DomainError, Invalid
from portal.extensions import db

log = logging.getLogger(__name__)

STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"plugboard-(\d{8}T\d{6}Z)\.(?:dump|sqlite3)")
PG_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupFailed(DomainError):
    """pg_dump, pg_restore or SQLite could not do it; the message says why."""

    status = 500


def directory() -> Path | None:
    """BACKUP_DIR, or None when backups are off."""
    configured = current_app.config["BACKUP_DIR"]
    return Path(configured) if configured else None


def create(now: datetime) -> Path:
    """Back the whole database up into BACKUP_DIR; return the new file."""
    target = directory()
    if target is None:
        raise Invalid("BACKUP_DIR is not set: there is nowhere to keep a backup.")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = db.engine.url
    postgres = url.get_backend_name() == "postgresql"
    path = target / f"plugboard-{now.astimezone(UTC):{STAMP}}.{'dump' if postgres else 'sqlite3'}"
    if path.exists():
        raise Invalid(f"{path} exists already: one backup a second.")
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    # Readable by this user only from the start: it holds password hashes and secrets.
    partial.touch(mode=0o600)
    try:
        if postgres:
            _pg_tool("pg_dump", url, "--format=custom", f"--file={partial}")
        else:
            _sqlite_copy(_sqlite_file(url), partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup %s taken (%d bytes)", path, path.stat().st_size)
    return path


def kept(where: Path) -> list[tuple[datetime, Path]]:
    """The backups in the directory, oldest first, with when each was taken."""
    found = []
    for path in where.iterdir() if where.is_dir() else ():
        if match := NAME.fullmatch(path.name):
            found.append((datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC), path))
    return sorted(found)


def prune(now: datetime) -> int:
    """Delete the backups older than BACKUP_KEEP_DAYS (never the newest); how many."""
    where = directory()
    if where is None:
        return 0
    older = now - timedelta(days=current_app.config["BACKUP_KEEP_DAYS"])
    expired = [path for taken, path in kept(where)[:-1] if taken < older]
    for path in expired:
        path.unlink()
        log.info("backup %s deleted: older than %d days", path,
                 current_app.config["BACKUP_KEEP_DAYS"])
    return len(expired)


def take_daily(now: datetime) -> int:
    """The clock's job: a backup unless one was taken this UTC day, then the expired ones
    go (only after a backup succeeded); how many backups it took."""
    where = directory()
    if where is None:
        return 0
    taken = 0
    if not any(at.date() == now.astimezone(UTC).date() for at, _ in kept(where)):
        create(now)
        taken = 1
    prune(now)
    metrics.NEWEST_BACKUP.set(kept(where)[-1][0].timestamp())
    return taken


def restore(path: Path) -> None:
    """Replace everything in the database with the backup in `path`."""
    url = db.engine.url
    postgres = url.get_backend_name() == "postgresql"
    _check_kind(path, PG_DUMP_MAGIC if postgres else SQLITE_MAGIC)
    db.session.remove()
    db.engine.dispose()  # no pooled connection outlives what it knew
    if postgres:
        # One transaction: a restore that fails leaves the database as it was.
        _pg_tool("pg_restore", url, "--clean", "--if-exists", "--no-owner",
                 "--single-transaction", str(path))
    else:
        _sqlite_copy(path, _sqlite_file(url))
    log.info("database restored from %s", path)


def _check_kind(path: Path, magic: bytes) -> None:
    try:
        with path.open("rb") as file:
            start = file.read(len(magic))
    except OSError as error:
        raise Invalid(f"Cannot read {path}: {error.strerror}.") from None
    if start != magic:
        kind = "a pg_dump custom-format file" if magic == PG_DUMP_MAGIC else "a SQLite database"
        raise Invalid(f"{path} is not {kind}, as this database ({db.engine.dialect.name}) "
                      "needs: nothing was changed.")


def _pg_tool(program: str, url: URL, *arguments: str) -> None:
    """Run a PostgreSQL client tool on the database. The password goes in its environment,
    where other users cannot read it (its arguments they can)."""
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    command = [program, f"--dbname={_libpq_url(url)}", *arguments]
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupFailed(f"{program} is not installed (Debian: postgresql-client).") from None
    except subprocess.CalledProcessError as failed:
        raise BackupFailed(f"{program} failed: {failed.stderr.strip()}") from None


def _libpq_url(url: URL) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver, no password."""
    return url.set(drivername="postgresql", password=None).render_as_string()


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise Invalid("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    try:
        with closing(sqlite3.connect(source)) as reader, closing(sqlite3.connect(target)) as writer:
            reader.backup(writer)
    except sqlite3.Error as error:
        raise BackupFailed(f"SQLite could not copy {source} to {target}: {error}") from None
