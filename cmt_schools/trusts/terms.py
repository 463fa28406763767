"""Trust terms: "Autumn 2026" across schools that keep their own term dates.

Each school enters its own terms (scheduling). A trust term is a name and a calendar year,
and it matches each school's term of that name (its words without the year, in any case)
that starts in that year. Schools' dates for it may differ; the pages say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..scheduling.models import Term
from ..scheduling.services.school_year import school_year_of

SEASONS = ("autumn", "spring", "summer")


@dataclass(frozen=True, order=True)
class TrustTerm:
    first_day: date  # the earliest first day among the schools' terms of this name
    name: str  # "Autumn", as a school wrote it, without the year
    year: int  # the calendar year it starts in

    @property
    def label(self) -> str:
        return f"{self.name} {self.year}"

    @property
    def slug(self) -> str:
        """How the term is named in a link: autumn-2026."""
        return f"{term_words(self.name).replace(' ', '-')}-{self.year}"

    @property
    def school_year(self) -> int:
        return school_year_of(self.first_day)


def term_words(name: str) -> str:
    """A term's name without its year or punctuation, lower case: "autumn" for "Autumn 2026"."""
    words = re.sub(r"\b\d{4}(?:\s*[/-]\s*\d{2,4})?\b", " ", name.lower())
    words = re.sub(r"\bterm\b", " ", words)
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", words).split()) or name.strip().lower()


def match_key(term: Term) -> tuple[str, int]:
    return term_words(term.name), term.first_day.year


def trust_terms(terms: list[Term]) -> list[TrustTerm]:
    """The trust terms the schools' terms make, newest first."""
    found: dict[tuple[str, int], TrustTerm] = {}
    for term in terms:
        key = match_key(term)
        shown = re.sub(r"\s*\b\d{4}\b.*$", "", term.name).strip() or term.name.strip()
        candidate = TrustTerm(term.first_day, shown[:40], key[1])
        if key not in found or candidate.first_day < found[key].first_day:
            found[key] = candidate
    return sorted(found.values(), reverse=True)


def school_years(terms: list[TrustTerm]) -> list[int]:
    return sorted({term.school_year for term in terms}, reverse=True)


def find_trust_term(terms: list[TrustTerm], slug: str) -> TrustTerm | None:
    return next((term for term in terms if term.slug == slug), None)


def default_trust_term(terms: list[TrustTerm], today: date) -> TrustTerm | None:
    """The latest trust term that has started, else the earliest to come."""
    started = [term for term in terms if term.first_day <= today]
    if started:
        return max(started)
    return min(terms) if terms else None


def term_for(trust_term: TrustTerm, terms: list[Term]) -> Term | None:
    """A school's term matching a trust term (its earliest of that name and year)."""
    matching = [t for t in terms if match_key(t) == (term_words(trust_term.name), trust_term.year)]
    return min(matching, key=lambda t: t.first_day) if matching else None
