"""The checks that make a lesson teachable with nothing else (issue 15).

Every picture, sign and card sheet the words call for ships with the lesson, and every one
that ships is used; the pupils' screen has a picture; there is time to move and settle;
every big question has a fallback; every calm close says where to find help; every lesson
has a card to take home. Each function returns problems as sentences (empty when none).
"""

from __future__ import annotations

import re
from pathlib import Path

from .loader import resources_dir
from .resources_vocabulary import NOT_RESOURCES, RESOURCE_WORD_PATTERN
from .schema import Lesson, Resource
from .svg_check import A4_SIZES, PROJECTED_SIZE, svg_file_problems, svg_size

SLACK_MINUTES = (2, 3)
HOME_CARD_WORDS = (15, 70)
FALLBACK_STAGES = ("big_idea", "reflect")
ASK_CUE = "Ask:"
FALLBACK_CUE = "If nobody answers:"
# What every calm close shows pupils, by band (matched without regard to case).
SIGNPOSTS: dict[str, tuple[str, ...]] = {
    "ks2": ("Childline", "0800 1111", "a trusted adult"),
    "ks3": ("Childline", "0800 1111", "Shout", "85258", "999"),
    "ks4": ("Childline", "0800 1111", "Shout", "85258", "999"),
}


def resource_path(lesson: Lesson, resource: Resource, root: Path | None = None) -> Path:
    """Where a lesson's resource file is (in the package's resources folder by default)."""
    return (root or resources_dir()) / lesson.band / lesson.slug / f"{resource.id}.svg"


def _spans(text: str, phrases: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    lowered = text.lower()
    found = []
    for phrase in phrases:
        found += [(m.start(), m.end()) for m in re.finditer(re.escape(phrase), lowered)]
    return found


def _words_that_call_for_resources(lesson: Lesson) -> list[tuple[str, str]]:
    """(where, words around it) for each resource word no name or allowlisted phrase covers."""
    names = [name for resource in lesson.resources for name in resource.names]
    places = [(f"materials[{i + 1}]", text) for i, text in enumerate(lesson.materials)]
    for step in lesson.steps:
        places.append((f"{step.stage} script", step.script))
        if step.send:
            places.append((f"{step.stage} send", step.send))
    uncovered = []
    for where, text in places:
        covered = _spans(text, names) + _spans(text, NOT_RESOURCES)
        for match in RESOURCE_WORD_PATTERN.finditer(text):
            if not any(start <= match.start() and match.end() <= end for start, end in covered):
                context = " ".join(text[max(0, match.start() - 30) : match.end() + 10].split())
                uncovered.append((where, context))
    return uncovered


def missing_resources(lesson: Lesson) -> list[str]:
    return [
        f"{lesson.key}: {where} calls for a resource the lesson does not ship: '...{context}...'"
        " (add the phrase to a resource's names, or to NOT_RESOURCES if it names nothing)"
        for where, context in _words_that_call_for_resources(lesson)
    ]


def unused_resources(lesson: Lesson) -> list[str]:
    problems = []
    by_stage = {step.stage: step for step in lesson.steps}
    for resource in lesson.resources:
        texts = [
            text
            for stage in resource.steps
            for text in (by_stage[stage].script, by_stage[stage].send or "")
        ]
        said = "\n".join(texts).lower()
        for name in resource.names:
            if name not in said:
                problems.append(
                    f"{lesson.key}: resource '{resource.id}' is shipped but unused: "
                    f"'{name}' is not in the script or SEND note of {', '.join(resource.steps)}"
                )
    return problems


def lacks_projected_resource(lesson: Lesson) -> list[str]:
    if any(resource.projected for resource in lesson.resources):
        return []
    return [f"{lesson.key}: no resource for the pupils' screen (use = 'project' or 'both')"]


def slack_problems(lesson: Lesson) -> list[str]:
    low, high = SLACK_MINUTES
    if low <= lesson.slack_minutes <= high:
        return []
    total = lesson.minutes - lesson.slack_minutes
    return [
        f"{lesson.key}: the steps take {total} of {lesson.minutes} minutes, leaving "
        f"{lesson.slack_minutes}; leave {low}-{high} minutes for moving and settling"
    ]


def missing_fallbacks(lesson: Lesson) -> list[str]:
    """Each `Ask:` line of a big-idea or reflect script needs an `If nobody answers:` line."""
    problems = []
    for step in lesson.steps:
        if step.stage not in FALLBACK_STAGES:
            continue
        pending: str | None = None
        for line in [*step.script.splitlines(), ASK_CUE]:  # a last Ask: closes the last one
            line = line.strip()
            if line.startswith(FALLBACK_CUE):
                pending = None
            elif line.startswith(ASK_CUE):
                if pending is not None:
                    problems.append(
                        f"{lesson.key}: {step.stage}: no '{FALLBACK_CUE}' after '{pending}'"
                    )
                pending = " ".join(line.split())[:60]
    return problems


def missing_signposts(lesson: Lesson) -> list[str]:
    close = lesson.steps[-1].pupil_text.lower()
    absent = [sign for sign in SIGNPOSTS[lesson.band] if sign.lower() not in close]
    if not absent:
        return []
    return [f"{lesson.key}: the calm close pupil text does not name: {', '.join(absent)}"]


def home_card_problems(lesson: Lesson) -> list[str]:
    if lesson.home_card is None:
        return [f"{lesson.key}: no [home_card]"]
    count = len(lesson.home_card.text.split())
    low, high = HOME_CARD_WORDS
    if low <= count <= high:
        return []
    return [f"{lesson.key}: the home card has {count} words; write {low}-{high}"]


def _size_problem(resource: Resource, size: tuple[float, float] | None) -> str | None:
    if size is None:
        return None  # the SVG check has already said so
    if resource.use == "project" and size != PROJECTED_SIZE:
        return "a projected resource is drawn 0 0 1200 800"
    if resource.use == "print" and size not in A4_SIZES:
        return "a printed resource is an A4 page: 0 0 1188 840 or 0 0 840 1188"
    if size != PROJECTED_SIZE and size not in A4_SIZES:
        return "use 0 0 1200 800, 0 0 1188 840 or 0 0 840 1188"
    return None


def resource_file_problems(lesson: Lesson, root: Path | None = None) -> list[str]:
    """Each declared file exists and passes the SVG check; no file is left undeclared."""
    root = root or resources_dir()
    problems = []
    for resource in lesson.resources:
        path = resource_path(lesson, resource, root)
        found = svg_file_problems(path)
        if not found:
            size_problem = _size_problem(resource, svg_size(path))
            found = [size_problem] if size_problem else []
        problems += [f"{lesson.key}: {path.relative_to(root)}: {p}" for p in found]
    declared = {resource.id for resource in lesson.resources}
    folder = root / lesson.band / lesson.slug
    for stray in sorted(folder.glob("*.svg")) if folder.is_dir() else []:
        if stray.stem not in declared:
            problems.append(
                f"{lesson.key}: {stray.relative_to(root)}: no [[resources]] entry ships this file"
            )
    return problems


def resource_problems(lesson: Lesson, root: Path | None = None) -> list[str]:
    """Every issue 15 rule for one lesson."""
    return [
        *missing_resources(lesson),
        *unused_resources(lesson),
        *lacks_projected_resource(lesson),
        *slack_problems(lesson),
        *missing_fallbacks(lesson),
        *missing_signposts(lesson),
        *home_card_problems(lesson),
        *resource_file_problems(lesson, root),
    ]
