"""The term picker on the summary page and the audit log's page number (GET forms)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional


class TermChoiceForm(FlaskForm):
    """Choose one of the school's terms. The view checks the id itself (404 if not ours)."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    term = SelectField("Term")

    def __init__(self, terms, chosen, **kwargs) -> None:
        super().__init__(formdata=None, **kwargs)
        self.term.choices = [
            (str(term.id), f"{term.name} ({term.first_day:%d %b %Y} to {term.last_day:%d %b %Y})")
            for term in terms
        ]
        self.term.data = str(chosen.id) if chosen is not None else None


class AuditPageForm(FlaskForm):
    class Meta:
        csrf = False

    page = IntegerField(
        "Page",
        validators=[
            Optional(),
            NumberRange(min=1, max=10_000, message="Choose a page from 1 to 10,000."),
        ],
    )
