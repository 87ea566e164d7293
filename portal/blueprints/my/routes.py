from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.my import bp
from portal.services import charging_sessions


@bp.get("/my/sessions")
@requires(Capability.VIEW_OWN_SESSIONS)
def sessions() -> str:
    page = charging_sessions.of_driver(current_user, request.args.get("page", 1, type=int))
    return render_template("my/sessions.html", page=page)
