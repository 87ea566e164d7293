from __future__ import annotations

from flask import g, render_template
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.dashboard import bp
from portal.services import dashboard


@bp.get("/dashboard")
@requires(Capability.VIEW_DASHBOARD)
def show() -> str:
    return render_template("dashboard/show.html", summary=dashboard.summary(g.tenant, current_user))
