from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.auth import pending_login, throttle
from portal.auth.login import log_in, log_out, remembered
from portal.auth.permissions import Capability, requires
from portal.auth.redirects import same_host_path
from portal.blueprints.account import bp
from portal.blueprints.account.forms import AlarmMailForm, ChangePasswordForm, LoginForm
from portal.errors import Invalid
from portal.extensions import db
from portal.services import alarm_digest, audit, users


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("account/login.html", form=form), 400 if form.errors else 200
    attempt = throttle.count_attempt(form.email.data)
    user = users.authenticate(form.email.data, form.password.data)
    if user is None:
        audit.login_failed(g.tenant, form.email.data, get_remote_address())
        db.session.commit()
        return render_template(
            "account/login.html", form=form, error="Wrong e-mail or password."
        ), 401
    attempt.give_back()
    next_path = same_host_path(request.args.get("next"))
    if (second_step := pending_login.second_step(user)) is not None:
        # Not logged in until the second step is passed (account/two_factor.py).
        pending_login.begin(user, remember=form.remember.data, next_path=next_path)
        return redirect(url_for(second_step))
    log_in(user, remember=form.remember.data)
    db.session.commit()
    return redirect(next_path or url_for("public.index"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    log_out()
    db.session.commit()
    flash("You are logged out.", "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        attempt = throttle.count_attempt(user.email)
        try:
            users.change_password(user, form.current_password.data, form.new_password.data)
        except Invalid as error:
            if error.field != "current_password":
                attempt.give_back()
            form[error.field or "new_password"].errors.append(str(error))
        else:
            attempt.give_back()
            # Every login of the user has ended; this browser gets a new one.
            log_in(user, remember=remembered())
            db.session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("public.index"))
    status = 400 if form.errors else 200
    return render_template("account/password.html", form=form), status


@bp.route("/account/alarm-mail", methods=["GET", "POST"])
@requires(Capability.MANAGE_ALARMS)
def alarm_mail() -> Response | str | tuple[str, int]:
    user = current_user._get_current_object()
    form = AlarmMailForm(daily=user.email_on_alarm, at_once=user.email_at_once)
    if not alarm_digest.may_be_mailed(user):
        abort(403)
    if form.validate_on_submit():
        alarm_digest.choose_mail(user, daily=form.daily.data, at_once=form.at_once.data)
        db.session.commit()
        flash("Your alarm e-mail is set.", "success")
        return redirect(url_for("account.alarm_mail"))
    return render_template("account/alarm_mail.html", form=form), 400 if form.errors else 200
