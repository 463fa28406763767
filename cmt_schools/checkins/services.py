"""Check-in use cases, by the names the rest of the app has always used.

The use cases live in their own modules: codes.py (join codes, submission ids, open or
not), staff.py (opening, closing, listing), pupil.py and help.py (the pupil's submit and the
help every pupil is shown), finalise.py (closing for good and releasing the figures),
retention.py (purging raw answers) and results.py (a check-in's results page). This module
gathers their public names, so `from cmt_schools.checkins import services` keeps working.
"""

from .codes import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    aware,
    is_open,
    is_plausible_code,
    is_submission_id,
    new_join_code,
    normalise_code,
)
from .finalise import add_release, finalise_checkin, finalise_due_checkins, store_release
from .help import HelpContacts, help_for
from .pupil import (
    ALREADY_ANSWERED,
    ANSWERING_ANOTHER,
    REFUSALS,
    SAVED,
    UNCHANGED,
    AnswerRefused,
    PupilCheckIn,
    Submission,
    answered_one_still_open,
    clean_answers,
    find_for_pupil,
    items_for,
    stored_answers,
    submit_answers,
    submit_from_pupil,
)
from .results import ChoiceShare, IndexResult, ItemResult, Results, results_for, whole_percent
from .retention import PurgeReport, purge_expired_answers
from .staff import (
    ANSWER_MARGIN,
    DURATIONS,
    INDICES,
    MAX_CLASS_SIZE,
    CheckInLine,
    checkin_lines,
    close_checkin,
    live_count,
    open_checkin,
)

__all__ = [
    "ALREADY_ANSWERED",
    "ANSWERING_ANOTHER",
    "ANSWER_MARGIN",
    "DURATIONS",
    "INDICES",
    "JOIN_CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "MAX_CLASS_SIZE",
    "REFUSALS",
    "SAVED",
    "UNCHANGED",
    "AnswerRefused",
    "CheckInLine",
    "ChoiceShare",
    "HelpContacts",
    "IndexResult",
    "ItemResult",
    "PupilCheckIn",
    "PurgeReport",
    "Results",
    "Submission",
    "add_release",
    "answered_one_still_open",
    "aware",
    "checkin_lines",
    "clean_answers",
    "close_checkin",
    "finalise_checkin",
    "finalise_due_checkins",
    "find_for_pupil",
    "help_for",
    "is_open",
    "is_plausible_code",
    "is_submission_id",
    "items_for",
    "live_count",
    "new_join_code",
    "normalise_code",
    "open_checkin",
    "purge_expired_answers",
    "results_for",
    "store_release",
    "stored_answers",
    "submit_answers",
    "submit_from_pupil",
    "whole_percent",
]
