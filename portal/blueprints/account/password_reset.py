"""Forgot password: ask for a link by e-mail, then choose a new password from it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth import throttle
from portal.blueprints.account import bp
from portal.blueprints.account.forms import ForgotPasswordForm, NewPasswordForm
from portal.blueprints.settings.forms import refuse
from portal.errors import DomainError, Invalid
from portal.extensions import db
from portal.services import mail, password_resets, users

Page = Response | str | tuple[str, int]


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return _forgot_page(form, 400 if form.is_submitted() else 200)
    try:
        address = users.normalize_email(form.email.data)
        throttle.count_mail_request(address)  # before anything is looked up
        message = password_resets.request(g.tenant, address)
    except DomainError as error:
        db.session.rollback()
        return _forgot_page(form, refuse(form, error))
    db.session.commit()
    mail.send(message)  # MailNotSent: the error page says it could not be sent (502)
    # The same words whether or not the address has an account.
    return render_template("account/forgot_sent.html", email=address)


def _forgot_page(form: ForgotPasswordForm, status: int) -> tuple[str, int]:
    return render_template("account/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Page:
    password_resets.check(token)  # NotFound: a page saying the link no longer works
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_resets.reset(token, form.new_password.data)
        except Invalid as error:
            db.session.rollback()
            status = refuse(form, error)  # before the page renders the message
            return render_template("account/reset.html", form=form), status
        db.session.commit()
        flash("Your password is changed, and you are logged out everywhere. Log in with "
              "the new password.", "success")
        return redirect(url_for("account.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/reset.html", form=form), status
