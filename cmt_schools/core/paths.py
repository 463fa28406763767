"""Where the templates, static files and migrations are: in the package once installed.

In a checkout they stay at the top level (`templates/`, `static/`, `migrations/`), where
development and other tools expect them; the wheel carries them inside the package
(`cmt_schools/templates/`, ...; see setup.py). Whichever is there is used.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_FOLDER = Path(__file__).resolve().parent.parent


def bundled_folder(name: str) -> Path:
    """`cmt_schools/<name>` in an installed package, else the checkout's `<name>/`."""
    inside = PACKAGE_FOLDER / name
    return inside if inside.is_dir() else PACKAGE_FOLDER.parent / name
