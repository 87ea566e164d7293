"""Where the browser may be sent after logging in: a path on this host, and nothing else."""

from __future__ import annotations

import re

from werkzeug.urls import iri_to_uri

# Browsers remove ASCII tab, CR and LF anywhere in a URL, and C0 controls and spaces at its
# ends, before they read it (WHATWG URL standard, basic URL parser): "/\t/evil.example"
# leads to //evil.example. The same happens here first, so the check sees what they see.
_DROPPED_ANYWHERE = re.compile(r"[\t\r\n]")
_STRIPPED_AT_ENDS = "".join(chr(code) for code in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def same_host_path(target: str | None) -> str | None:
    """`target` as a browser reads it, if that is a path on this host; otherwise None.

    Refused: a scheme (`https:`, `javascript:`), a protocol-relative `//host`, and any
    backslash, which browsers read as a slash (`/\\host`, `\\\\host`).
    """
    if not target:
        return None
    path = _DROPPED_ANYWHERE.sub("", target).strip(_STRIPPED_AT_ENDS)
    if not path.startswith("/") or path.startswith("//") or "\\" in path or _CONTROL.search(path):
        return None
    return iri_to_uri(path)  # a Location header is ASCII
