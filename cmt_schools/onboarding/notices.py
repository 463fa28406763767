"""What the privacy notices say is stored for each pupil answer set, column by column.

The notices list the answer table's columns as the model defines them, each with the plain
description kept here. A column without a description (or a description for a column that
has gone) stops the notices rendering and fails the tests: a new column cannot be stored
without the notices saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from ..checkins.models import AnswerSet


@dataclass(frozen=True)
class FieldNotice:
    adults: str  # for parents, carers and staff
    younger: str  # for pupils aged 7 to 11
    older: str  # for pupils aged 11 to 16


ANSWER_SET_FIELDS: dict[str, FieldNotice] = {
    "id": FieldNotice(
        adults="A random code made when the answers are sent, so that pressing Send twice "
        "does not save them twice. It is not linked to the pupil, the device or the time.",
        younger="A random code, so your answers are not saved twice. It is not your name.",
        older="A random code, so your answers are not saved twice if you press Send again. "
        "It says nothing about you or your device.",
    ),
    "check_in_id": FieldNotice(
        adults="Which check-in the answers belong to. The check-in records the class, the "
        "kind of check-in and the date it was opened (the day only, not the time).",
        younger="Which check-in your answers are for, so we know which class and which day.",
        older="Which check-in the answers are for: that tells us the class and the day, "
        "never the time you answered.",
    ),
    "w1": FieldNotice(
        adults="The answer to the worry question (W1), 1 to 5, or empty if skipped.",
        younger="Your answer about feeling worried, or nothing if you skipped it.",
        older="Your answer to the question about feeling worried (1 to 5), or nothing if "
        "you skipped it.",
    ),
    "w2": FieldNotice(
        adults="The answer to the tension question (W2), 1 to 5, or empty if skipped.",
        younger="Your answer about your body feeling tight or tense, or nothing if you skipped it.",
        older="Your answer to the question about feeling tense or on edge (1 to 5), or "
        "nothing if you skipped it.",
    ),
    "c1": FieldNotice(
        adults="The answer to 'I was kind to myself' (C1), 1 to 5, or empty if skipped.",
        younger="Your answer about being kind to yourself, or nothing if you skipped it.",
        older="Your answer to the question about being kind to yourself (1 to 5), or "
        "nothing if you skipped it.",
    ),
    "c2": FieldNotice(
        adults="The answer to 'I was hard on myself' (C2), 1 to 5, or empty if skipped.",
        younger="Your answer about being hard on yourself, or nothing if you skipped it.",
        older="Your answer to the question about being hard on yourself (1 to 5), or "
        "nothing if you skipped it.",
    ),
    "s1": FieldNotice(
        adults="The answer to 'I could find ways to feel calm and safe' (S1), 1 to 5, or "
        "empty if skipped.",
        younger="Your answer about finding ways to feel calm and safe, or nothing if you "
        "skipped it.",
        older="Your answer to the question about finding ways to feel calm and safe "
        "(1 to 5), or nothing if you skipped it.",
    ),
    "g1": FieldNotice(
        adults="The answer to 'Overall, my week was ...' (G1), 1 to 5, or empty if skipped.",
        younger="Your answer about how your week was overall, or nothing if you skipped it.",
        older="Your answer to the question about your week overall (1 to 5), or nothing if "
        "you skipped it.",
    ),
    "right_now": FieldNotice(
        adults="The answer to the one-question 'right now' check in a lesson, from calm (1) "
        "to wound up (5), or empty if skipped or not asked.",
        younger="Your answer to 'Right now, I feel ...', or nothing if you skipped it.",
        older="Your answer to the 'right now' question, from calm to wound up (1 to 5), or "
        "nothing if you skipped it.",
    ),
}


class UndocumentedColumn(RuntimeError):
    """The answer table and the notices' descriptions disagree."""


@dataclass(frozen=True)
class StoredField:
    column: str
    notice: FieldNotice


def answer_set_fields(table: Table | None = None) -> list[StoredField]:
    """Every column of the pupil answer table, in table order, with its plain description.

    Raises UndocumentedColumn when a column has no description, or a description has no
    column: the notices must say exactly what is stored.
    """
    table = AnswerSet.__table__ if table is None else table
    columns = [column.name for column in table.columns]
    missing = [name for name in columns if name not in ANSWER_SET_FIELDS]
    stale = [name for name in ANSWER_SET_FIELDS if name not in columns]
    if missing or stale:
        raise UndocumentedColumn(
            "the privacy notices must describe exactly the columns of "
            f"{table.name}: no description for {missing or 'none'}; "
            f"described but not stored: {stale or 'none'} "
            "(edit ANSWER_SET_FIELDS in cmt_schools/onboarding/notices.py)"
        )
    return [StoredField(name, ANSWER_SET_FIELDS[name]) for name in columns]


# Said plainly in every notice: what a check-in never stores (docs/privacy.md).
NEVER_STORED_ADULTS = (
    "the pupil's name, or anything else that says who they are",
    "a staff or pupil account: pupils do not sign in",
    "the device's internet (IP) address",
    "the browser or device type (the 'user agent'), or any device fingerprint",
    "the time the answers were sent: only the day the check-in was opened",
    "the order in which pupils answered, so answers cannot be matched to a seating plan",
    "any free text: pupils choose from answers and cannot type anything",
)
