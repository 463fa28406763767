"""Static files a browser keeps for a year, and every response compressed.

Each link to a static file carries its content's hash (`/static/css/app.css?v=1a2b3c4d5e6f`):
a file that changes gets a new URL, so a browser may keep the one it has without asking
again. A request for the current hash is answered with a year's `immutable` cache; any
other (an old page's link, or none) is answered `no-cache`, so it is checked each time.
Pages keep the `no-store` that headers.py gives them: they hold school data or join codes.

Static files and the pages of people who are not signed in (pupils above all) are
compressed (brotli, or gzip, as the browser accepts) by Flask-Compress: a pupil's check-in
page is a third of its size that way, over a school's shared Wi-Fi. A signed-in page is
sent as it is: it holds the sign-in's form token next to text a request can put into the
page (a search, a name), the mix from which a compression side channel (BREACH) can read
a secret by watching response sizes. No pupil page holds a secret worth that.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, request, session
from flask_compress import Compress
from werkzeug.security import safe_join

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# Text that compresses well; images other than SVG, PDFs and ZIPs are compressed already.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
]

# (path, modification time, size) -> hash: a file is read once, and again when it changes
# (only in development: a deployment's files never do).
_hashes: dict[tuple[str, int, int], str] = {}


def static_version(filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None if there is no such file."""
    folder = current_app.static_folder
    joined = safe_join(folder, filename) if folder else None
    if joined is None:  # no static folder, or a name that would leave it
        return None
    path = Path(joined)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _hashes[key]


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        version = static_version(values["filename"])
        if version is not None:
            values["v"] = version


def cache_static_files(response: Response) -> Response:
    """A year's immutable cache for a static file asked for by its current hash."""
    if request.endpoint != "static":
        return response
    if response.status_code not in (200, 304):
        response.headers["Cache-Control"] = "no-store"
        return response
    if response.direct_passthrough and response.mimetype in COMPRESSED_TYPES:
        # Read the file (the largest is 17 KB) so that Flask-Compress compresses it whole,
        # with brotli or gzip and a Content-Length, as it does pages: a streamed file it
        # would compress chunk by chunk, and with zstd only where a browser offers it.
        response.direct_passthrough = False
        response.set_data(response.get_data())
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == static_version(filename):
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def _same_for_everyone(response: Response) -> Response:
    """No `Vary: Cookie` on a static file: it is the same for everyone. Reading the session
    (the sign-in timeout and Flask-Login do, on every request) would add it, and a browser
    whose cookies changed (a pupil's device cookie does, on each check-in) would then fetch
    the file again. Runs after every other after_request hook (it is first in the list)."""
    if request.endpoint == "static" and not session.modified:
        session.accessed = False
    return response


def safe_to_compress(signed_in: Callable[[], bool]) -> bool:
    """Static files, and pages for someone not signed in (see the module's note).

    `signed_in` must read the session, not load the user: this runs on error pages too,
    when the database may be what failed."""
    if request.endpoint == "static":
        return True
    return not signed_in()


def init_static_files(app: Flask, *, signed_in: Callable[[], bool]) -> None:
    """`signed_in`: whether the request's session is signed in. Given by create_app
    (accounts.sessions.has_signed_in_user): core may not import a feature."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config["COMPRESS_REGISTER"] = False  # compressed only where safe_to_compress()
    app.url_defaults(_add_version)
    compress = Compress(app)

    @app.after_request
    def compress_where_safe(response: Response) -> Response:
        return compress.after_request(response) if safe_to_compress(signed_in) else response

    # Registered after Flask-Compress's hook, so it runs before it (Flask runs them last
    # first): the file is read whole by the time Flask-Compress sees it.
    app.after_request(cache_static_files)
    app.after_request_funcs.setdefault(None, []).insert(0, _same_for_everyone)
