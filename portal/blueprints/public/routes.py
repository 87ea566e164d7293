"""The bare domain: find your company's portal. On a tenant host, `/` leads to the right page."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, can
from portal.blueprints.public import bp
from portal.blueprints.public.forms import FindCompanyForm
from tenants import provisioning
from tenants.resolve import tenant_url


@bp.get("/")
def index() -> Response | str:
    if g.tenant is None:
        return render_template("public/find.html", form=FindCompanyForm())
    if not current_user.is_authenticated:
        return redirect(url_for("account.login"))
    if can(current_user, Capability.VIEW_DASHBOARD):
        return redirect(url_for("dashboard.show"))
    return redirect(url_for("my.sessions"))


@bp.post("/find")
def find() -> Response | tuple[str, int]:
    form = FindCompanyForm()
    status = 400
    if form.validate_on_submit():
        tenant = provisioning.find_by_slug(form.company.data.strip())
        if tenant is not None:
            return redirect(tenant_url(tenant, url_for("account.login")))
        form.company.errors.append("No company of that name uses Plugboard.")
        status = 404
    return render_template("public/find.html", form=form), status
