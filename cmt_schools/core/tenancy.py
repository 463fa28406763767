"""Every query for a school's data is scoped to the signed-in user's school.

Use `get_owned_or_404(Model, id)` to load any record by id: a record of another school,
or one that does not exist, gives the same 404, so ids reveal nothing across schools.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from .inputs import is_id, parse_id

T = TypeVar("T")


def get_owned_or_404(model: type[T], object_id: object, *, teacher_owned: bool = False) -> T:
    """Load `model` by primary key if it belongs to the current user's school, else 404.

    With teacher_owned=True a teacher may only load records whose `teacher_id` is theirs
    (a lead sees the whole school).
    """
    key = object_id if is_id(object_id) else parse_id(object_id)
    if key is None:  # not an id at all, or past any id column: no such record
        abort(404)
    statement = select(model).where(
        model.id == key,  # type: ignore[attr-defined]
        model.school_id == current_user.school_id,  # type: ignore[attr-defined]
    )
    if teacher_owned and current_user.role != "lead":
        statement = statement.where(model.teacher_id == current_user.id)  # type: ignore[attr-defined]
    found = db.session.scalars(statement).first()
    if found is None:
        abort(404)
    return found
