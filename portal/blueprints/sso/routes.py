"""Logging in through the company's OpenID Connect provider; its settings page.

After the provider, the same second step as after a password (a TOTP code, or enrolling
when the company requires it): a company's rule holds whichever door a person comes in by.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth import pending_login
from portal.auth import sso as sso_client
from portal.auth.login import log_in
from portal.auth.permissions import Capability, requires
from portal.auth.redirects import same_host_path
from portal.blueprints.account.forms import LoginForm
from portal.blueprints.settings.forms import refuse
from portal.blueprints.sso import bp
from portal.blueprints.sso.forms import ProviderForm
from portal.errors import DomainError
from portal.extensions import db
from portal.models import SsoProvider
from portal.services import secrets, sso
from tenants.links import page_url

Page = Response | str | tuple[str, int]
_NEXT = "sso_next"  # where to go once logged in, kept in the session meanwhile


@bp.app_template_global()
def sso_login_option() -> SsoProvider | None:
    """The provider the login page offers, if any."""
    return sso.login_option(g.tenant)


@bp.get("/login/sso")
def start() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    provider = _enabled_provider()
    session[_NEXT] = same_host_path(request.args.get("next"))
    try:
        return sso_client.redirect_to(provider, _redirect_uri())
    except DomainError as error:
        return _login_page(str(error)), error.status


@bp.get("/login/sso/callback")
def callback() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    provider = _enabled_provider()
    try:
        claims = sso_client.verified_claims(provider)
        user = sso.user_for(g.tenant, provider, claims)
    except DomainError as error:
        db.session.rollback()
        return _login_page(str(error)), error.status
    next_path = session.pop(_NEXT, None)
    if (second_step := pending_login.second_step(user)) is not None:
        # The company's second factor holds whichever door a person comes in by.
        db.session.commit()  # a user the provider's login created
        pending_login.begin(user, remember=False, next_path=next_path)
        return redirect(url_for(second_step))
    log_in(user, remember=False)
    db.session.commit()
    return redirect(next_path or url_for("public.index"))


def _enabled_provider() -> SsoProvider:
    provider = sso.login_option(g.tenant)
    if provider is None:
        abort(404)
    return provider


def _redirect_uri() -> str:
    # PORTAL_URL's scheme and port, as the provider must have it registered: not this
    # request's, which behind a TLS proxy may say http.
    return page_url(g.tenant, "sso.callback")


def _login_page(error: str) -> str:
    return render_template("account/login.html", form=LoginForm(), error=error)


@bp.route("/settings/sso", methods=["GET", "POST"], endpoint="settings")
@requires(Capability.MANAGE_TENANT)
def provider_settings() -> Page:
    provider = sso.provider_of(g.tenant)
    form = ProviderForm(obj=provider)
    if form.validate_on_submit():
        try:
            sso.configure(g.tenant, sso.ProviderSettings(
                name=form.name.data, issuer=form.issuer.data, client_id=form.client_id.data,
                client_secret=form.client_secret.data or "", enabled=form.enabled.data,
                create_ev_users=form.create_ev_users.data))
        except DomainError as error:
            db.session.rollback()  # the page shows the provider as it is kept
            status = refuse(form, error)  # before the page renders the message
            return _settings_page(form, provider), status
        db.session.commit()
        flash("The single sign-on settings are saved.", "success")
        return redirect(url_for("sso.settings"))
    return _settings_page(form, provider), 400 if form.is_submitted() else 200


def _settings_page(form: ProviderForm, provider: SsoProvider | None) -> str:
    # A kept secret is never sent back: the field shows that there is one, and staying empty
    # keeps it.
    if provider is not None:
        form.client_secret.render_kw = {"placeholder": secrets.MASK}
        form.client_secret.description = "Leave empty to keep the stored secret."
    return render_template("sso/settings.html", form=form, redirect_uri=_redirect_uri())
