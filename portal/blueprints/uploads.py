"""Reading an uploaded file under a size limit of its own, kept in one place."""

from __future__ import annotations

from flask import abort, current_app
from werkzeug.datastructures import FileStorage


def read_limited(file: FileStorage, setting: str) -> bytes:
    """The file's bytes; 413 past the setting's kilobytes, without reading any further."""
    limit = current_app.config[setting] * 1024
    content = file.read(limit + 1)
    if len(content) > limit:
        abort(413, description=f"The file is larger than {limit // 1024} KB ({setting}). "
                               "Nothing was imported.")
    return content
