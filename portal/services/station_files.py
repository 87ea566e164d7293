"""The bytes of files stations exchange with the portal: stored in chunks, served by token.

A file is written from any readable stream (a form upload, a raw request body) one chunk
at a time, hashed and counted on the way; past the size limit nothing of it is kept. It is
read back one chunk per query, so a download never holds the whole file nor, between
chunks, a database connection.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import delete, select

from portal.errors import NotFound, TooLarge
from portal.extensions import db
from portal.models import StationFile, StationFileChunk, StationFileKind, Tenant
from portal.models.base import utcnow
from tenants.scoping import ALL_TENANTS, tenant_scope

CHUNK_BYTES = 1024 * 1024
# Room for a multipart form's boundaries and other fields around a file at the size limit:
# the web server limits the whole body, `write` the file's own bytes.
FORM_OVERHEAD_BYTES = 64 * 1024


def new_token() -> str:
    """43 URL-safe characters (256 random bits): the only key to a file stations get."""
    return secrets.token_urlsafe(32)


def write(file: StationFile, stream: BinaryIO, max_bytes: int) -> None:
    """Store the stream as the file's bytes (replacing any), or raise TooLarge."""
    db.session.flush()  # the file needs its id
    db.session.execute(delete(StationFileChunk).where(StationFileChunk.file_id == file.id))
    digest, size, number = hashlib.sha256(), 0, 0
    while piece := stream.read(CHUNK_BYTES):
        size += len(piece)
        if size > max_bytes:
            raise too_large(max_bytes)
        digest.update(piece)
        chunk = StationFileChunk(tenant_id=file.tenant_id, file_id=file.id, number=number,
                                 data=piece)
        db.session.add(chunk)
        db.session.flush()
        db.session.expunge(chunk)  # keep memory to one chunk, not the whole file
        number += 1
    file.size, file.sha256, file.stored_at = size, digest.hexdigest(), utcnow()


def find_by_token(token: str, kind: StationFileKind, tenant: Tenant | None) -> StationFile:
    """The stored file with this token: within the tenant whose host was asked, or in any
    tenant on the bare domain (the token alone names it). NotFound otherwise."""
    query = select(StationFile).where(StationFile.token == token, StationFile.kind == kind)
    if tenant is None:
        query = query.execution_options(**{ALL_TENANTS: True})
    file = db.session.scalar(query)
    if file is None:
        raise NotFound("There is no such file.")
    return file


def chunks(tenant: Tenant, file_id: int) -> Iterator[bytes]:
    """The file's bytes, one chunk per query; the session is closed between chunks."""
    number = 0
    while True:
        with tenant_scope(tenant):
            data = db.session.scalar(select(StationFileChunk.data).where(
                StationFileChunk.file_id == file_id, StationFileChunk.number == number))
            db.session.close()
        if data is None:
            return
        yield data
        number += 1


def too_large(max_bytes: int) -> TooLarge:
    """The error for a file past the limit (also when the web server saw it first)."""
    megabytes, rest = divmod(max_bytes, 1024 * 1024)
    limit = f"{megabytes} MB" if megabytes and not rest else f"{max_bytes:,} bytes"
    return TooLarge(f"The file is larger than the limit of {limit}.", field="file")
