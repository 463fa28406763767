"""Disclosure control for term summaries: one rule, one pure function, used everywhere.

The table of counts has four levels: the school, its year groups ("units"), their classes
("groups") and the check-ins of each class ("leaves"). A cell is a group, unit or the
school for one column (one wave and measure, one week of "right now" checks, or the
answers received). Its figures are sums over the answers of the leaves beneath it, so
anything that can be worked out from published cells by adding and subtracting is a sum
over some set of leaves. The promise: **every set of answers that can be worked out is
either empty or holds at least `threshold` answers.**

How the rule keeps it:

1. A cell with fewer answers than the threshold is suppressed ("small").
2. Each check-in's own results page shows it on its own once it has `threshold` answers,
   so those leaves count as published too. What a published cell adds beyond its
   published parts (its *residual*: the answers under it that no published smaller cell
   covers) is exactly what subtraction can reveal, so the residual must be 0 or at least
   the threshold:
   - in a class, a residual below the threshold can only come from small check-ins
     beside large ones; they are *withheld* (left out of every figure);
   - in a year group or the school, suppress one more cell: the smallest published child
     whose own residual is not empty ("complementary"). That is the usual rule "if exactly
     one class in a year group is suppressed, suppress another, the smallest", made exact:
     two small suppressed classes together can still be below the threshold, and hiding a
     child whose answers are all published elsewhere would protect nothing;
   - when no child can help, the small residual is withheld.
3. A withheld check-in is left out of every figure at every level (screen, PDF and CSV
   all read this one result), so no view, total or difference contains it.

`protect` is pure: tests check its promise over random schools with Hypothesis.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

SCHOOL: tuple = ("school",)

SHOWN = "shown"
NO_ANSWERS = "none"
SMALL = "small"
COMPLEMENTARY = "complementary"
NOT_SHOWN_HERE = "hidden"


def unit_key(unit: Hashable) -> tuple:
    return ("unit", unit)


def group_key(group: Hashable) -> tuple:
    return ("group", group)


@dataclass(frozen=True)
class LeafCount:
    """The answers one check-in gives a column: `count` of them, in class `group`."""

    group: Hashable
    leaf: Hashable
    count: int
    # Shown on its own elsewhere (the check-in's results page) once count >= threshold.
    shown_alone: bool = True


@dataclass(frozen=True)
class Protection:
    """What may be published for one column."""

    threshold: int
    status: Mapping[tuple, str]  # cell key -> SHOWN, NO_ANSWERS, SMALL, COMPLEMENTARY, hidden
    counts: Mapping[tuple, int]  # answers counted in each cell once withheld leaves are out
    withheld: frozenset  # leaf ids left out of every figure
    unit_of: Mapping[Hashable, Hashable] = field(repr=False)

    def published(self, key: tuple) -> bool:
        return self.status.get(key) in (SHOWN, NO_ANSWERS)

    def counted(self, leaf: Hashable) -> bool:
        return leaf not in self.withheld


def protect(
    groups: Mapping[Hashable, Hashable],
    leaves: Iterable[LeafCount],
    threshold: int,
    *,
    show_groups: bool = True,
) -> Protection:
    """Decide which cells of one column may be published, and which leaves to leave out.

    `groups` maps every class to its year group (classes without leaves included, so they
    show "no answers"). With show_groups=False the classes are not cells of this output
    (the weekly charts show year groups and the school only).
    """
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    column = _Column(groups, list(leaves), threshold)
    for group in column.leaves_of:
        column.settle_class(group, show_groups)
    for unit, members in column.groups_of.items():
        column.settle(unit_key(unit), [group_key(g) for g in members])
    column.settle(SCHOOL, [unit_key(u) for u in column.groups_of])
    return Protection(
        threshold=threshold,
        status=column.status,
        counts={key: column.cell_count(key) for key in column.status},
        withheld=frozenset(column.withheld),
        unit_of=dict(groups),
    )


class _Column:
    """One column being settled, from the classes up to the school."""

    def __init__(
        self, groups: Mapping[Hashable, Hashable], leaves: list[LeafCount], threshold: int
    ) -> None:
        self.threshold = threshold
        self.leaves_of: dict[Hashable, list[LeafCount]] = {group: [] for group in groups}
        self.groups_of: dict[Hashable, list[Hashable]] = {}
        for group, unit in groups.items():
            self.groups_of.setdefault(unit, []).append(group)
        self._add_leaves(leaves)
        self.count = {leaf.leaf: leaf.count for leaf in leaves}
        # A leaf its own page shows: published, never in anyone's residual.
        self.alone = {leaf.leaf for leaf in leaves if leaf.shown_alone and leaf.count >= threshold}
        self.withheld: set[Hashable] = set()
        self.status: dict[tuple, str] = {}
        # residual[key]: the open leaves under a cell that no published smaller cell covers.
        # For a published cell it is what subtraction can reveal (0 or >= threshold); for an
        # unpublished cell it passes up to the parent.
        self.residual: dict[tuple, list[Hashable]] = {}

    def _add_leaves(self, leaves: list[LeafCount]) -> None:
        leaf_ids = [leaf.leaf for leaf in leaves]
        if len(set(leaf_ids)) != len(leaf_ids):
            raise ValueError("leaf ids must be unique")
        for leaf in leaves:
            if leaf.group not in self.leaves_of:
                raise ValueError(f"leaf {leaf.leaf!r} belongs to an unknown class {leaf.group!r}")
            if leaf.count < 0:
                raise ValueError("counts cannot be negative")
            self.leaves_of[leaf.group].append(leaf)

    def total(self, leaf_ids: Iterable[Hashable]) -> int:
        return sum(self.count[leaf] for leaf in leaf_ids)

    def withhold(self, leaf_ids: Iterable[Hashable]) -> None:
        for leaf in leaf_ids:
            self.withheld.add(leaf)
            self.count[leaf] = 0

    def cell_count(self, key: tuple) -> int:
        if key[0] == "group":
            return self.total(leaf.leaf for leaf in self.leaves_of[key[1]])
        if key[0] == "unit":
            return sum(self.cell_count(group_key(g)) for g in self.groups_of[key[1]])
        return sum(self.cell_count(unit_key(u)) for u in self.groups_of)

    def _by_size(self, n: int) -> str:
        if n == 0:
            return NO_ANSWERS
        return SMALL if n < self.threshold else SHOWN

    def settle_class(self, group: Hashable, show_groups: bool) -> None:
        key = group_key(group)
        members = self.leaves_of[group]
        open_leaves = [leaf.leaf for leaf in members if leaf.leaf not in self.alone and leaf.count]
        self.status[key] = (
            self._by_size(self.total(leaf.leaf for leaf in members))
            if show_groups
            else NOT_SHOWN_HERE
        )
        if self.status[key] == SHOWN and 0 < self.total(open_leaves) < self.threshold:
            # Small check-ins beside large ones: no other cell can hide them.
            self.withhold(open_leaves)
            open_leaves = []
        self.residual[key] = open_leaves

    def settle(self, key: tuple, children: list[tuple]) -> None:
        """Publish or suppress a year group or the school, given its settled children."""
        open_leaves = [
            leaf
            for child in children
            if not _published(self.status[child])
            for leaf in self.residual[child]
        ]
        self.status[key] = self._by_size(self.cell_count(key))
        if self.status[key] == SHOWN and 0 < self.total(open_leaves) < self.threshold:
            open_leaves = self._cover(open_leaves, children)
        self.residual[key] = open_leaves

    def _cover(self, open_leaves: list[Hashable], children: list[tuple]) -> list[Hashable]:
        """A small residual under a shown cell: suppress one more child (the smallest whose
        own residual is not empty), or, when none can help, withhold the residual."""
        helpers = [
            child
            for child in children
            if _published(self.status[child]) and self.total(self.residual[child]) > 0
        ]
        if not helpers:
            self.withhold(open_leaves)
            return []
        chosen = min(
            helpers,
            key=lambda c: (self.total(self.residual[c]), self.cell_count(c), repr(c)),
        )
        self.status[chosen] = COMPLEMENTARY
        return open_leaves + self.residual[chosen]


def _published(status: str) -> bool:
    return status in (SHOWN, NO_ANSWERS)
