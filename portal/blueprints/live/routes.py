"""The colours of the navigator and floor maps, polled by open pages (portal.services.live)."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.live import bp
from portal.blueprints.scoping import current_node
from portal.services import lights, live


@bp.get("/live/lights")
@requires(Capability.VIEW_STATIONS)
def show() -> Response:
    """{"stations": {id: light}, "outlets": {id: light}} under ?node=; 304 while the company's
    live version is the one the page already has (ETag)."""
    node = current_node()
    # The ETag names the node and the user too: the same version shows other things to
    # another user (a site administrator) or for another node.
    etag = f"{live.version(g.tenant.id)}-{current_user.id}-{node.key}"
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": "no-cache"})
    found = lights.of_node(current_user, node)
    response = jsonify(stations={str(k): v.value for k, v in found.stations.items()},
                       outlets={str(k): v.value for k, v in found.outlets.items()})
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response
