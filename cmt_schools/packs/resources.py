"""What a pack prints from a lesson's resources: each printed one on a page of its own,
and the lesson's home practice card, four to a page to cut out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from ..curriculum.resource_checks import resource_path
from ..curriculum.schema import STAGE_LABELS, Lesson, Resource
from ..curriculum.svg_check import svg_size
from .rendering import RESOURCES_BASE_URL

HOME_CARDS_PER_PAGE = 4


@dataclass(frozen=True)
class ResourcePage:
    resource: Resource
    src: str  # the renderer's address of the SVG
    stages: str  # "Big idea, Explore": where the script uses it
    landscape: bool


def resource_src(lesson: Lesson, resource: Resource) -> str:
    return f"{RESOURCES_BASE_URL}{lesson.band}/{lesson.slug}/{resource.id}.svg"


def resource_pages(lesson: Lesson) -> list[ResourcePage]:
    """The lesson's printed resources (use print or both), in the order the file gives."""
    pages = []
    for resource in lesson.printed_resources:
        width, height = svg_size(resource_path(lesson, resource)) or (1188.0, 840.0)
        pages.append(
            ResourcePage(
                resource=resource,
                src=resource_src(lesson, resource),
                stages=", ".join(STAGE_LABELS[stage] for stage in resource.steps),
                landscape=width >= height,
            )
        )
    return pages


def resources_version(lessons: Iterable[Lesson]) -> str:
    """A hash of every resource file the lessons print, so a redrawn sign renders anew."""
    digest = hashlib.sha256()
    for lesson in lessons:
        for resource in lesson.resources:
            path = resource_path(lesson, resource)
            digest.update(f"{lesson.key}/{resource.id}".encode())
            digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()[:16]
