"""The navigator's node of this request, from `?node=` (portal.services.scope)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from portal.services import scope


def current_node() -> scope.Node:
    """The node the page is scoped to; NotFound (404) for one the user may not see."""
    if "node" not in g:
        g.node = scope.parse(current_user, request.args.get("node"))
    return g.node
