"""The message log of every station the user may see, under the navigator's node."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.messages import bp
from portal.blueprints.scoping import current_node
from portal.blueprints.stations.forms import CompanyMessageFilterForm
from portal.services import message_log


@bp.get("/messages")
@requires(Capability.VIEW_STATIONS)
def index() -> tuple[str, int]:
    form = CompanyMessageFilterForm(request.args)
    page = message_log.page(current_user, form.filters(), current_node(),
                            before=request.args.get("before"), after=request.args.get("after"))
    return render_template("messages/index.html", form=form, page=page,
                           retention_days=message_log.retention_days()), (
        400 if form.errors else 200)
