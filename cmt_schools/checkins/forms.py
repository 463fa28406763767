"""Forms: the teacher's "open a check-in", the pupil's code box and the pupil's answers."""

from __future__ import annotations

from functools import cache

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from . import questions
from .services import DURATIONS, MAX_CLASS_SIZE, is_submission_id

try:  # WTForms 3.3 deprecates (value, label) tuples for choices
    from wtforms.fields.choices import SelectChoice as _Choice
except ImportError:  # pragma: no cover - older WTForms

    def _Choice(value, label):
        return (value, label)


def choices(pairs) -> list:
    return [_Choice(value, label) for value, label in pairs]


class OpenCheckInForm(FlaskForm):
    class_id = SelectField("Class", coerce=int, validators=[InputRequired("Choose a class.")])
    kind = RadioField(
        "Kind of check-in",
        choices=choices(
            [
                ("baseline", "Start of term: six questions about the last week"),
                ("endpoint", "End of term: the same six questions"),
                ("now", "Right now: one question, for a lesson"),
            ]
        ),
        default="baseline",
        validators=[InputRequired("Choose what kind of check-in to open.")],
    )
    minutes = SelectField(
        "Stays open for",
        coerce=int,
        choices=choices(DURATIONS.items()),
        default=30,
        validators=[InputRequired("Choose how long it stays open.")],
    )
    class_size = IntegerField(
        "Pupils in the class",
        default=30,
        validators=[
            InputRequired("Give the number of pupils."),
            NumberRange(1, MAX_CLASS_SIZE, f"Give a number between 1 and {MAX_CLASS_SIZE}."),
        ],
    )
    occurrence_id = HiddenField()

    def validate_occurrence_id(self, field) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError("That lesson could not be found.")


class JoinForm(FlaskForm):
    """The code box on /join (sent with GET: looking a code up changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(
        "Your code",
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "inputmode": "text",
            "maxlength": "12",
        },
    )


def _one_answer(form, field) -> None:
    # A radio group sends one value; two means the request was not made by our page.
    if field.raw_data and len(field.raw_data) > 1:
        raise ValidationError("Choose one answer.")


def _submission_id(form, field) -> None:
    if not is_submission_id(field.data):
        raise ValidationError("This page was not loaded properly.")


class PupilAnswersForm(FlaskForm):
    """Base of the per-check-in answer forms: the hidden submission id (a random UUID)."""

    submission_id = HiddenField(validators=[_submission_id])

    def answers(self) -> dict[str, int | None]:
        """Each item's answer, 1-5, or None for skipped or "I'd rather not say"."""
        result = {}
        for question in self.questions:
            value = getattr(self, question.key).data
            result[question.key] = int(value) if value and value.isdigit() else None
        return result

    def kept_answers(self) -> dict[str, str]:
        """The answers that were valid choices, to show again when the form comes back."""
        kept = {}
        for question in self.questions:
            field = getattr(self, question.key)
            allowed = {str(c.value) for c in question.choices} | {questions.SKIP_VALUE}
            if isinstance(field.data, str) and field.data in allowed and not field.errors:
                kept[question.key] = field.data
        return kept


@cache
def answers_form_class(kind: str, band: str) -> type[PupilAnswersForm]:
    """The answer form for a check-in's kind and band (one radio group per question)."""
    chosen = questions.questions_for(kind, band)
    fields = {
        question.key: RadioField(
            question.text,
            choices=choices(
                [(str(c.value), c.word) for c in question.choices]
                + [(questions.SKIP_VALUE, questions.RATHER_NOT_SAY)]
            ),
            validators=[Optional(strip_whitespace=False), _one_answer],
            validate_choice=True,
        )
        for question in chosen
    }
    return type(
        f"PupilAnswersForm_{kind}_{band}",
        (PupilAnswersForm,),
        {**fields, "questions": chosen},
    )
