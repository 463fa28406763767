"""Static files a browser keeps for a year, and every response compressed.

Each link to a static file carries its content's hash (`/static/css/app.css?v=1a2b3c4d5e6f`):
a file that changes gets a new URL, so a browser may keep the one it has without asking
again. A request for the current hash is answered with a year's `immutable` cache; any
other (an old page's link, or none) is answered `no-cache`, so it is checked each time.
Pages keep the `no-store` that headers.py gives them: they hold school data or join codes.

Static files and the pages of people who are not signed in (pupils above all) are
compressed (brotli, or gzip, as the browser accepts): a pupil's check-in page is a third of
its size that way, over a school's shared Wi-Fi. Pages by Flask-Compress, at its quick
default level, as each is made; a static file at its current hash once per process, at the
highest level (brotli 11: a sixth smaller than Flask-Compress's level 4 on our stylesheets,
10-20 ms a file, too slow for every page and nothing once kept), and without the
validators (ETag, Last-Modified) that a year's immutable copy never uses. A signed-in page
is sent as it is: it holds the sign-in's form token next to text a request can put into the
page (a search, a name), the mix from which a compression side channel (BREACH) can read
a secret by watching response sizes. No pupil page holds a secret worth that.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, request, session
from flask_compress import Compress
from werkzeug.security import safe_join

try:  # the brotli module Flask-Compress itself uses
    import brotlicffi as brotli
except ImportError:
    import brotli

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
# (file, its hash, encoding) -> the file compressed at that encoding's highest level.
_compressed: dict[tuple[str, str, str], bytes] = {}
BEST_LEVEL = {"br": 11, "gzip": 9}


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


def _chosen_encoding() -> str | None:
    """Brotli or gzip, whichever the browser prefers (ties as COMPRESS_ALGORITHM orders
    them, as Flask-Compress decides for pages), or None."""
    configured = current_app.config["COMPRESS_ALGORITHM"]
    if isinstance(configured, str):
        configured = [name.strip() for name in configured.split(",")]
    offered = [name for name in configured if name in BEST_LEVEL]
    quality = {name: request.accept_encodings.quality(name) for name in offered}
    best = max(offered, key=lambda name: quality[name], default=None)
    return best if best is not None and quality[best] > 0 else None


def _compressed_at_best(filename: str, version: str, response: Response) -> None:
    """Send the file compressed at its encoding's highest level, made once per process.
    Flask-Compress leaves a response that already has its Content-Encoding alone."""
    data = response.get_data()
    encoding = _chosen_encoding()
    if encoding is None or len(data) < current_app.config["COMPRESS_MIN_SIZE"]:
        return
    key = (filename, version, encoding)
    if key not in _compressed:
        if encoding == "br":
            _compressed[key] = brotli.compress(data, quality=BEST_LEVEL["br"])
        else:
            _compressed[key] = gzip.compress(data, compresslevel=BEST_LEVEL["gzip"], mtime=0)
    response.set_data(_compressed[key])
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.headers.pop("Accept-Ranges", None)  # byte ranges of the file, not of this


def cache_static_files(response: Response) -> Response:
    """A year's immutable cache for a static file asked for by its current hash."""
    if request.endpoint != "static":
        return response
    if response.status_code not in (200, 304):
        response.headers["Cache-Control"] = "no-store"
        return response
    if response.direct_passthrough and response.mimetype in COMPRESSED_TYPES:
        # Read the file (the largest is 14 KB) so that it is compressed whole, with brotli
        # or gzip and a Content-Length, as pages are: a streamed file Flask-Compress would
        # compress chunk by chunk, and with zstd only where a browser offers it.
        response.direct_passthrough = False
        response.set_data(response.get_data())
    # "inline" is what a browser does anyway; the file's name is in its URL.
    response.headers.pop("Content-Disposition", None)
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if version and version == static_version(filename):
        response.headers["Cache-Control"] = IMMUTABLE
        if response.status_code == 200:
            # Never asked again for a year: no validators to ask with.
            response.headers.pop("ETag", None)
            response.headers.pop("Last-Modified", None)
            if response.mimetype in COMPRESSED_TYPES:
                _compressed_at_best(filename, version, response)
    else:
        # Checked each time (If-None-Match), and compressed by Flask-Compress as a page is.
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
