"""The delivery record form. It binds only its own fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from .services import MINUTES_TAKEN_RANGE, NOTE_MAX_LENGTH

try:  # WTForms 3.3 prefers SelectChoice and deprecates tuples; older versions take tuples.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms before 3.3
    SelectChoice = None

_OUTCOMES = [("taught", "Taught"), ("shortened", "Shortened"), ("skipped", "Skipped")]
OUTCOME_CHOICES = (
    [SelectChoice(value=value, label=label) for value, label in _OUTCOMES]
    if SelectChoice
    else _OUTCOMES
)


class _MinutesField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter the minutes as a whole number, for example 50.") from error


class _DateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Enter a real date, for example 2026-11-20.") from error


# More than any lesson has: bounds what a crafted POST can make the server build.
MAX_STEPS = 20


class RecordDeliveryForm(FlaskForm):
    delivered_on = _DateField(
        "Date taught",
        validators=[InputRequired("Enter the date the lesson was taught.")],
        format="%Y-%m-%d",
    )
    minutes_taken = _MinutesField(
        "Minutes the lesson took",
        validators=[
            InputRequired("Enter the minutes the lesson took, as a whole number."),
            NumberRange(
                *MINUTES_TAKEN_RANGE,
                message=f"Enter the minutes the lesson took, {MINUTES_TAKEN_RANGE[0]} to "
                f"{MINUTES_TAKEN_RANGE[1]}.",
            ),
        ],
    )
    outcomes = FieldList(
        SelectField(
            "How this step went",
            choices=OUTCOME_CHOICES,
            validate_choice=True,
        ),
        max_entries=MAX_STEPS,
    )
    note = TextAreaField(
        "Adaptations and notes (optional)",
        validators=[
            Length(
                max=NOTE_MAX_LENGTH,
                message=f"Keep the note to {NOTE_MAX_LENGTH} characters or fewer.",
            )
        ],
        render_kw={"maxlength": NOTE_MAX_LENGTH, "rows": 4},
    )

    def fit_steps(self, count: int, default: str = "taught") -> None:
        """Give the form exactly one outcome per step of the lesson."""
        while len(self.outcomes) > count:
            self.outcomes.pop_entry()
        while len(self.outcomes) < count:
            self.outcomes.append_entry(default)
