"""The company's RFID tags: a filtered list; add, edit, block and delete one; CSV import
(add and update, or replace after a preview) with a report, CSV export."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints import refusals
from portal.blueprints.tags import bp
from portal.blueprints.tags.forms import (
    ConfirmForm,
    ImportForm,
    ReplaceForm,
    TagFilterForm,
    TagForm,
)
from portal.errors import Conflict, DomainError, Invalid
from portal.extensions import db
from portal.models import Tag
from portal.reports import exports
from portal.services import tag_csv, tags
from tenants.scoping import tenant_scope


@bp.get("/tags")
@requires(Capability.MANAGE_TAGS)
def index() -> str:
    form = TagFilterForm(request.args, tags.owners())
    page = tags.page(form.filters(), request.args.get("page", 1, type=int))
    return render_template("tags/index.html", form=form, page=page)


@bp.route("/tags/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_TAGS)
def create() -> Response | str | tuple[str, int]:
    form = TagForm(tags.owners())
    if not form.validate_on_submit():
        return _form_page(form, None), 400 if form.errors else 200
    try:
        tag = tags.create(g.tenant, form.values())
    except DomainError as refused:
        return _refused(form, None, refused)
    db.session.commit()
    flash(f"Tag {tag.id_tag} is added.", "success")
    return redirect(url_for(".index"))


@bp.route("/tags/<id:tag_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_TAGS)
def edit(tag_id: int) -> Response | str | tuple[str, int]:
    tag = tags.get(tag_id)
    if request.method == "GET":
        return _form_page(TagForm.of(tag, tags.owners()), tag)
    form = TagForm(tags.owners())
    if not form.validate_on_submit():
        return _form_page(form, tag), 400
    try:
        tags.edit(tag, form.values())
    except DomainError as refused:
        return _refused(form, tag, refused)
    db.session.commit()
    flash(f"Tag {tag.id_tag} is saved.", "success")
    return redirect(url_for(".index"))


def _refused(form: TagForm, tag: Tag | None, refused: DomainError) -> tuple[str, int]:
    db.session.rollback()
    return _form_page(form, tag, error=refusals.place(form, refused)), refused.status


def _form_page(form: TagForm, tag: Tag | None, error: str = "") -> str:
    return render_template("tags/form.html", form=form, tag=tag, error=error)


@bp.post("/tags/<id:tag_id>/block")
@requires(Capability.MANAGE_TAGS)
def block(tag_id: int) -> Response:
    return _set_blocked(tag_id, True)


@bp.post("/tags/<id:tag_id>/unblock")
@requires(Capability.MANAGE_TAGS)
def unblock(tag_id: int) -> Response:
    return _set_blocked(tag_id, False)


def _set_blocked(tag_id: int, blocked: bool) -> Response:
    tag = tags.get(tag_id)
    tags.block(tag, blocked)
    db.session.commit()
    flash(f"Tag {tag.id_tag} is {'blocked' if blocked else 'unblocked'}: stations ask the "
          "portal at once, and their local lists get it at the next update.", "success")
    return redirect(request.referrer if _is_tags_page(request.referrer) else url_for(".index"))


def _is_tags_page(address: str | None) -> bool:
    """Back to the list where the button was (its filters and page), never elsewhere."""
    return bool(address) and address.startswith(request.host_url.rstrip("/") + "/tags")


@bp.get("/tags/<id:tag_id>/delete")
@requires(Capability.MANAGE_TAGS)
def confirm_delete(tag_id: int) -> str:
    tag = tags.get(tag_id)
    return render_template("tags/delete.html", tag=tag, deletion=tags.deletion_of(tag),
                           form=ConfirmForm())


@bp.post("/tags/<id:tag_id>/delete")
@requires(Capability.MANAGE_TAGS)
def delete(tag_id: int) -> Response | tuple[str, int]:
    tag = tags.get(tag_id)  # CSRFProtect has checked the form's token
    id_tag = tag.id_tag
    try:
        tags.delete(tag)
    except DomainError as refused:
        db.session.rollback()
        return render_template("tags/delete.html", tag=tag, deletion=tags.deletion_of(tag),
                               form=ConfirmForm(), error=str(refused)), refused.status
    db.session.commit()
    flash(f"Tag {id_tag} is deleted; its charging sessions are kept.", "success")
    return redirect(url_for(".index"))


@bp.get("/tags/import")
@requires(Capability.MANAGE_TAGS)
def import_form() -> str:
    return _import_page(ImportForm())


@bp.post("/tags/import")
@requires(Capability.MANAGE_TAGS)
def import_file() -> str | tuple[str, int]:
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form), 400
    content = form.file.data.read(_limit() + 1)
    if len(content) > _limit():
        abort(413, description=f"The file is larger than {_limit() // 1024} KB "
                               "(TAG_IMPORT_MAX_KB). Nothing was imported.")
    mode = tag_csv.ImportMode(form.mode.data)
    try:
        report = tag_csv.import_csv(g.tenant, content, mode)
    except Invalid as error:
        form.file.errors = [str(error)]
        return _import_page(form), 400
    if mode is tag_csv.ImportMode.REPLACE:
        db.session.rollback()  # a preview: nothing changes until it is confirmed
        return _import_page(form, report=report,
                            replace=ReplaceForm.of(content, report.removal_key))
    db.session.commit()
    return _import_page(ImportForm(formdata=None), report=report)


@bp.post("/tags/import/replace")
@requires(Capability.MANAGE_TAGS)
def replace() -> str | tuple[str, int]:
    form = ReplaceForm()
    if not form.validate_on_submit() or len(form.file_content) > _limit():
        abort(400, description="The previewed file did not come back whole. Import it again; "
                               "nothing was changed.")
    try:
        report = tag_csv.replace(g.tenant, form.file_content, form.removal_key.data)
    except Conflict as refused:  # the tags changed since the preview: preview again
        db.session.rollback()
        report = tag_csv.import_csv(g.tenant, form.file_content, tag_csv.ImportMode.REPLACE)
        db.session.rollback()
        return _import_page(ImportForm(formdata=None), report=report, error=str(refused),
                            replace=ReplaceForm.of(form.file_content,
                                                   report.removal_key)), refused.status
    db.session.commit()
    return _import_page(ImportForm(formdata=None), report=report)


def _import_page(form: ImportForm, **shown: object) -> str:
    return render_template("tags/import.html", form=form, limit_kb=_limit() // 1024, **shown)


@bp.get("/tags/export")
@requires(Capability.MANAGE_TAGS)
def export() -> Response:
    try:
        csv_format = tag_csv.CsvFormat(request.args.get("format", "portal"))
    except ValueError:
        abort(400, description="format must be portal or whitelist.")
    tenant = g.tenant

    def lines() -> Iterator[str]:
        # The body is read after the view returns, outside the request's tenant scope.
        with tenant_scope(tenant):
            yield from tag_csv.export_csv(csv_format)

    return exports.csv_response(stream_with_context(lines()), f"tags-{csv_format.value}.csv")


def _limit() -> int:
    return current_app.config["TAG_IMPORT_MAX_KB"] * 1024
