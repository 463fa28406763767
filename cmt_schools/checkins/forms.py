"""Forms: the teacher's "open a check-in", the pupil's code box, and reading the pupil's answers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from ..core.inputs import parse_id
from . import questions
from .services import DURATIONS, MAX_CLASS_SIZE

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
        if field.data and parse_id(field.data) is None:  # an id, within an id column's range
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


@dataclass(frozen=True)
class SentAnswers:
    """A pupil's choices as the answer form sent them."""

    answers: dict[str, int | None]  # each item: 1-5, or None (skipped, "rather not say")
    kept: dict[str, str]  # the choices that were valid, ticked again if the form comes back
    all_valid: bool  # False when an item got a value no choice has, or several values


_ALLOWED_VALUES = frozenset((*questions.SCALE_VALUES, questions.SKIP_VALUE))


def read_sent_answers(formdata) -> SentAnswers:
    """Read the radio group of every item from the posted form (one value each, or none).

    The pupil form has no WTForms form of its own: seven radio groups bound and validated
    per request cost more than storing the answers, on the request a whole school sends
    within a minute. Its CSRF token is still checked by Flask-WTF (views.py), and the
    service keeps only the items its check-in asks and checks their values again.
    """
    answers: dict[str, int | None] = {}
    kept: dict[str, str] = {}
    all_valid = True
    for item in questions.ALL_ITEMS:
        sent = formdata.getlist(item)
        answers[item] = None
        if not sent or sent == [""]:
            continue  # not answered: every question is optional
        if len(sent) > 1 or sent[0] not in _ALLOWED_VALUES:
            all_valid = False  # a radio group sends one of its values: this was not our page
            continue
        kept[item] = sent[0]
        if sent[0] != questions.SKIP_VALUE:
            answers[item] = int(sent[0])
    return SentAnswers(answers, kept, all_valid)
