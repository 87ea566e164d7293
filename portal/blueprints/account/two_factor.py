"""The TOTP second factor: enrolment and its recovery codes on the account pages, the code
step of the login, and enrolment during the login when the company requires it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth import pending_login, throttle
from portal.auth.login import log_in
from portal.auth.permissions import Capability, requires
from portal.blueprints.account import bp
from portal.blueprints.account.forms import CodeForm, EnrolForm, PasswordConfirmForm
from portal.blueprints.settings.forms import refuse
from portal.errors import DomainError
from portal.extensions import db
from portal.models import User
from portal.services import recovery_codes, two_factor

Page = Response | str | tuple[str, int]
# The secret being enrolled, until a code confirms it: shown on the page, so the session
# cookie may hold it.
ENROLLING = "two_factor_secret"
# What a logged-in user the company requires a second factor of may still reach.
BEFORE_ENROLMENT = {"account.two_factor", "account.logout", "static", "bootstrap.static"}


@bp.before_app_request
def enrol_first() -> Response | None:
    """Staff of a company that requires a second factor enrol before anything else (logins
    from before the company required it included)."""
    tenant = g.get("tenant")
    if tenant is None or not tenant.require_two_factor or request.endpoint in BEFORE_ENROLMENT:
        return None
    user = current_user
    if user.is_authenticated and two_factor.required(tenant, user) and \
            two_factor.of(user) is None:
        return redirect(url_for("account.two_factor"))
    return None


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@requires(Capability.USE_TWO_FACTOR)
def two_factor_page() -> Page:
    user = current_user._get_current_object()
    if two_factor.of(user) is not None:
        return _settings_page(user)
    enrolled = _enrol(user, EnrolForm())
    if isinstance(enrolled, list):
        db.session.commit()
        return render_template("account/recovery_codes.html", codes=enrolled,
                               next=url_for("public.index"))
    return enrolled


@bp.post("/account/two-factor/recovery-codes")
@requires(Capability.USE_TWO_FACTOR)
def new_recovery_codes() -> Page:
    user, _, refusal = _confirmed_by_password("codes")
    if refusal is not None:
        return refusal
    codes = recovery_codes.replace(user)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes,
                           next=url_for("account.two_factor"))


@bp.post("/account/two-factor/disable")
@requires(Capability.USE_TWO_FACTOR)
def disable_two_factor() -> Page:
    user, form, refusal = _confirmed_by_password("disable")
    if refusal is not None:
        return refusal
    try:
        two_factor.disable(g.tenant, user)
    except DomainError as error:
        return _settings_page(user, disable_form=form, status=refuse(form, error))
    db.session.commit()
    flash("Two-factor login is off.", "success")
    return redirect(url_for("account.two_factor"))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    user = pending_login.user()
    if user is None or two_factor.of(user) is None:
        pending_login.end()
        return redirect(url_for("account.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page(form, 400 if form.is_submitted() else 200)
    attempt = throttle.count_attempt(user.email)  # wrong codes count as wrong passwords do
    if not two_factor.verify(user, form.code.data):
        form.code.errors.append("That code is not right, or it was used already.")
        return _code_page(form, 401)
    attempt.give_back()
    return _finish_login(user)


@bp.route("/login/enrol", methods=["GET", "POST"])
def login_enrol() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    user = pending_login.user()
    if user is None or not two_factor.required(g.tenant, user) or two_factor.of(user):
        pending_login.end()
        return redirect(url_for("account.login"))
    enrolled = _enrol(user, EnrolForm(), during_login=True)
    if not isinstance(enrolled, list):
        return enrolled
    remember, next_path = pending_login.remember(), pending_login.end()
    log_in(user, remember=remember)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=enrolled,
                           next=next_path or url_for("public.index"))


def _finish_login(user: User) -> Response:
    remember, next_path = pending_login.remember(), pending_login.end()
    log_in(user, remember=remember)
    db.session.commit()
    return redirect(next_path or url_for("public.index"))


def _code_page(form: CodeForm, status: int) -> tuple[str, int]:
    return render_template("account/login_code.html", form=form), status


def _enrol(user: User, form: EnrolForm, *, during_login: bool = False
           ) -> list[str] | tuple[str, int]:
    """The recovery codes once the form's code confirms the secret shown; else the page."""
    secret = _secret_being_enrolled(user)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
        except DomainError as error:
            db.session.rollback()
            status = refuse(form, error)
        else:
            session.pop(ENROLLING, None)
            return codes
    uri = two_factor.provisioning_uri(g.tenant, user, secret)
    return render_template("account/two_factor_enrol.html", form=form, secret=secret, uri=uri,
                           qr_code=two_factor.qr_code_svg(uri), during_login=during_login,
                           required=two_factor.required(g.tenant, user)), status


def _secret_being_enrolled(user: User) -> str:
    kept = session.get(ENROLLING)
    if not isinstance(kept, dict) or kept.get("user") != user.id:
        kept = {"user": user.id, "secret": two_factor.new_secret()}
        session[ENROLLING] = kept
    return kept["secret"]


def _confirmed_by_password(prefix: str) -> tuple[User, PasswordConfirmForm, Page | None]:
    """The user and the password form of the settings page named by `prefix`, and what to
    answer instead when no second factor is on or the password is wrong (a counted guess)."""
    user = current_user._get_current_object()
    form = PasswordConfirmForm(prefix=prefix)
    if two_factor.of(user) is None:
        return user, form, redirect(url_for("account.two_factor"))
    if not form.validate_on_submit():
        return user, form, _settings_page(user, **{f"{prefix}_form": form})
    attempt = throttle.count_attempt(user.email)
    if not user.check_password(form.password.data):
        form.password.errors.append("The password is wrong.")
        return user, form, _settings_page(user, **{f"{prefix}_form": form})
    attempt.give_back()
    return user, form, None


def _settings_page(user: User, *, codes_form: PasswordConfirmForm | None = None,
                   disable_form: PasswordConfirmForm | None = None,
                   status: int | None = None) -> tuple[str, int]:
    codes_form = codes_form or PasswordConfirmForm(prefix="codes", formdata=None)
    disable_form = disable_form or PasswordConfirmForm(prefix="disable", formdata=None)
    if status is None:
        status = 400 if request.method == "POST" else 200
    return render_template("account/two_factor.html", factor=two_factor.of(user),
                           remaining=recovery_codes.remaining(user), codes_form=codes_form,
                           disable_form=disable_form,
                           required=two_factor.required(g.tenant, user)), status
