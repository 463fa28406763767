"""Schools, staff accounts, and the invitation and reset links that let staff set a password."""

from __future__ import annotations

import secrets
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..core.dates import utcnow
from ..extensions import db

if TYPE_CHECKING:  # for the annotation only: trusts import accounts, not the reverse
    from ..trusts.models import Trust

NATIONS = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}
ROLES = {"lead": "School lead", "teacher": "Teacher"}  # the roles of a school's staff
# A trust's staff belong to a trust (trusts/models.py) and to no school.
TRUST_ROLE = "trust"
ALL_ROLES = {**ROLES, TRUST_ROLE: "Trust staff"}

# How much noise a school's released check-in figures carry (checkins/release.py holds each
# level's noise; these are the names a lead chooses between).
PROTECTION_LEVELS = {
    "standard": "Standard: small random changes",
    "strong": "Stronger: larger random changes, rougher figures for small groups",
}
DEFAULT_PROTECTION = "standard"
DEFAULT_SUPPRESSION_THRESHOLD = 10
DEFAULT_MIN_WAVE_SIZE = 30
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_TRUSTED_ADULTS = "your class teacher, or any adult at school you trust"


def new_help_stamp() -> str:
    return secrets.token_hex(16)


class School(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    nation: Mapped[str] = mapped_column(String(20), default="england")
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/London")
    # Results for a group with fewer answers than this are never shown.
    suppression_threshold: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_SUPPRESSION_THRESHOLD
    )
    # How much noise a check-in's released figures carry (checkins/release.py LEVELS);
    # it applies to check-ins finalised after a change, as the threshold does.
    protection: Mapped[str] = mapped_column(String(10), default=DEFAULT_PROTECTION)
    # Before/after comparisons need at least this many answers in each wave.
    min_wave_size: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_WAVE_SIZE)
    # Raw check-in answers are deleted after this many months (aggregates remain).
    retention_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_RETENTION_MONTHS)
    # Who pupils can talk to at school, shown on every check-in's closing screen.
    trusted_adults: Mapped[str] = mapped_column(Text, default=DEFAULT_TRUSTED_ADULTS)
    # A new random value whenever the help pupils are shown changes (the trusted adults or
    # the support contacts; see _restamp_changed_help), so a pupil's closing screen can be
    # kept per school and stamp instead of reading the contacts on every answer. Random,
    # not a counter, so a new school that reuses a deleted one's id never matches it
    # (migration 0004 gave each existing school its own).
    help_stamp: Mapped[str] = mapped_column(String(32), default=new_help_stamp)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="school", order_by="User.name")
    support_contacts: Mapped[list[SupportContact]] = relationship(
        back_populates="school",
        order_by="SupportContact.position",
        cascade="all, delete-orphan",
    )

    @property
    def nation_label(self) -> str:
        return NATIONS.get(self.nation, self.nation)


class SupportContact(db.Model):
    """A place to get help, shown to pupils of the bands it is for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(String(160))
    for_ks2: Mapped[bool] = mapped_column(Boolean, default=True)
    for_ks3_ks4: Mapped[bool] = mapped_column(Boolean, default=True)

    school: Mapped[School] = relationship(back_populates="support_contacts")

    def shown_to(self, band: str) -> bool:
        return self.for_ks2 if band == "ks2" else self.for_ks3_ks4

    @property
    def shown_to_nobody(self) -> bool:
        return not (self.for_ks2 or self.for_ks3_ks4)


@event.listens_for(Session, "before_flush")
def _restamp_changed_help(session: Session, _context, _instances) -> None:
    """Give a school a new help stamp whenever its trusted adults or support contacts
    change, whichever code changes them."""
    changed: set[School] = set()
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, SupportContact):
            school = instance.school or (
                session.get(School, instance.school_id) if instance.school_id else None
            )
            if school is not None:
                changed.add(school)
        elif isinstance(instance, School) and instance not in session.new:
            attributes = inspect(instance).attrs
            if (
                attributes.trusted_adults.history.has_changes()
                or attributes.support_contacts.history.has_changes()
            ):
                changed.add(instance)
    for school in changed:
        if school not in session.deleted:
            school.help_stamp = new_help_stamp()


# The defaults a new school starts with; the lead can change them.
DEFAULT_SUPPORT_CONTACTS = (
    ("Childline", "Call 0800 1111 for free, any time, or chat at childline.org.uk", True, True),
    ("Shout", "Text SHOUT to 85258 for free, any time", False, True),
    ("In danger now", "Call 999", True, True),
)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # A school's staff have a school; a trust's staff have a trust instead (never both).
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), index=True, nullable=True
    )
    trust_id: Mapped[int | None] = mapped_column(
        ForeignKey("trust.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10), default="teacher")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Part of the id the session cookie holds: bumping it ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    school: Mapped[School] = relationship(back_populates="users")
    trust: Mapped[Trust | None] = relationship("Trust")  # trusts/models.py

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def role_label(self) -> str:
        return ALL_ROLES.get(self.role, self.role)

    @property
    def organisation_name(self) -> str:
        """The school's name for a school's staff, the trust's for a trust's."""
        organisation = self.school if self.school_id is not None else self.trust
        return organisation.name if organisation is not None else ""

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class AccountToken(db.Model):
    """A single-use link: an invitation to set a first password, or a password reset.

    Only the token's hash is stored, so a copy of the database cannot be used to sign in.
    """

    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "invite" or "reset"
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    user: Mapped[User] = relationship()
