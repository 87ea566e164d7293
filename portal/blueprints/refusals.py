"""A service's refusal shown on the form that asked for it."""

from __future__ import annotations

from flask_wtf import FlaskForm

from portal.errors import DomainError


def place(form: FlaskForm, refused: DomainError) -> str:
    """Put the refusal next to the field it names; return it when it names none of the
    form's fields, for the page to show above the form."""
    field = next((field for field in form if field.name == refused.field), None)
    if field is None:
        return str(refused)
    field.errors = [*field.errors, str(refused)]
    return ""
