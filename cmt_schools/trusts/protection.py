"""Disclosure control for a trust's table: the trust, its schools, and key stages and year
groups across schools, all published from the same cells.

A school's own summary is one tree (school, year groups, classes), and
`reports.protection.protect` settles it. A trust's table is not a tree: one cell of it (a
school's answers in one year group) lies in a school, in a year group across schools and in
a key stage across schools, and each of those totals is published. So subtraction can run
along several partitions at once (the trust total less the other schools, less the other
year groups...). The rule here is exact for any set of published totals:

Anything a reader can work out from published totals is a combination of them,
`sum(coefficient of each total x the answers it holds)`. Two cells inside exactly the same
published totals get the same coefficient in every combination, so what can be worked out
is always a sum over whole *atoms*: the sets of cells sharing the same published totals
(their "signature"). Cells in no published total at all (possible only when the trust
total itself is hidden) get coefficient 0 and can never be worked out. Hence:

**if every atom with a signature holds no answers or at least `threshold`, every set of
answers a reader can work out is empty or holds at least `threshold`.**

`protect_trust` starts from the totals below the threshold hidden ("small"), then, while an
atom is small, hides one more total ("complementary"): the smallest published school or
group total the atom lies in, which merges it with its neighbours. An atom in the trust total
alone grows by hiding the smallest total that holds cells outside it; when none can help,
the trust total itself is hidden. Each step hides a total, so it ends.

The cells come from each school's own protection (its withheld check-ins are left out, as
in its own summary), so a school's total here is the same number as on its own summary.
`protect_trust` is pure: tests check the promise over random trusts with Hypothesis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ..reports.protection import COMPLEMENTARY, NO_ANSWERS, SHOWN, SMALL

TRUST: tuple = ("trust",)


def school_key(school: Hashable) -> tuple:
    return ("school", school)


def band_key(band: Hashable) -> tuple:
    return ("band", band)


def year_key(band: Hashable, year_group: Hashable) -> tuple:
    return ("year", band, year_group)


@dataclass(frozen=True)
class TrustCell:
    """A school's answers in one year group (as its own table places it) for one column."""

    school: Hashable
    band: str
    year_group: int
    count: int

    def totals(self) -> tuple[tuple, ...]:
        """The published totals this cell counts in."""
        return (
            TRUST,
            school_key(self.school),
            band_key(self.band),
            year_key(self.band, self.year_group),
        )


@dataclass(frozen=True)
class TrustProtection:
    threshold: int
    status: Mapping[tuple, str]  # total key -> SHOWN, NO_ANSWERS, SMALL or COMPLEMENTARY
    counts: Mapping[tuple, int]

    def published(self, key: tuple) -> bool:
        return self.status.get(key) in (SHOWN, NO_ANSWERS)


def protect_trust(
    schools: list[Hashable], cells: list[TrustCell], threshold: int
) -> TrustProtection:
    """Decide which of the trust's totals may be published for one column."""
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    if any(cell.count < 0 for cell in cells):
        raise ValueError("counts cannot be negative")
    filled = [cell for cell in cells if cell.count > 0]
    counts: dict[tuple, int] = defaultdict(int)
    for key in (TRUST, *(school_key(school) for school in schools)):
        counts[key] = 0
    for cell in filled:
        for key in cell.totals():
            counts[key] += cell.count
    status = {key: _by_size(n, threshold) for key, n in counts.items()}
    while True:
        small = _smallest_small_atom(filled, status, threshold)
        if small is None:
            break
        status[_to_hide(small, filled, status, counts)] = COMPLEMENTARY
    return TrustProtection(threshold, status, dict(counts))


def _by_size(n: int, threshold: int) -> str:
    if n == 0:
        return NO_ANSWERS
    return SMALL if n < threshold else SHOWN


def signature(cell: TrustCell, status: Mapping[tuple, str]) -> frozenset:
    """The published totals a cell lies in (only those that hold answers matter)."""
    return frozenset(key for key in cell.totals() if status[key] == SHOWN)


def atoms(cells: list[TrustCell], status: Mapping[tuple, str]) -> dict[frozenset, int]:
    """Answers per signature; the empty signature (cells no reader can reach) left out."""
    found: dict[frozenset, int] = defaultdict(int)
    for cell in cells:
        key = signature(cell, status)
        if key:
            found[key] += cell.count
    return dict(found)


def _smallest_small_atom(
    cells: list[TrustCell], status: Mapping[tuple, str], threshold: int
) -> frozenset | None:
    small = [
        (count, sorted(map(repr, key)), key)
        for key, count in atoms(cells, status).items()
        if 0 < count < threshold
    ]
    return min(small)[2] if small else None


def _to_hide(
    atom: frozenset, cells: list[TrustCell], status: Mapping[tuple, str], counts: Mapping
) -> tuple:
    """The total to hide next so a small atom merges with others."""
    inner = [key for key in atom if key != TRUST]
    if inner:
        return min(inner, key=lambda key: (counts[key], repr(key)))
    # In the trust total alone: hide a total holding cells that lie in it and one other.
    helpers = {
        key
        for cell in cells
        for key in signature(cell, status)
        if key != TRUST and signature(cell, status) == {TRUST, key}
    }
    if helpers:
        return min(helpers, key=lambda key: (counts[key], repr(key)))
    return TRUST
