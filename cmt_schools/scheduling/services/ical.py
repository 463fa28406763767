"""iCalendar: secret feed addresses (only their hash stored) and the .ics files."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from ...accounts.models import School, User
from ...audit.services import record_event
from ...core.tokens import hash_token
from ...database import begin_write
from ...extensions import db
from ..models import CalendarFeed, LessonOccurrence, SchoolClass
from .classes import lesson_for, lesson_label
from .planning import school_class_school


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id)).first()


def issue_feed_token(user: User, *, now: datetime) -> str:
    """A new secret feed address for the user, replacing any earlier one (which stops
    working). Only the token's hash is stored. Commits."""
    begin_write()
    raw = secrets.token_urlsafe(32)
    feed = feed_of(user)
    renewed = feed is not None
    if feed is None:
        feed = CalendarFeed(school_id=user.school_id, user_id=user.id)
        db.session.add(feed)
    feed.token_hash = hash_token(raw)
    feed.created_at = now
    record_event(
        "calendar_feed.renewed" if renewed else "calendar_feed.created",
        school_id=user.school_id,
        user_id=user.id,
    )
    db.session.commit()
    return raw


def revoke_feed(user: User) -> bool:
    """Stop the user's feed address working. Commits."""
    begin_write()
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    record_event("calendar_feed.revoked", school_id=user.school_id, user_id=user.id)
    db.session.commit()
    return True


def user_for_feed_token(raw: str) -> User | None:
    """The active user whose feed this token opens, or None."""
    if not raw or len(raw) > 100:
        return None
    feed = db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(raw))
    ).first()
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active or user.school_id != feed.school_id:
        return None
    return user


def build_ics(
    occurrences: Iterable[LessonOccurrence], *, timezone: str, name: str, now: datetime
) -> bytes:
    """An iCalendar file: one event per lesson, with its stable UID, local times in the
    school's time zone (with a VTIMEZONE), and skipped or cancelled lessons marked
    STATUS:CANCELLED rather than left out."""
    zone = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CMT Schools//Lesson calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    days = []
    for occurrence in occurrences:
        school_class = occurrence.school_class
        lesson = lesson_for(occurrence.lesson_key)
        start = datetime.combine(occurrence.scheduled_on, occurrence.starts_at, tzinfo=zone)
        title = lesson_label(occurrence.lesson_key)
        prefix = {"cancelled": "Cancelled: ", "skipped": "Skipped: "}.get(occurrence.status, "")
        event = icalendar.Event()
        event.add("uid", occurrence.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=occurrence.minutes))
        event.add("summary", f"{prefix}{school_class.name} CMT: {title}")
        description = [
            f"Class: {school_class.name} ({school_class.year_label}, {school_class.band.upper()})",
            f"Lesson: {title}",
        ]
        if lesson is not None:
            description.append(lesson.summary)
        event.add("description", "\n".join(description))
        event.add("sequence", occurrence.sequence)
        event.add(
            "status", "CANCELLED" if occurrence.status in ("cancelled", "skipped") else "CONFIRMED"
        )
        event.add("transp", "OPAQUE")
        if occurrence.updated_at is not None:
            updated = occurrence.updated_at
            updated = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
            event.add("last-modified", updated.astimezone(UTC).replace(microsecond=0))
        cal.add_component(event)
        days.append(occurrence.scheduled_on)
    if days:
        cal.add_missing_timezones(
            first_date=min(days) - timedelta(days=1), last_date=max(days) + timedelta(days=2)
        )
    return cal.to_ical()


def teacher_ics(user: User, *, now: datetime) -> bytes:
    """The teacher's own timetable: lessons of their active classes."""
    occurrences = db.session.scalars(
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.school_id == user.school_id,
            SchoolClass.teacher_id == user.id,
            SchoolClass.archived.is_(False),
        )
        .order_by(LessonOccurrence.scheduled_on, LessonOccurrence.starts_at)
    )
    school = db.session.get(School, user.school_id)
    return build_ics(occurrences, timezone=school.timezone, name="CMT lessons", now=now)


def class_ics(school_class: SchoolClass, *, now: datetime) -> bytes:
    school = school_class_school(school_class)
    return build_ics(
        school_class.occurrences,
        timezone=school.timezone,
        name=f"CMT lessons: {school_class.name}",
        now=now,
    )
