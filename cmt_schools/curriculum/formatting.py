"""Lesson text to HTML: paragraphs, lists, and cues a teacher can find at a glance.

Lesson files hold plain text: one paragraph or one projector line per line, blank lines
between groups, `- ` for a bullet and `1. ` for a numbered item. Everything is escaped
before any markup is added, so a lesson file can never inject HTML into a page or a PDF.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Only these two list tags are ever opened or closed; nothing from a file becomes a tag.
_OPEN = {"ul": Markup("<ul>"), "ol": Markup("<ol>")}
_CLOSE = {"ul": Markup("</ul>"), "ol": Markup("</ol>")}
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")
# "Say:", "Then ask:", "Listen for:" in a script: what the teacher does next.
_CUE = re.compile(
    r"\b((?:Then |Afterwards )?(?:Say|say|Ask|ask|Read|Listen for|Sum up|Check understanding)):"
)


def _plain(text: str, *, cues: bool) -> Markup:
    """Escape text; with `cues`, make each "Say:"/"Ask:" stand out."""
    if not cues:
        return escape(text)
    out, position = Markup(""), 0
    for match in _CUE.finditer(text):
        out += escape(text[position : match.start()])
        out += Markup('<strong class="cue">{}:</strong>').format(match.group(1))
        position = match.end()
    return out + escape(text[position:])


def _line(line: str, *, cues: bool) -> Markup:
    """Escape a line; in a script, words in straight double quotes are said aloud."""
    parts = line.split('"')
    if not cues or len(parts) < 3 or len(parts) % 2 == 0:  # no quotes, or unbalanced
        return _plain(line, cues=cues)
    out = Markup("")
    for index, part in enumerate(parts):
        if index % 2:
            out += Markup('<q class="speech">{}</q>').format(part)
        else:
            out += _plain(part, cues=cues)
    return out


def lesson_html(text: str | None, *, cues: bool = False) -> Markup:
    """Turn lesson text into paragraphs and lists; `cues` marks a script's Say:/Ask: lines."""
    html: list[Markup] = []
    list_tag: str | None = None
    for raw in (text or "").strip().splitlines():
        line = raw.strip()
        bullet = _BULLET.match(line)
        numbered = None if bullet else _NUMBERED.match(line)
        wanted = "ul" if bullet else "ol" if numbered else None
        if list_tag and wanted != list_tag:
            html.append(_CLOSE[list_tag])
            list_tag = None
        if not line:
            continue
        if wanted:
            if list_tag is None:
                html.append(_OPEN[wanted])
                list_tag = wanted
            item = (bullet or numbered).group(1)  # type: ignore[union-attr]
            html.append(Markup("<li>{}</li>").format(_line(item, cues=cues)))
        else:
            html.append(Markup("<p>{}</p>").format(_line(line, cues=cues)))
    if list_tag:
        html.append(_CLOSE[list_tag])
    return Markup("\n").join(html)
