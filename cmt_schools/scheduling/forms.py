"""Forms for the school calendar, classes and the lesson plan. Each binds only its own fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.form import Form
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .models import CLOSURE_KINDS, YEAR_GROUPS
from .services import MAX_MINUTES, MAX_NAME, MIN_MINUTES, SCHOOL_WEEKDAYS


class _PlainFormat:
    """For a date or time field: empty is no value (InputRequired or Optional says what to
    do), and one that does not parse says, with an example, what to enter (`example`)."""

    example = ""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(self.example) from error


class DayField(_PlainFormat, DateField):
    """A date from an <input type=date>, with a message a person understands."""

    example = "Enter a real date, for example 2026-09-03."


class ClockField(_PlainFormat, TimeField):
    """A time from an <input type=time>, with a message a person understands."""

    example = "Enter a time, for example 09:15."


CHOOSE = "Choose from the options given."


class _PlainRefusals:
    """For a field of choices: every refusal reads the same plain way (CHOOSE), whatever
    WTForms would have said."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(CHOOSE) from error

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(CHOOSE) from error


class ChoiceField(_PlainRefusals, SelectField):
    """A select whose every refusal reads the same plain way."""


class CheckboxesField(_PlainRefusals, SelectMultipleField):
    """Checkboxes whose every refusal reads the same plain way."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _name(limit: int, what: str):
    return [
        InputRequired(f"Enter a name for the {what}."),
        Length(max=limit, message=f"Use at most {limit} characters."),
    ]


class TermForm(FlaskForm):
    name = StringField("Term name", validators=_name(MAX_NAME["term"], "term"))
    first_day = DayField("First day", validators=[InputRequired("Enter the first day.")])
    last_day = DayField("Last day", validators=[InputRequired("Enter the last day.")])


class ClosureForm(FlaskForm):
    name = StringField("What it is", validators=_name(MAX_NAME["closure"], "closure"))
    kind = ChoiceField("Kind", choices=list(CLOSURE_KINDS.items()))
    first_day = DayField("First day", validators=[InputRequired("Enter the first day.")])
    last_day = DayField("Last day (leave empty for one day)", validators=[Optional()])


class YearTermForm(Form):
    name = StringField("Name", validators=_name(MAX_NAME["term"], "term"))
    first_day = DayField("First day", validators=[InputRequired("Enter the first day.")])
    last_day = DayField("Last day", validators=[InputRequired("Enter the last day.")])


class YearClosureForm(Form):
    name = StringField(
        "Name",
        validators=[
            Optional(),
            Length(
                max=MAX_NAME["closure"], message=f"Use at most {MAX_NAME['closure']} characters."
            ),
        ],
    )
    # Checked by the service for the rows that are filled in; empty rows are left out.
    kind = SelectField(
        "Kind", choices=list(CLOSURE_KINDS.items()), default="other", validate_choice=False
    )
    first_day = DayField("First day", validators=[Optional()])
    last_day = DayField("Last day", validators=[Optional()])


class SchoolYearForm(FlaskForm):
    """The usual school year, filled in for the lead to correct; saved all at once."""

    terms = FieldList(FormField(YearTermForm), min_entries=3, max_entries=6)
    closures = FieldList(FormField(YearClosureForm), min_entries=5, max_entries=10)


class ClassForm(FlaskForm):
    name = StringField(
        "Class name",
        validators=_name(MAX_NAME["class"], "class"),
        render_kw={"autocomplete": "off"},
    )
    year_group = ChoiceField(
        "Year group",
        choices=list(YEAR_GROUPS.items()),
        coerce=int,
        validate_choice=True,
    )
    band_override = ChoiceField(
        "Version of the lessons",
        choices=[
            ("", "The year group's own (recommended)"),
            ("ks2", "KS2 version (ages 7-11)"),
            ("ks3", "KS3 version (ages 11-14)"),
            ("ks4", "KS4 version (ages 14-16)"),
        ],
    )
    teacher_id = ChoiceField("Teacher", coerce=int)


class ScheduleForm(FlaskForm):
    core = CheckboxesField("Core lessons", coerce=int)
    first_day = DayField("Date of the first lesson", validators=[InputRequired("Enter a date.")])
    weekdays = CheckboxesField(
        "Weekdays",
        choices=list(SCHOOL_WEEKDAYS.items()),
        coerce=int,
        validators=[InputRequired("Choose at least one weekday.")],
    )
    starts_at = ClockField("Start time", validators=[InputRequired("Enter a start time.")])
    minutes = IntegerField(
        "Length in minutes",
        validators=[
            InputRequired("Enter the length in minutes."),
            NumberRange(MIN_MINUTES, MAX_MINUTES, f"Use {MIN_MINUTES} to {MAX_MINUTES} minutes."),
        ],
    )
    plan_digest = HiddenField()


def schedule_form_class(extras) -> type[ScheduleForm]:
    """A ScheduleForm with one "where does it go?" choice per optional extra of the band."""
    placements = [("", "Not included"), ("0", "Before lesson 1")] + [
        (str(n), f"After lesson {n}") for n in range(1, 9)
    ]

    class BandScheduleForm(ScheduleForm):
        pass

    for index, lesson in enumerate(extras):
        setattr(
            BandScheduleForm,
            f"extra_{index}",
            ChoiceField(lesson.title, choices=placements, default=""),
        )
    return BandScheduleForm


class MoveForm(FlaskForm):
    day = DayField("New date", validators=[InputRequired("Enter the new date.")])
    starts_at = ClockField("Start time", validators=[InputRequired("Enter a start time.")])
    confirm = BooleanField("Yes, move it anyway")


class AddLessonForm(FlaskForm):
    lesson_key = ChoiceField("Lesson")
    day = DayField("Date", validators=[InputRequired("Enter the date.")])
    starts_at = ClockField("Start time", validators=[InputRequired("Enter a start time.")])
    minutes = IntegerField(
        "Length in minutes",
        validators=[
            InputRequired("Enter the length in minutes."),
            NumberRange(MIN_MINUTES, MAX_MINUTES, f"Use {MIN_MINUTES} to {MAX_MINUTES} minutes."),
        ],
    )
    confirm = BooleanField("Yes, add it anyway")


class StatusForm(FlaskForm):
    action = ChoiceField(choices=[("skip", "Skip"), ("cancel", "Cancel"), ("restore", "Put back")])


class ArchiveForm(FlaskForm):
    archived = ChoiceField(choices=[("1", "Archive"), ("0", "Bring back")])


class FeedForm(FlaskForm):
    action = ChoiceField(choices=[("create", "Create"), ("revoke", "Turn off")])


class YearChoiceForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField("School year starting in", validators=[Optional(), NumberRange(2000, 2099)])
