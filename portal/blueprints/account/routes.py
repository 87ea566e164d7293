from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth.redirects import same_host_path
from portal.blueprints.account import bp
from portal.blueprints.account.forms import ChangePasswordForm, LoginForm
from portal.errors import Invalid
from portal.extensions import db, limiter
from portal.services import users


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _client_key() -> str:
    return f"login:{g.tenant.slug}:{get_remote_address()}"


def _account_key() -> str:
    return f"login:{g.tenant.slug}:{request.form.get('email', '').strip().lower()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_client_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("account/login.html", form=form), 400 if form.errors else 200
    user = users.authenticate(form.email.data, form.password.data)
    if user is None:
        return render_template(
            "account/login.html", form=form, error="Wrong e-mail or password."
        ), 401
    db.session.commit()
    login_user(user, remember=form.remember.data)
    return redirect(same_host_path(request.args.get("next")) or url_for("public.index"))


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.current_password.data,
                                  form.new_password.data)
        except Invalid as error:
            form[error.field or "new_password"].errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("public.index"))
    status = 400 if form.errors else 200
    return render_template("account/password.html", form=form), status
