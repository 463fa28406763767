"""Disclosure control for a trust's table: the trust, its schools, and key stages and year
groups across schools, all published from the same cells.

A school's own summary is one tree (school, year groups, classes), and
`reports.protection.protect` settles it. A trust's table is not a tree: one cell of it (a
school's answers in one year group) lies in a school, in a year group across schools and in
a key stage across schools, and each of those totals is published. So subtraction can run
along several partitions at once (the trust total less the other schools, less the other
year groups...). The rule here holds for any set of published totals.

Whatever a reader works out is a combination of published totals: it gives each cell a
coefficient, and the result is exact for a set of cells when every coefficient is 0 or 1.
Merge the table first: the hidden schools become one row, the hidden year groups of a
published key stage one column ("the rest of the key stage"), all other hidden year groups
one column ("everything else"). Each cell's coefficient is then its row's potential plus its
column's (years nest in key stages, so a key stage's coefficient joins its columns'), with
the hidden schools' row at 0 when the trust total is hidden and "everything else" always at
0. A set with fewer than `threshold` answers contains no large edge (a row and column's
cells with at least `threshold` answers), so every large edge has coefficient 0: across each
group of rows and columns joined by large edges the potentials cancel, and each small edge
inside a group has coefficient 0 too. Only a small edge between two groups (not both fixed
at 0) can be in such a set. Hence:

**when every small edge lies within a group joined by large edges (or between two fixed
ones), every set of answers a reader can work out is empty or holds at least `threshold`.**

`protect_trust` starts from the totals below the threshold hidden ("small"), then, while a
small edge could be worked out, hides one more total ("complementary"): the smaller of that
edge's row and column, which merges it with its neighbours (for the hidden schools' edge to
"everything else", the smallest total with answers in that row or column; when none, the
trust total). Each step hides a total, so it ends.

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
        edge = weak_edge(filled, status, threshold)
        if edge is None:
            break
        status[_to_hide(edge, filled, status, counts)] = COMPLEMENTARY
    return TrustProtection(threshold, status, dict(counts))


def _by_size(n: int, threshold: int) -> str:
    if n == 0:
        return NO_ANSWERS
    return SMALL if n < threshold else SHOWN


HIDDEN_SCHOOLS = ("row", "hidden")
REST = ("column", "rest")


def _nodes(cell: TrustCell, status: Mapping[tuple, str]) -> tuple[tuple, tuple]:
    """The cell's row (its school, or all hidden schools together) and column (its year
    group; else the rest of its key stage; else everything else) in the merged table."""
    school = school_key(cell.school)
    row = ("row", school) if status[school] == SHOWN else HIDDEN_SCHOOLS
    year = year_key(cell.band, cell.year_group)
    if status[year] == SHOWN:
        return row, ("column", year)
    band = band_key(cell.band)
    return row, ("column", band) if status[band] == SHOWN else REST


def edges(cells: list[TrustCell], status: Mapping[tuple, str]) -> dict[tuple, int]:
    """Answers per (row, column) of the merged table: every combination of the published
    totals gives each cell of one edge the same coefficient."""
    found: dict[tuple, int] = defaultdict(int)
    for cell in cells:
        found[_nodes(cell, status)] += cell.count
    return dict(found)


def _find(parent: dict, node: tuple) -> tuple:
    while parent.setdefault(node, node) != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def weak_edge(
    cells: list[TrustCell], status: Mapping[tuple, str], threshold: int
) -> tuple[tuple, tuple] | None:
    """A small edge a reader might work out, or None when none can be.

    What a reader works out gives each edge the value row + column of some potentials on
    the rows and columns (the hidden schools' row is fixed at 0 when the trust total is
    hidden; the "everything else" column always is). A small set needs every large edge
    at 0, so across each group of rows and columns joined by large edges the potentials
    cancel, and a small edge inside such a group is always 0: it is protected by the
    large edges around it. Only a small edge between two groups, not both fixed, might be
    worked out; this returns the smallest such edge.
    """
    found = edges(cells, status)
    parent: dict[tuple, tuple] = {}
    for (row, column), n in found.items():
        if n >= threshold:
            parent[_find(parent, row)] = _find(parent, column)
    fixed = {_find(parent, REST)}
    if status[TRUST] != SHOWN:
        fixed.add(_find(parent, HIDDEN_SCHOOLS))
    weak = [
        (n, repr(edge), edge)
        for edge, n in found.items()
        if 0 < n < threshold
        and _find(parent, edge[0]) != _find(parent, edge[1])
        and not (_find(parent, edge[0]) in fixed and _find(parent, edge[1]) in fixed)
    ]
    return min(weak)[2] if weak else None


def _total_of(node: tuple) -> tuple | None:
    """The published total a row or column of the merged table stands for, if any."""
    return None if node in (HIDDEN_SCHOOLS, REST) else node[1]


def _to_hide(
    edge: tuple[tuple, tuple], cells: list[TrustCell], status: Mapping[tuple, str], counts
) -> tuple:
    """The total to hide so a weak edge merges with others: the smaller of its row's and
    column's; for the hidden schools' edge to "everything else", the smallest total with
    answers in that row or column; when none, the trust total."""
    own = [key for key in map(_total_of, edge) if key is not None]
    if own:
        return min(own, key=lambda key: (counts[key], repr(key)))
    helpers = set()
    for cell in cells:
        row, column = _nodes(cell, status)
        if row == HIDDEN_SCHOOLS and column != REST:
            helpers.add(_total_of(column))
        if column == REST and row != HIDDEN_SCHOOLS:
            helpers.add(_total_of(row))
    if helpers:
        return min(helpers, key=lambda key: (counts[key], repr(key)))
    return TRUST
