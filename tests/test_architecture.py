"""The layout keeps its shape: dependencies run one way, and no module or function grows
past what a reader can hold (docs/architecture.md).

Imports are read from the source (ast), so a lazy import inside a function counts as much
as one at the top; an import under `if TYPE_CHECKING:` is for annotations only and does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

from cmt_schools import FEATURES

PACKAGE = Path(__file__).resolve().parent.parent / "cmt_schools"
# Shared by every feature and depending on none: core/ and these modules.
FOUNDATION = ("core", "config", "extensions", "database")
# The app around the features: the factory, the command group, the demo, and the app as
# gunicorn serves it with its warm-up.
SHELL = ("__init__", "cli", "console", "demo", "warm", "wsgi")
MAX_MODULE_LINES = 600
MAX_COMPLEXITY = 20

# A function may pass the limit if a comment on the line above its `def` says why:
# "# complexity: <why it must be so>".
WHY_COMPLEX = "# complexity:"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> set[str]:
    """The cmt_schools modules `path` imports (a `from x import y` counts as x, and as x.y
    when y is a module), leaving out imports for type checking only."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / candidate.replace(".", "/") / "__init__.py"
                ).exists():
                    found.add(candidate)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {module for module in found if module.split(".")[0] == "cmt_schools"} - {name}


def part_of(module: str) -> str:
    """The feature a module belongs to, or "foundation" or "shell"."""
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else "__init__"
    if first in FEATURES:
        return first
    if first in FOUNDATION:
        return "foundation"
    assert first in SHELL, f"{module} is in no feature: add it to FEATURES or to this test"
    return "shell"


GRAPH = {module_name(path): imports_of(path) for path in modules()}


def test_the_import_reader_sees_relative_lazy_and_type_checking_imports():
    assert "cmt_schools.core.dates" in GRAPH["cmt_schools.scheduling.services.school_year"]
    assert "cmt_schools.scheduling.services" in GRAPH["cmt_schools.checkins.views"]
    # create_app imports the blueprints inside the function
    assert "cmt_schools.core.access" in GRAPH["cmt_schools"]
    # audit names User for type checking only
    assert "cmt_schools.accounts.models" not in GRAPH["cmt_schools.audit.models"]


def test_every_package_is_a_feature_or_foundation_or_shell():
    for module in GRAPH:
        part_of(module)


def test_features_import_only_earlier_features():
    order = {feature: index for index, feature in enumerate(FEATURES)}
    wrong = []
    for module, imported in GRAPH.items():
        mine = part_of(module)
        for other in imported:
            theirs = part_of(other)
            if mine == "shell" or theirs == "foundation" or theirs == mine:
                continue
            if mine == "foundation":
                wrong.append(f"{module} (foundation) imports {other}")
            elif theirs == "shell":
                # The shell's two extension points: the command group a feature adds its
                # commands to, and the demo school a feature's demo.seed() fills.
                if other not in ("cmt_schools.cli", "cmt_schools.demo"):
                    wrong.append(f"{module} imports {other}")
            elif order[theirs] > order[mine]:
                wrong.append(f"{module} ({mine}) imports {other} ({theirs} comes later)")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles():
    """Between modules, and between features (a feature's modules taken together)."""
    cycles = []
    for graph in (GRAPH, _feature_graph()):
        cycles.extend(_cycles(graph))
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def _feature_graph() -> dict[str, set[str]]:
    """Which features each feature imports. The shell imports every feature by design and
    is left out here; a cycle through its modules shows in the module graph."""
    graph: dict[str, set[str]] = {}
    for module, imported in GRAPH.items():
        mine = part_of(module)
        if mine == "shell":
            continue
        graph.setdefault(mine, set()).update(
            part_of(other) for other in imported if part_of(other) not in (mine, "shell")
        )
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_modules_stay_short(path):
    relative = str(path.relative_to(PACKAGE))
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{relative} has {lines} lines: split it along its sections (docs/architecture.md)"
    )


def _explained(lines: list[str], def_line: int) -> bool:
    above = def_line - 2
    while above >= 0 and lines[above].strip().startswith("@"):
        above -= 1
    return above >= 0 and lines[above].strip().startswith(WHY_COMPLEX)


def _blocks(path: Path):
    for block in cc_visit(path.read_text()):
        yield block
        yield from getattr(block, "methods", ())
        yield from getattr(block, "closures", ())


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_functions_stay_simple(path):
    relative = str(path.relative_to(PACKAGE))
    lines = path.read_text().splitlines()
    too_complex = [
        f"{relative}:{block.lineno} {block.name} has cyclomatic complexity {block.complexity}"
        for block in _blocks(path)
        if block.complexity > MAX_COMPLEXITY and not _explained(lines, block.lineno)
    ]
    assert not too_complex, "\n".join(too_complex)
