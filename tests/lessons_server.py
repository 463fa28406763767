"""gunicorn's entry point for a browser test that needs lessons the package does not ship:
the app, reading its lessons (and the resources beside them) from CMT_TEST_LESSONS_DIR."""

import os
from pathlib import Path

from cmt_schools.curriculum import loader

loader.LESSONS_DIR = Path(os.environ["CMT_TEST_LESSONS_DIR"])

from app import app  # noqa: E402 - after the lessons folder is set

__all__ = ["app"]
