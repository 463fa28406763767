"""Forms for the set-up checklist's manual ticks and for deleting the school's data."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length


class TickForm(FlaskForm):
    done_on = DateField("Date done", validators=[InputRequired("Enter the date it was done.")])


class DeleteSchoolDataForm(FlaskForm):
    confirmation = StringField(
        "Type the school's name to confirm",
        validators=[
            InputRequired("Type the school's name to confirm."),
            Length(max=200, message="That is longer than any school's name."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
