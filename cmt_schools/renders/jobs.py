"""What can be rendered, what to render ahead, and which changes call for it.

Features register here, so that this package knows none of them:

- `@renderer("pack")`: how to make a file of a kind from a job's plain values.
- `@plans_ahead("class")`: given a scope's id (a class, a school), the jobs whose files
  should be ready before anyone asks (a class's coming-week and term packs, a school's
  current term summary). Run by the worker, at the time of the render.
- `@each_day`: the scopes to render ahead every morning and when the worker starts (after
  a deployment that changed a lesson, its packs are new files).
- `@every_few_minutes`: work the worker does on its own, every few minutes.
- `watch(Model, scopes)`: a committed change to a row of `Model` makes its scopes due
  (a lesson moved: its class, and its school's summary). See ahead.py.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

Scope = tuple[str, int]  # ("class", 12), ("school", 3), ("summary", 3)


@dataclass(frozen=True)
class RenderJob:
    """One file to render: its key names it in the store, `spec` is what the renderer takes.

    `spec` holds plain values only (it is pickled onto the queue and read by a worker that
    may be on another host); `key` is a hash of everything that shows in the file.
    """

    kind: str
    key: str
    school_id: int | None  # whose file it is: a school's, or (with school_id None) a trust's
    spec: Any
    what: str  # in words, for the log and the progress page: "Term pack for 8B"
    trust_id: int | None = None


Renderer = Callable[[Any], bytes]
Planner = Callable[[int], Iterable[RenderJob]]

_renderers: dict[str, Renderer] = {}
_planners: dict[str, list[Planner]] = defaultdict(list)
_watched: dict[type, list[Callable[[Any], Iterable[Scope]]]] = defaultdict(list)
_daily: list[Callable[[], Iterable[Scope]]] = []
_routine: list[Callable[[], None]] = []


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _renderers[kind] = function
        return function

    return register


def plans_ahead(scope: str) -> Callable[[Planner], Planner]:
    def register(function: Planner) -> Planner:
        if function not in _planners[scope]:
            _planners[scope].append(function)
        return function

    return register


def each_day(function: Callable[[], Iterable[Scope]]) -> Callable[[], Iterable[Scope]]:
    """Register the scopes whose files change with the date alone (a summary's "overdue"
    lessons, a class's coming week): the worker renders them each morning and on start."""
    if function not in _daily:
        _daily.append(function)
    return function


def daily_scopes() -> set[Scope]:
    return {scope for find in _daily for scope in find()}


def every_few_minutes(function: Callable[[], None]) -> Callable[[], None]:
    """Register work the worker does every few minutes (finalising check-ins that closed by
    the clock: their commit is a change like any other, and queues what it alters)."""
    if function not in _routine:
        _routine.append(function)
    return function


def routine_work() -> list[Callable[[], None]]:
    return list(_routine)


def watch(model: type, scopes: Callable[[Any], Iterable[Scope]]) -> None:
    """`scopes(row)` must read only the row's own columns: it runs inside a flush."""
    if scopes not in _watched[model]:
        _watched[model].append(scopes)


def content_hash(payload: object) -> str:
    """A render key: the SHA-256 of what a file is made from, as canonical JSON."""
    encoded = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def files_hash(seed: str, files: Iterable[Path]) -> str:
    """A short hash of `seed` and the named files' names and bytes (a layout's version:
    its templates, stylesheets and modules), for a key to change when they do."""
    digest = hashlib.sha256(seed.encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_layout_hashes: dict[tuple, str] = {}


def layout_hash(
    seed: str, *, templates: str, modules_beside: str, static: Sequence[str] = ()
) -> str:
    """The hash of a layout, worked out once per process: `seed`, the templates in one
    folder, the Python modules of the package holding `modules_beside` (a module's
    `__file__`) and the named static files."""
    cache_key = (seed, templates, modules_beside, tuple(static))
    if cache_key not in _layout_hashes:
        template_root = Path(current_app.root_path) / (current_app.template_folder or "templates")
        files = sorted((template_root / templates).glob("*.html"))
        files += sorted(Path(modules_beside).parent.glob("*.py"))
        files += [Path(current_app.static_folder or "static") / name for name in static]
        _layout_hashes[cache_key] = files_hash(seed, files)
    return _layout_hashes[cache_key]


def render(job: RenderJob) -> bytes:
    try:
        make = _renderers[job.kind]
    except KeyError:
        raise LookupError(f"no renderer for {job.kind!r} files") from None
    return make(job.spec)


def planned(scope: Scope) -> list[RenderJob]:
    kind, scope_id = scope
    return [job for plan in _planners.get(kind, ()) for job in plan(scope_id)]


def scopes_of(instance: object) -> Iterable[Scope]:
    found = (scope for scopes in _watched.get(type(instance), ()) for scope in scopes(instance))
    return [scope for scope in found if scope[1] is not None]
