"""Where a pupil can get help: the school's trusted adults and support contacts for a band.

Every pupil of a school and band sees the same help at the end of every check-in, read once
per process and kept under the school's help stamp, which changes with every edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    Boolean,
    String,
    column,
    text,
)

from ..accounts.models import (
    DEFAULT_SUPPORT_CONTACTS,
    DEFAULT_TRUSTED_ADULTS,
)
from ..extensions import db


@dataclass(frozen=True)
class HelpContacts:
    trusted_adults: str
    contacts: tuple[tuple[str, str], ...]


_HELP_FOR_SCHOOL = text(
    "SELECT school.help_stamp, school.trusted_adults, support_contact.name,"
    " support_contact.detail, support_contact.for_ks2, support_contact.for_ks3_ks4"
    " FROM school LEFT OUTER JOIN support_contact ON support_contact.school_id = school.id"
    " WHERE school.id = :school_id ORDER BY support_contact.position"
).columns(
    column("help_stamp", String),
    column("trusted_adults", String),
    column("name", String),
    column("detail", String),
    column("for_ks2", Boolean),
    column("for_ks3_ks4", Boolean),
)


# Each school's help for pupils, by (school id, help stamp, band). Every pupil of a school
# is shown the same help, so it is read once per process and kept until the school's stamp
# changes (a lead's edit gives it a new one, so the next pupil sees the edit).
_HELP_KEPT: dict[tuple[int, str, str], HelpContacts] = {}
HELP_KEPT_MAX = 1024


def help_for(school_id: int, help_stamp: str, band: str) -> HelpContacts:
    """Where a pupil of `band` at this school can get help, as of `help_stamp`."""
    kept = _HELP_KEPT.get((school_id, help_stamp, band))
    if kept is not None:
        return kept
    rows = db.session.connection().execute(_HELP_FOR_SCHOOL, {"school_id": school_id}).all()
    found = _help_from(rows, band)
    if len(_HELP_KEPT) >= HELP_KEPT_MAX:
        _HELP_KEPT.clear()
    if rows:
        # Kept under the stamp read with the contacts: if the lead saved a change since the
        # check-in was read, this is the newer help, and the older stamp will not be asked
        # for again.
        _HELP_KEPT[(school_id, rows[0].help_stamp, band)] = found
    return found


def _help_from(rows, band: str) -> HelpContacts:
    """Where a pupil of `band` can get help: the school's contacts, or the defaults."""
    contacts = tuple(
        (row.name, row.detail)
        for row in rows
        if row.name is not None and (row.for_ks2 if band == "ks2" else row.for_ks3_ks4)
    )
    if not contacts:
        # Never leave a child without somewhere to turn, whatever the settings say.
        contacts = tuple(
            (name, detail)
            for name, detail, ks2, ks34 in DEFAULT_SUPPORT_CONTACTS
            if (ks2 if band == "ks2" else ks34)
        )
    trusted = (rows[0].trusted_adults or "").strip() if rows else ""
    return HelpContacts(trusted or DEFAULT_TRUSTED_ADULTS, contacts)


# ---------------------------------------------------------------- tappable contact details

# On a phone a pupil should reach help with one tap: "Text SHOUT to 85258" becomes an sms:
# link with the word already typed, a phone number a tel: link, a web address a link.
_CONTACT_PARTS = re.compile(
    r"(?P<sms>\b[Tt]ext (?P<word>[A-Z0-9]+) to (?P<sms_number>\d[\d ]*\d))"
    r"|(?P<web>\b(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"\.(?:uk|com|org|net|info)(?:/[^\s,;]*[^\s,;.!?)])?)"
    r"|(?P<phone>(?<![\w+])(?:\+44 ?)?\d(?:[\d ]*\d){2,}(?![\w]))"
)


def contact_links(detail: str) -> Markup:
    """A support contact's detail as HTML, its numbers and web addresses made into links.

    Everything else is escaped as Jinja would; links open with no referrer, so the site a
    pupil taps through to never learns which check-in they came from.
    """
    pieces: list[Markup] = []
    end = 0
    for found in _CONTACT_PARTS.finditer(detail):
        pieces.append(escape(detail[end : found.start()]))
        end = found.end()
        if found["sms"]:
            number = found["sms_number"].replace(" ", "")
            pieces.append(escape(found["sms"][: found.start("sms_number") - found.start()]))
            pieces.append(
                Markup('<a href="sms:{}?&amp;body={}">{}</a>').format(
                    number, found["word"], found["sms_number"]
                )
            )
        elif found["web"]:
            address = found["web"]
            href = address if address.startswith("http") else "https://" + address
            pieces.append(
                Markup('<a href="{}" rel="noreferrer noopener">{}</a>').format(href, address)
            )
        else:
            number = found["phone"].replace(" ", "")
            pieces.append(Markup('<a href="tel:{}">{}</a>').format(number, found["phone"]))
    pieces.append(escape(detail[end:]))
    return Markup("").join(pieces)
