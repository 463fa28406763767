"""One page's links to many rows of the same kind, at the cost of one `url_for`.

A list of 60 classes links each row to its class and its teacher; `url_for` costs about
5-15 us a call (Werkzeug matches the endpoint's rule and builds it anew), which was half of
what a row of /programme cost to render. `url_for_each` builds the URL once with a marker
id and returns a function that puts each row's id in the marker's place: the same URL
`url_for` gives, for an integer id.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, url_for

_MARKER = 918273645  # an id no rule's other parts can contain twice


def url_for_each(endpoint: str, argument: str, **values) -> Callable[[int], str]:
    """`url_for_each("scheduling.class_detail", "class_id")(7)` is
    `url_for("scheduling.class_detail", class_id=7)`, the rule matched only once."""
    built = url_for(endpoint, **{argument: _MARKER}, **values)
    head, marker, tail = built.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:
        return lambda value: url_for(endpoint, **{argument: value}, **values)

    def url(value: int) -> str:
        return f"{head}{int(value)}{tail}"

    return url


def init_urls(app: Flask) -> None:
    """`{% set class_url = url_for_each('scheduling.class_detail', 'class_id') %}` and
    `{{ class_url(c.id) }}` in every template."""
    app.add_template_global(url_for_each)
