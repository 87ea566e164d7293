"""API tokens of the company: create one (its secret is shown once), revoke one."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.tokens import bp
from portal.blueprints.tokens.forms import NewTokenForm
from portal.extensions import db
from portal.models import Role
from portal.services import api_tokens


@bp.get("/api-tokens")
@requires(Capability.MANAGE_API_TOKENS)
def index() -> str:
    return _page(NewTokenForm())


@bp.post("/api-tokens")
@requires(Capability.MANAGE_API_TOKENS)
def create() -> str | tuple[str, int]:
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form), 400
    secret, token = api_tokens.create(g.tenant, form.name.data, Role(form.role.data),
                                      created_by=current_user)
    db.session.commit()
    # Shown in this answer only: the secret is stored nowhere (not even in the session).
    return _page(NewTokenForm(formdata=None), secret=secret, created=token.name)


@bp.post("/api-tokens/<id:token_id>/revoke")
@requires(Capability.MANAGE_API_TOKENS)
def revoke(token_id: int) -> Response:
    token = api_tokens.revoke(token_id)
    db.session.commit()
    flash(f"Token {token.name} is revoked: requests with it now get 401.", "success")
    return redirect(url_for("tokens.index"))


def _page(form: NewTokenForm, secret: str = "", created: str = "") -> str:
    return render_template("tokens/index.html", form=form, tokens=api_tokens.listed(),
                           secret=secret, created=created)
