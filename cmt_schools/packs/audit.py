"""Pack downloads in the audit log, as term summary downloads are: who took which pack."""

from __future__ import annotations

from ..audit.services import record_event
from ..database import begin_write
from ..extensions import db


def record_pack_download(*, school_id: int, user_id: int, what: str) -> None:
    """One audit event for a downloaded pack; `what` says which, in words. Commits."""
    begin_write()
    record_event("pack.download", school_id=school_id, user_id=user_id, detail=what)
    db.session.commit()
