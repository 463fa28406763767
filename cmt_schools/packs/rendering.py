"""The one place HTML becomes PDF (WeasyPrint), with a locked-down URL fetcher.

WeasyPrint's default fetcher follows any protocol, file: included, so a class name or a
note holding `<img src="file:///etc/passwd">` could pull a server file into a PDF. Here the
only resources a document can load are the app's own static files, addressed under
STATIC_BASE_URL, and the lessons' SVG resources, under RESOURCES_BASE_URL; everything else
(file:, http:, data:, other hosts, paths that climb out of those folders) is refused before
any request is made. Redirects never happen: nothing is fetched over a network at all.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..core.paths import bundled_folder
from ..curriculum.loader import resources_dir

STATIC_DIR = bundled_folder("static").resolve()
# A host that cannot exist (RFC 6761 .invalid): print templates use it as their base URL,
# so `css/print.css` resolves to STATIC_BASE_URL + "css/print.css".
STATIC_BASE_URL = "https://static.cmt-schools.invalid/"
# The lessons' resources: RESOURCES_BASE_URL + "<band>/<slug>/<id>.svg" (SVG files only).
RESOURCES_BASE_URL = "https://resources.cmt-schools.invalid/"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF, so screen readers can read the packs


class RefusedResource(ValueError):
    """A document asked for something other than one of the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serve files under static/ for STATIC_BASE_URL; refuse every other URL (fail-closed)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self.static_path(url)
        if path is None:
            self.refused.append(url[:200])
            raise RefusedResource(f"refused to fetch {url[:200]!r}: only the app's static files")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    @staticmethod
    def static_path(url: str) -> Path | None:
        """The file a URL names: a static file, or a lesson resource's SVG; else None."""
        if url.startswith(STATIC_BASE_URL):
            return _file_under(url, STATIC_DIR)
        if url.startswith(RESOURCES_BASE_URL) and url.endswith(".svg"):
            return _file_under(url, resources_dir().resolve())
        return None


def _file_under(url: str, root: Path) -> Path | None:
    parts = urlsplit(url)
    if parts.query or parts.username or parts.password or parts.port:
        return None
    relative = unquote(parts.path).lstrip("/")
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def render_pdf(html: str) -> bytes:
    """Render an HTML document (title and lang taken from it) to a tagged PDF.

    Templates must be `.html` files rendered with Jinja's autoescaping, never strings built
    from user text, and refer to static files by paths relative to STATIC_BASE_URL.
    """
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)
