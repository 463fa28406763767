"""What every request may carry, checked once for all routes before any view runs.

- Ids in URLs are whole numbers from 1 to MAX_ID: the app's `int` converter is bounded, so
  `/classes/99999999999` is a 404 and never reaches the database (PostgreSQL refuses a
  number beyond its integer column; SQLite one beyond 2**63).
- Text in URLs, query strings and forms has no control characters (tab, line feed and
  carriage return excepted). PostgreSQL refuses NUL in text; the others are invisible
  and mean trouble in a name, a CSV cell or a PDF. The request is refused with a 400 that
  says so, before anything is stored.
- No route takes file uploads unless it says so (`accepts_files`): a file sent to a form
  would otherwise reach it as a value of one of its fields.
- A route that takes only a small body says so (`body_limit`), so it is refused (413)
  before the body is read, here or anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

# PostgreSQL's `integer`, the type of every id column; SQLite's are the same numbers.
MAX_ID = 2**31 - 1
BODY_LIMIT_ATTRIBUTE = "_cmt_body_limit"
ACCEPTS_FILES_ATTRIBUTE = "_cmt_accepts_files"
# Unicode's control characters (category Cc) but tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TEXT_WITHOUT_CONTROLS = r"[^/\x00-\x1f\x7f-\x9f]"


class UnusableCharacters(BadRequest):
    title = "Some text could not be used"
    description = (
        "Part of what you sent has a control character in it: an invisible character that "
        "some programs add when text is copied. Nothing was saved. Please go back, type "
        "that text again and send it."
    )


class UnexpectedFile(BadRequest):
    title = "This form does not take files"
    description = "Nothing was saved. Please go back and send the form without a file."


def parse_id(raw: object) -> int | None:
    """A positive id within MAX_ID from a form or query value, or None."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` for ids: 1 to 10 ASCII digits, and no number beyond MAX_ID."""

    regex = r"[0-9]{1,10}"
    signed_regex = r"-?[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """The default `<name>` and `<string:name>`: any text but slashes and control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", _TEXT_WITHOUT_CONTROLS, 1)


class TextPathConverter(PathConverter):
    """`<path:name>` without control characters (static file names, for one)."""

    regex = _TEXT_WITHOUT_CONTROLS + r"[^\x00-\x1f\x7f-\x9f]*?"


def body_limit(max_bytes: int) -> Callable:
    """Declare that a view takes a body of at most `max_bytes`: larger is a 413 before it runs."""

    def decorate(view: Callable) -> Callable:
        setattr(view, BODY_LIMIT_ATTRIBUTE, max_bytes)
        return view

    return decorate


def accepts_files(view: Callable) -> Callable:
    """Declare that a view takes file uploads (no route does yet)."""
    setattr(view, ACCEPTS_FILES_ATTRIBUTE, True)
    return view


def _has_control_characters(values) -> bool:
    return any(
        CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value)
        for key, value in values.items(multi=True)
    )


def check_request_inputs() -> None:
    """before_request, first of all: refuse what no route can take, before any view or
    extension reads the body (so nothing on the way can catch and lose the refusal)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, BODY_LIMIT_ATTRIBUTE, None)
    if limit is not None:
        request.max_content_length = limit
    if _has_control_characters(request.args):
        raise UnusableCharacters()
    if request.method in ("GET", "HEAD", "OPTIONS") or view is None:
        return
    if request.files and not getattr(view, ACCEPTS_FILES_ATTRIBUTE, False):
        raise UnexpectedFile()
    if _has_control_characters(request.form):
        raise UnusableCharacters()


def init_inputs(app: Flask) -> None:
    """Bounded converters for every route (call before routes are added) and the checks."""
    app.url_map.converters.update(
        int=BoundedIntegerConverter,
        default=TextConverter,
        string=TextConverter,
        path=TextPathConverter,
    )
    app.before_request_funcs.setdefault(None, []).insert(0, check_request_inputs)
