"""The company's RFID tags: a filtered list, CSV import with a report, CSV export."""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, current_app, g, render_template, request, stream_with_context
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.tags import bp
from portal.blueprints.tags.forms import ImportForm, TagFilterForm
from portal.errors import Invalid
from portal.extensions import db
from portal.reports import exports
from portal.services import tag_csv, tags
from tenants.scoping import tenant_scope


@bp.get("/tags")
@requires(Capability.MANAGE_TAGS)
def index() -> str:
    form = TagFilterForm(request.args)
    page = tags.page(form.filters(), request.args.get("page", 1, type=int))
    return render_template("tags/index.html", form=form, page=page)


@bp.get("/tags/import")
@requires(Capability.MANAGE_TAGS)
def import_form() -> str:
    return render_template("tags/import.html", form=ImportForm(), limit_kb=_limit() // 1024)


@bp.post("/tags/import")
@requires(Capability.MANAGE_TAGS)
def import_file() -> str | tuple[str, int]:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("tags/import.html", form=form, limit_kb=_limit() // 1024), 400
    content = form.file.data.read(_limit() + 1)
    if len(content) > _limit():
        abort(413, description=f"The file is larger than {_limit() // 1024} KB "
                               "(TAG_IMPORT_MAX_KB). Nothing was imported.")
    try:
        report = tag_csv.import_csv(g.tenant, content)
    except Invalid as error:
        form.file.errors = [str(error)]
        return render_template("tags/import.html", form=form, limit_kb=_limit() // 1024), 400
    db.session.commit()
    return render_template("tags/import.html", form=ImportForm(formdata=None),
                           limit_kb=_limit() // 1024, report=report)


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
