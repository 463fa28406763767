"""The SVG style kit as a check: what a lesson resource file may contain.

A resource is shown on the pupils' screen as an `<img>` and printed in the pack, so it must
be a plain, self-contained drawing: known elements and presentation attributes only, no
scripts, styles, links or anything fetched from elsewhere, a title for screen readers, and
text large enough to read from the back of a classroom.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ALLOWED_ELEMENTS = frozenset(
    {
        "svg", "title", "desc", "g", "defs", "symbol", "use", "path", "rect", "circle",
        "ellipse", "line", "polyline", "polygon", "text", "tspan",
    }
)  # fmt: skip
# Geometry and presentation attributes; never style=, class= or an event handler.
ALLOWED_ATTRIBUTES = frozenset(
    {
        "viewBox", "role", "id", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx",
        "ry", "width", "height", "d", "points", "transform", "href", "fill", "fill-opacity",
        "fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap",
        "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity",
        "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight",
        "font-style", "text-anchor", "dominant-baseline", "alignment-baseline",
        "letter-spacing", "word-spacing", "dx", "dy", "textLength", "lengthAdjust",
        "preserveAspectRatio", "aria-hidden", "aria-label", "lang", "visibility",
        "paint-order", "vector-effect",
    }
)  # fmt: skip
# The sizes of the style kit: projected 1200 x 800, printed A4 landscape or portrait.
PROJECTED_SIZE = (1200.0, 800.0)
A4_SIZES = ((1188.0, 840.0), (840.0, 1188.0))
MIN_FONT_SIZE = 36.0
DEFAULT_FONT_SIZE = 16.0  # what a browser uses when nothing sets one

_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)[#a-zA-Z0-9]*;?")
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def view_box_size(root: ElementTree.Element) -> tuple[float, float] | None:
    parts = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    if len(numbers) != 4 or numbers[0] != 0 or numbers[1] != 0:
        return None
    return numbers[2], numbers[3]


def _font_size(value: str | None) -> float | None:
    if value is None:
        return None
    found = _NUMBER.match(value)
    return float(found.group(1)) if found else -1.0  # -1: not a plain number, so too small


def _attribute_problems(element: ElementTree.Element, file_id: str) -> list[str]:
    problems: list[str] = []
    tag = _local(element.tag)[1]
    for name, value in element.attrib.items():
        namespace, local = _local(name)
        if namespace == XML_NS and local in ("lang", "space"):
            continue
        if namespace not in ("", XLINK_NS) or (namespace == XLINK_NS and local != "href"):
            problems.append(f"<{tag}> has an attribute from another vocabulary: {name}")
            continue
        if local not in ALLOWED_ATTRIBUTES:
            problems.append(f"<{tag}> has an attribute the style kit does not allow: {local}")
        if "url(" in value.replace(" ", "").lower():
            problems.append(f"<{tag}> {local} uses url(...)")
        if local == "href" and not value.startswith("#"):
            problems.append(f"<{tag}> links outside the file: {value[:60]}")
        if local == "id" and not value.startswith(f"{file_id}-"):
            problems.append(f"id '{value}' does not start with the file id '{file_id}-'")
    return problems


def _text_problems(element: ElementTree.Element, inherited: float) -> list[str]:
    size = _font_size(element.get("font-size"))
    size = inherited if size is None else size
    problems: list[str] = []
    tag = _local(element.tag)[1]
    if tag in ("text", "tspan") and size < MIN_FONT_SIZE:
        words = " ".join("".join(element.itertext()).split())[:40]
        shown = "not a plain number" if size < 0 else f"{size:g}"
        problems.append(f"text '{words}' has font-size {shown}; at least {MIN_FONT_SIZE:g}")
    for child in element:
        problems += _text_problems(child, size)
    return problems


class _Refused(ValueError):
    pass


def _parse(source: bytes) -> ElementTree.Element:
    """Parse an SVG that declares no DOCTYPE or entities (so no entity tricks can run)."""
    text = source.decode("utf-8", errors="replace")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise _Refused("has a DOCTYPE or ENTITY declaration")
    try:
        return ElementTree.fromstring(source)  # noqa: S314 - declarations refused above
    except ElementTree.ParseError as exc:
        raise _Refused(f"is not well-formed XML: {exc}") from exc


def svg_problems(source: bytes, file_id: str) -> list[str]:
    """Everything in an SVG file that breaks the style kit (an empty list when none)."""
    try:
        root = _parse(source)
    except _Refused as refused:
        return [str(refused)]
    text = source.decode("utf-8", errors="replace")
    problems = [f"uses the entity {m.group(0)}" for m in _ENTITY.finditer(text)]
    if root.tag != f"{{{SVG_NS}}}svg":
        return ["the root is not an <svg> in the SVG namespace"]
    if view_box_size(root) is None:
        problems.append('needs viewBox="0 0 W H"')
    if root.get("role") != "img":
        problems.append('needs role="img" on <svg>')
    children = list(root)
    first = children[0] if children else None
    if first is None or first.tag != f"{{{SVG_NS}}}title" or not (first.text or "").strip():
        problems.append("needs a <title> with a short name as the first child")
    for element in root.iter():
        namespace, tag = _local(element.tag)
        if namespace != SVG_NS or tag not in ALLOWED_ELEMENTS:
            problems.append(f"has an element the style kit does not allow: <{tag}>")
            continue
        problems += _attribute_problems(element, file_id)
    return problems + _text_problems(root, DEFAULT_FONT_SIZE)


def svg_file_problems(path: Path) -> list[str]:
    if not path.is_file():
        return ["the file is missing"]
    return svg_problems(path.read_bytes(), path.stem)


def svg_size(path: Path) -> tuple[float, float] | None:
    """The drawing's width and height from its viewBox, or None when it has none."""
    try:
        return view_box_size(_parse(path.read_bytes()))
    except (_Refused, OSError):
        return None
