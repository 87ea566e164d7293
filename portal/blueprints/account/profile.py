"""A person's own name, for every role (the password has its own page)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.blueprints.account import bp
from portal.blueprints.account.forms import NameForm
from portal.blueprints.settings.forms import refuse
from portal.errors import Invalid
from portal.extensions import db
from portal.services import users


@bp.route("/account/name", methods=["GET", "POST"])
@login_required
def change_name() -> Response | str | tuple[str, int]:
    user = current_user._get_current_object()
    form = NameForm(obj=user)
    if form.validate_on_submit():
        try:
            users.rename(user, form.first_name.data or "", form.last_name.data or "")
        except Invalid as error:
            db.session.rollback()
            status = refuse(form, error)  # before the page renders the message
            return render_template("account/name.html", form=form), status
        db.session.commit()
        flash("Your name is saved.", "success")
        return redirect(url_for("account.change_name"))
    return render_template("account/name.html", form=form), 400 if form.errors else 200
