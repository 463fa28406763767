"""Sending a rendered file, or a page that waits for it without holding a web worker.

The first request for a file that is not ready queues its render and answers at once with
a progress page (202) that asks again every few seconds with `?wait=1`: by a script that
does not reload the page (static/js/render-progress.js: a screen reader is not sent back to
the top each time), or without JavaScript by a plain refresh. When the file is there, the
page says so and the browser fetches the file itself, which downloads; the page stays.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request

from ..extensions import db
from .jobs import RenderJob
from .store import stored_for

REFRESH_SECONDS = 3


def send_rendered(
    job: RenderJob,
    *,
    filename: str,
    mimetype: str,
    on_sent: Callable[[], None] | None = None,
    back: tuple[str, str] | None = None,
    kept: str | None = None,
) -> Response | tuple:
    """The file, if it is in the store; else a page that waits for it (and queues it).

    `filename` must be safe to put in a header as it is; `on_sent` runs only when the file
    itself is sent (an audit event, say); `back` is (words, url) for a link off the page;
    `kept` tells the reader what becomes of the file if they leave the page (by default,
    that it is kept).
    """
    waiting = request.args.get("wait") == "1"
    content = stored_for(job)
    outcome = "stored"
    if content is None:
        # End the read transaction: the render (here, if no worker runs) writes the file.
        db.session.rollback()
        outcome = current_app.extensions["cmt_renders"].request(job)
        content = stored_for(job) if outcome == "rendered" else None
    if content is None:
        failed = outcome == "failed"
        page = render_template(
            "renders/progress.html",
            job=job,
            failed=failed,
            back=back,
            kept=kept,
            refresh_url=None if failed else _url_with(wait="1"),
            file_url=_url_with(),
            refresh_seconds=REFRESH_SECONDS,
        )
        response = Response(page, status=503 if failed else 202)
        if not failed:
            response.headers["Retry-After"] = str(REFRESH_SECONDS)
        return response
    if waiting:
        page = render_template(
            "renders/progress.html", job=job, ready=True, back=back, file_url=_url_with()
        )
        return Response(page)
    if on_sent is not None:
        on_sent()
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _url_with(**wanted: str) -> str:
    """This request's path and query, with `wait` set as given (or taken out)."""
    arguments = request.args.to_dict(flat=False)
    arguments.pop("wait", None)
    arguments.update({name: [value] for name, value in wanted.items()})
    query = urlencode(arguments, doseq=True)
    return request.path + (f"?{query}" if query else "")
