"""The school's data export as a render job: made by the worker, sent once, then deleted.

An export reads every table of the school's, which takes a web worker too long for a large
school (90-110 ms at 60 classes, more with each class), so the worker makes it like a pack.
Unlike a pack it is not worth keeping: each export is new (it holds the audit log, its own
export included) and it is a full copy of the school's records, which must not outlive the
deletions the retention rules make. So each request is a key of its own, drawn at random
and carried in the link (with the school and the lead: export_job); the file is deleted
from the store once it is sent, and any left unsent are deleted after an hour.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete

from ..accounts.models import School, User
from ..core.dates import utcnow
from ..database import begin_write
from ..extensions import db
from ..renders import RenderJob, every_few_minutes, renderer
from ..renders.models import RenderedFile
from .data import export_school_data

KIND = "data-export"
UNSENT_FOR = timedelta(hours=1)
# What the progress page tells a lead who leaves it: the export is a copy of every record,
# so it is not kept like a pack.
WHILE_AWAY = (
    "You can leave this page and come back to it within the hour. The export is deleted "
    "once you have downloaded it, or after an hour if you have not, since it holds all of "
    "your school's records."
)
REQUEST_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ExportSpec:
    school_id: int
    lead_id: int
    today: date


def new_request_key() -> str:
    return secrets.token_hex(32)


def is_request_key(value: str) -> bool:
    return REQUEST_KEY.fullmatch(value) is not None


def export_job(school: School, lead: User, today: date, request_key: str) -> RenderJob:
    """The export a lead asked for by the link's `request_key`. The file's key is the
    school's, the lead's and the link's together: a link passed to someone else makes
    their own export, never a copy of the one it was made for."""
    key = hashlib.sha256(f"{KIND}:{school.id}:{lead.id}:{request_key}".encode()).hexdigest()
    return RenderJob(
        kind=KIND,
        key=key,
        school_id=school.id,
        spec=ExportSpec(school.id, lead.id, today),
        what="the export of your school's data",
    )


@renderer(KIND)
def render_export(spec: ExportSpec) -> bytes:
    school = db.session.get(School, spec.school_id)
    lead = db.session.get(User, spec.lead_id)
    if school is None or lead is None or lead.school_id != school.id:
        raise LookupError("the school or the lead who asked is gone")
    return export_school_data(school, lead=lead, today=spec.today)


@every_few_minutes
def forget_unsent_exports() -> None:
    begin_write()
    db.session.execute(
        delete(RenderedFile).where(
            RenderedFile.kind == KIND, RenderedFile.created_at < utcnow() - UNSENT_FOR
        )
    )
    db.session.commit()
