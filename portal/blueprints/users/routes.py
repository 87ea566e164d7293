"""The company's users: a filtered table and its Excel export; add a user of each role,
edit, deactivate, reactivate and delete one; give and take back cards; an EV user's
personal data, exported or erased. Site administrators read their site's EV users."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, can, requires
from portal.blueprints import refusals
from portal.blueprints.users import bp
from portal.blueprints.users.forms import FORMS, ConfirmForm, UserFilterForm, UserForm
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Role, User
from portal.reports import exports
from portal.services import personal_data, sites, user_list, user_management


@bp.get("/users")
@requires(Capability.VIEW_USERS)
def index() -> str | tuple[str, int]:
    form = UserFilterForm(request.args, sites.listed(current_user))
    page = user_list.page(current_user, form.filters(), form.sorting(),
                          request.args.get("page", 1, type=int))
    return render_template("users/index.html", form=form, page=page,
                           roles=list(user_management.ROLE_FIELDS),
                           may_manage=can(current_user, Capability.MANAGE_USERS))


@bp.get("/users/export.xlsx")
@requires(Capability.VIEW_USERS)
def export() -> Response:
    form = UserFilterForm(request.args, sites.listed(current_user))
    actor, filters, sort = current_user._get_current_object(), form.filters(), form.sorting()
    rows = exports.read_in_scope(g.tenant, lambda: user_list.export_rows(actor, filters, sort))
    return exports.xlsx_response(stream_with_context(exports.xlsx_chunks(
        "Users", user_list.EXPORT_HEADER, rows)), "users.xlsx")


@bp.get("/users/<id:user_id>")
@requires(Capability.VIEW_USERS)
def show(user_id: int) -> str:
    user = user_list.get(current_user, user_id)
    return render_template("users/show.html", user=user,
                           cards=user_management.cards_of(user), form=ConfirmForm(),
                           may_manage=can(current_user, Capability.MANAGE_USERS))


@bp.route("/users/new/<role>", methods=["GET", "POST"])
@requires(Capability.MANAGE_USERS)
def create(role: str) -> Response | str | tuple[str, int]:
    try:
        chosen = Role(role)
        form_class = FORMS[chosen]
    except (ValueError, KeyError):
        abort(404)
    form = form_class(sites.listed(current_user))
    if not form.validate_on_submit():
        return _form_page(form, chosen, None), 400 if form.errors else 200
    try:
        user = user_management.create(g.tenant, chosen, form.values(), form.cards(),
                                      move_cards=form.moves_cards)
    except DomainError as refused:
        return _refused(form, chosen, None, refused)
    db.session.commit()
    flash(f"{user.role.label} {user.email} is added.", "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.route("/users/<id:user_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_USERS)
def edit(user_id: int) -> Response | str | tuple[str, int]:
    user = user_list.get(current_user, user_id)
    form = FORMS[user.role](sites.listed(current_user), user)
    if request.method == "GET":
        form.fill(user)
        return _form_page(form, user.role, user)
    if not form.validate_on_submit():
        return _form_page(form, user.role, user), 400
    try:
        user_management.edit(user, form.values(), current_user)
        for id_tag in form.cards():
            user_management.give_card(user, id_tag, move=form.moves_cards)
    except DomainError as refused:
        return _refused(form, user.role, user, refused)
    db.session.commit()
    flash(f"{user.email} is saved.", "success")
    return redirect(url_for(".show", user_id=user.id))


def _refused(form: UserForm, role: Role, user: User | None,
             refused: DomainError) -> tuple[str, int]:
    db.session.rollback()
    return _form_page(form, role, user, error=refusals.place(form, refused)), refused.status


def _form_page(form: UserForm, role: Role, user: User | None, error: str = "") -> str:
    cards = user_management.cards_of(user) if user is not None else []
    return render_template("users/form.html", form=form, role=role, user=user, cards=cards,
                           error=error)


@bp.post("/users/<id:user_id>/cards/<id:tag_id>/take-back")
@requires(Capability.MANAGE_USERS)
def take_card(user_id: int, tag_id: int) -> Response:
    user = user_list.get(current_user, user_id)
    tag = user_management.take_card(user, tag_id)
    db.session.commit()
    flash(f"Tag {tag.id_tag} is taken back from {user.email}; it stays in the company's "
          "tags, with no owner.", "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/users/<id:user_id>/deactivate")
@requires(Capability.MANAGE_USERS)
def deactivate(user_id: int) -> Response | tuple[str, int]:
    user = user_list.get(current_user, user_id)
    try:
        user_management.deactivate(user, current_user)
    except DomainError as refused:
        return _show_refused(user, refused)
    db.session.commit()
    flash(f"{user.email} is deactivated: their logins have ended.", "success")
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/users/<id:user_id>/reactivate")
@requires(Capability.MANAGE_USERS)
def reactivate(user_id: int) -> Response:
    user = user_list.get(current_user, user_id)
    user_management.reactivate(user)
    db.session.commit()
    flash(f"{user.email} is active again.", "success")
    return redirect(url_for(".show", user_id=user.id))


def _show_refused(user: User, refused: DomainError) -> tuple[str, int]:
    db.session.rollback()
    return render_template("users/show.html", user=user,
                           cards=user_management.cards_of(user), form=ConfirmForm(),
                           may_manage=True, error=str(refused)), refused.status


@bp.route("/users/<id:user_id>/delete", methods=["GET", "POST"])
@requires(Capability.MANAGE_USERS)
def delete(user_id: int) -> Response | str | tuple[str, int]:
    user = user_list.get(current_user, user_id)
    return _confirmed(user, "users/delete.html",
                      lambda: user_management.delete(user, current_user),
                      f"{user.email} is deleted; their charging sessions are kept, without "
                      "them.")


@bp.get("/users/<id:user_id>/personal-data.json")
@requires(Capability.MANAGE_USERS)
def personal_data_json(user_id: int) -> Response:
    user = user_list.get(current_user, user_id)
    return Response(json.dumps(personal_data.as_json(user), indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": f'attachment; filename="user-{user.id}.json"'})


@bp.get("/users/<id:user_id>/personal-data.xlsx")
@requires(Capability.MANAGE_USERS)
def personal_data_xlsx(user_id: int) -> Response:
    user = user_list.get(current_user, user_id)
    tables = [exports.Table(section.title, section.header, section.rows)
              for section in personal_data.sections(user)]
    chunks = exports.read_in_scope(g.tenant, lambda: exports.workbook_chunks(tables))
    return exports.xlsx_response(stream_with_context(chunks), f"user-{user.id}.xlsx")


@bp.route("/users/<id:user_id>/erase", methods=["GET", "POST"])
@requires(Capability.MANAGE_USERS)
def erase(user_id: int) -> Response | str | tuple[str, int]:
    user = user_list.get(current_user, user_id)
    return _confirmed(user, "users/erase.html", lambda: personal_data.erase(user),
                      f"{user.email} is erased: their sessions are kept without their name "
                      "or card.")


def _confirmed(user: User, template: str, act: Callable[[], None],
               done: str) -> Response | str | tuple[str, int]:
    """A confirmation page (GET), and what it confirms (POST); back to the list when done."""
    if request.method == "GET":
        return render_template(template, user=user, form=ConfirmForm())
    try:
        act()
    except DomainError as refused:
        db.session.rollback()
        return render_template(template, user=user, form=ConfirmForm(),
                               error=str(refused)), refused.status
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".index"))
