"""A new e-mail address, confirmed from a link sent to it."""

from __future__ import annotations

from contextlib import suppress

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.auth import throttle
from portal.blueprints.account import bp
from portal.blueprints.account.forms import ChangeEmailForm
from portal.blueprints.settings.forms import refuse
from portal.errors import DomainError
from portal.extensions import db
from portal.services import email_changes, mail, users
from portal.services.mail import MailNotSent

Page = Response | str | tuple[str, int]


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email() -> Page:
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        attempt = throttle.count_attempt(user.email)  # the password is checked: a guess
        if not user.check_password(form.password.data):
            form.password.errors.append("The password is wrong.")
            return _page(form, 400)
        attempt.give_back()
        try:
            address = users.normalize_email(form.new_email.data, field="new_email")
            throttle.count_mail_request(address, field="new_email")
            message = email_changes.request(g.tenant, user, address)
        except DomainError as error:
            db.session.rollback()
            return _page(form, refuse(form, error))
        db.session.commit()
        mail.send(message)
        flash(f"We sent a link to {address}. Open it to confirm the new address; until then "
              "your address stays as it is.", "success")
        return redirect(url_for("account.change_email"))
    return _page(form, 400 if form.is_submitted() else 200)


def _page(form: ChangeEmailForm, status: int) -> tuple[str, int]:
    user = current_user._get_current_object()
    return render_template("account/email.html", form=form,
                           pending=email_changes.pending(user)), status


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Page:
    # No login needed: the link proves the new mailbox; the change was asked for with the
    # password. A GET only shows the button, so that a mail scanner's visit uses nothing.
    new_email = email_changes.check(token)  # NotFound: a page saying the link no longer works
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("account/confirm_email.html", form=form, new_email=new_email
                               ), 400 if form.is_submitted() else 200
    confirmed = email_changes.confirm(g.tenant, token)
    db.session.commit()
    # Not sent (it is logged): the change stands, and the new address is what matters now.
    with suppress(MailNotSent):
        mail.send(confirmed.notice)
    flash(f"Your e-mail address is now {confirmed.user.email}.", "success")
    return redirect(url_for("public.index"))
