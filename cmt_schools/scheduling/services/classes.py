"""Classes: the lessons of their band, creating, changing and archiving them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...accounts.models import School, User
from ...audit.services import record_event
from ...core.dates import long_date
from ...core.services import ServiceError
from ...curriculum.loader import load_curriculum
from ...curriculum.schema import Lesson
from ...database import begin_write
from ...extensions import db
from ..models import YEAR_GROUPS, LessonOccurrence, SchoolClass, band_for_year
from .common import BANDS, MAX_NAME, _check_name


# Classes loaded with their teachers load the teachers in one statement for all the
# classes, not one per class (selectinload's IN over the teacher ids). The lists of every
# class read plain rows instead (listed_classes, progress.classes_progress). Built when
# asked for: building it configures the mappers, which must wait until every feature's
# models are imported (a user's trust is in a later feature).
def teacher_loading() -> tuple:
    return (selectinload(SchoolClass.teacher),)


def curriculum_lessons(band: str) -> tuple[Lesson, ...]:
    return load_curriculum().band(band).lessons


def lesson_for(key: str) -> Lesson | None:
    return load_curriculum().lesson(key)


def lesson_label(key: str) -> str:
    lesson = lesson_for(key)
    if lesson is None:
        return key
    if lesson.kind == "core":
        return f"Lesson {lesson.number}: {lesson.title}"
    return f"Extra: {lesson.title}"


def staff_choices(school_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.school_id == school_id, User.active.is_(True))
            .order_by(func.lower(User.name))
        )
    )


def _check_class(
    school_id: int,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
    class_id: int | None = None,
) -> tuple[str, int, str | None, User]:
    name = _check_name(name, "class", MAX_NAME["class"])
    if not isinstance(year_group, int) or year_group not in YEAR_GROUPS:
        raise ServiceError("Choose a year group from Reception to Year 13.", "year_group")
    band_override = band_override or None
    if band_override is not None and band_override not in BANDS:
        raise ServiceError("Choose KS2, KS3 or KS4, or the year group's own band.", "band_override")
    if band_override == band_for_year(year_group):
        band_override = None  # the same as the year group's: nothing to override
    if user.role != "lead" and teacher_id != user.id:
        raise ServiceError(
            "Only the school lead can give a class to another teacher.", "teacher_id"
        )
    teacher = db.session.get(User, teacher_id) if isinstance(teacher_id, int) else None
    if teacher is None or teacher.school_id != school_id or not teacher.active:
        raise ServiceError("Choose a member of staff at this school.", "teacher_id")
    same_name = select(SchoolClass).where(
        SchoolClass.school_id == school_id,
        SchoolClass.archived.is_(False),
        func.lower(SchoolClass.name) == name.lower(),
    )
    if class_id is not None:
        same_name = same_name.where(SchoolClass.id != class_id)
    if db.session.scalars(same_name).first() is not None:
        raise ServiceError(f"There is already a class called {name}.", "name")
    return name, year_group, band_override, teacher


def create_class(
    school: School,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
) -> SchoolClass:
    """A new class. A teacher's classes are their own; a lead may give one to anyone. Commits."""
    begin_write()
    name, year_group, band_override, teacher = _check_class(
        school.id,
        name=name,
        year_group=year_group,
        band_override=band_override,
        teacher_id=teacher_id,
        user=user,
    )
    school_class = SchoolClass(
        school_id=school.id,
        teacher_id=teacher.id,
        name=name,
        year_group=year_group,
        band_override=band_override,
    )
    db.session.add(school_class)
    db.session.flush()
    record_event(
        "class.created",
        school_id=school.id,
        user_id=user.id,
        detail=f"{school_class.name} ({school_class.year_label})",
    )
    db.session.commit()
    return school_class


def update_class(
    school_class: SchoolClass,
    *,
    name: str,
    year_group: int,
    band_override: str | None,
    teacher_id: int,
    user: User,
) -> None:
    """Rename, change year or band, or (a lead) reassign a class. A change of band moves
    the lessons still to teach to the new band's version of each lesson. Commits."""
    begin_write()
    name, year_group, band_override, teacher = _check_class(
        school_class.school_id,
        name=name,
        year_group=year_group,
        band_override=band_override,
        teacher_id=teacher_id,
        user=user,
        class_id=school_class.id,
    )
    new_band = band_override or band_for_year(year_group)
    if new_band != school_class.band:
        curriculum = load_curriculum()
        for occurrence in school_class.occurrences:
            if occurrence.status != "scheduled":
                continue
            lesson = curriculum.lesson(occurrence.lesson_key)
            counterpart = curriculum.counterpart(lesson, new_band) if lesson else None
            if counterpart is None:
                raise ServiceError(
                    f"The {new_band.upper()} programme has no version of "
                    f"“{lesson.title if lesson else occurrence.lesson_key}”. "
                    "Remove it from the plan (skip or cancel it) before changing the band.",
                    "band_override",
                )
            occurrence.lesson_key = counterpart.key
            occurrence.sequence += 1
    school_class.name, school_class.year_group = name, year_group
    school_class.band_override = band_override
    if school_class.teacher_id != teacher.id:
        record_event(
            "class.reassigned",
            school_id=school_class.school_id,
            user_id=user.id,
            detail=f"{school_class.name}, now taught by {teacher.name}",
        )
    school_class.teacher_id = teacher.id
    record_event(
        "class.changed",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=school_class.name,
    )
    db.session.commit()


def set_class_archived(school_class: SchoolClass, archived: bool, *, user: User) -> None:
    """Archive a class (it leaves the dashboard, calendars and feed) or bring it back. Commits."""
    begin_write()
    if not archived:
        same_name = db.session.scalars(
            select(SchoolClass).where(
                SchoolClass.school_id == school_class.school_id,
                SchoolClass.archived.is_(False),
                SchoolClass.id != school_class.id,
                func.lower(SchoolClass.name) == school_class.name.lower(),
            )
        ).first()
        if same_name is not None:
            raise ServiceError(
                f"There is already a class called {school_class.name}: rename one of them first."
            )
    school_class.archived = archived
    record_event(
        "class.archived" if archived else "class.unarchived",
        school_id=school_class.school_id,
        user_id=user.id,
        detail=school_class.name,
    )
    db.session.commit()


def classes_for(
    user: User, *, archived: bool = False, with_teacher: bool = True
) -> list[SchoolClass]:
    """A teacher's own classes; every class of the school for a lead, each with its
    teacher loaded alongside (one more statement, whatever the count) unless
    `with_teacher` is false (a list of names needs none)."""
    statement = select(SchoolClass).where(
        SchoolClass.school_id == user.school_id, SchoolClass.archived.is_(archived)
    )
    if with_teacher:
        statement = statement.options(*teacher_loading())
    if user.role != "lead":
        statement = statement.where(SchoolClass.teacher_id == user.id)
    return list(db.session.scalars(statement.order_by(SchoolClass.year_group, SchoolClass.name)))


@dataclass(frozen=True, slots=True)
class ListedClass:
    """A class as the lists of classes show it, its teacher's name joined: read as a plain
    row, so a list of 60 classes builds no SchoolClass or User entities (about 12 us a
    class with its teacher, a quarter of a row's cost on /programme)."""

    id: int
    name: str
    year_group: int
    band_override: str | None
    teacher_id: int
    teacher_name: str

    @property
    def band(self) -> str:  # as SchoolClass.band
        return self.band_override or band_for_year(self.year_group)

    @property
    def year_label(self) -> str:  # as SchoolClass.year_label
        return YEAR_GROUPS.get(self.year_group, str(self.year_group))


def listed_classes(
    school_id: int, *, archived: bool = False, teacher_id: int | None = None
) -> list[ListedClass]:
    """The school's active (or archived) classes, or only `teacher_id`'s, in year and
    name order, as the lists of classes show them."""
    statement = (
        select(
            SchoolClass.id,
            SchoolClass.name,
            SchoolClass.year_group,
            SchoolClass.band_override,
            SchoolClass.teacher_id,
            User.name,
        )
        .join(User, User.id == SchoolClass.teacher_id)
        .where(SchoolClass.school_id == school_id, SchoolClass.archived.is_(archived))
        .order_by(SchoolClass.year_group, SchoolClass.name)
    )
    if teacher_id is not None:
        statement = statement.where(SchoolClass.teacher_id == teacher_id)
    return [ListedClass(*row) for row in db.session.execute(statement)]


def classes_taught_by(user: User) -> list[SchoolClass]:
    """The active classes `user` teaches themself (a lead's own too, not the school's)."""
    return list(
        db.session.scalars(
            select(SchoolClass)
            .where(
                SchoolClass.school_id == user.school_id,
                SchoolClass.teacher_id == user.id,
                SchoolClass.archived.is_(False),
            )
            .order_by(SchoolClass.year_group, SchoolClass.name)
        )
    )


def without_lessons(classes: list[SchoolClass]) -> list[SchoolClass]:
    """Those of `classes` with no lesson in their plan yet, in one statement."""
    if not classes:
        return []
    planned = set(
        db.session.scalars(
            select(LessonOccurrence.class_id)
            .where(LessonOccurrence.class_id.in_([c.id for c in classes]))
            .distinct()
        )
    )
    return [c for c in classes if c.id not in planned]


def describe_occurrence(occurrence) -> str:
    """A lesson of the plan as the audit log says it: "7K, Lesson 3: Soothing breathing,
    Monday 12 October 2026" (the class, the lesson and its date, never an id)."""
    label = lesson_label(occurrence.lesson_key) if occurrence.lesson_key else "A lesson"
    return f"{occurrence.school_class.name}, {label}, {long_date(occurrence.scheduled_on)}"


def occurrence_for_staff(
    occurrence_id: int, *, school_id: int, user_id: int, is_lead: bool
) -> LessonOccurrence | None:
    """A lesson of the plan a member of staff may act on: a lead any of their school's, a
    teacher only their own classes'.

    Anything else (another school's, another teacher's, or no such id) is None, so views
    answer all of them with the same 404."""
    statement = (
        select(LessonOccurrence)
        .join(SchoolClass, SchoolClass.id == LessonOccurrence.class_id)
        .where(
            LessonOccurrence.id == occurrence_id,
            LessonOccurrence.school_id == school_id,
            SchoolClass.school_id == school_id,
        )
    )
    if not is_lead:
        statement = statement.where(SchoolClass.teacher_id == user_id)
    return db.session.scalars(statement).first()
