"""Forms for sign-in, staff and school settings. Each binds only its own fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.form import Form
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from .models import NATIONS, PROTECTION_LEVELS
from .passwords import MAX_LENGTH, MIN_LENGTH

EMAIL = [
    InputRequired("Enter an email address."),
    Length(max=254),
    Email("Enter a valid email address."),
]
NAME = [InputRequired("Enter a name."), Length(max=120, message="Use at most 120 characters.")]
NEW_PASSWORD = [
    InputRequired("Choose a password."),
    Length(
        min=MIN_LENGTH,
        max=MAX_LENGTH,
        message=f"Use between {MIN_LENGTH} and {MAX_LENGTH} characters.",
    ),
]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL, render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ReauthenticateForm(FlaskForm):
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=NEW_PASSWORD, render_kw={"autocomplete": "new-password"}
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password", validators=NEW_PASSWORD, render_kw={"autocomplete": "new-password"}
    )


class ProfileForm(FlaskForm):
    name = StringField("Your name", validators=NAME, render_kw={"autocomplete": "name"})
    email = EmailField("Email", validators=EMAIL, render_kw={"autocomplete": "email"})


# The roles a lead can invite someone to. A school may have more than one lead: heads,
# deputies and PSHE leads often share the role.
INVITABLE_ROLES = {
    "teacher": "Teacher: schedules and teaches their own classes",
    "lead": "School lead: also manages staff, term dates, settings and term summaries",
}


class InviteStaffForm(FlaskForm):
    name = StringField("Name", validators=NAME)
    email = EmailField("Email", validators=EMAIL)
    role = RadioField(
        "Role",
        choices=list(INVITABLE_ROLES.items()),
        default="teacher",  # also when a form sends none: the choices check the rest
    )


class SupportContactForm(Form):
    name = StringField("Name", validators=[Optional(), Length(max=80)])
    detail = StringField("How to reach them", validators=[Optional(), Length(max=160)])
    # A new contact is for every pupil until the lead says otherwise: one left unticked by
    # accident would be shown to nobody and left out of the safeguarding briefing.
    for_ks2 = BooleanField("Show to KS2 (ages 7-11)", default=True)
    for_ks3_ks4 = BooleanField("Show to KS3 and KS4 (ages 11-16)", default=True)


class SchoolSettingsForm(FlaskForm):
    name = StringField("School name", validators=NAME)
    nation = SelectField("Nation (for bank holidays)", choices=list(NATIONS.items()))
    suppression_threshold = IntegerField(
        "Fewest answers before a result is shown",
        validators=[InputRequired("Enter a number."), NumberRange(5, 100, "Use 5 to 100.")],
    )
    protection = RadioField(
        "How much the released figures are changed",
        choices=list(PROTECTION_LEVELS.items()),
        validators=[InputRequired("Choose how strongly pupils' answers are protected.")],
    )
    min_wave_size = IntegerField(
        "Fewest answers in each wave before a before/after comparison",
        validators=[InputRequired("Enter a number."), NumberRange(10, 1000, "Use 10 to 1000.")],
    )
    retention_months = IntegerField(
        "Months to keep pupils' raw answers",
        validators=[InputRequired("Enter a number."), NumberRange(1, 120, "Use 1 to 120.")],
    )
    trusted_adults = TextAreaField(
        "Trusted adults at school pupils can talk to",
        validators=[InputRequired("Name at least one trusted adult."), Length(max=500)],
    )
    contacts = FieldList(FormField(SupportContactForm), min_entries=5, max_entries=8)
