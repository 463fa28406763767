"""The `cmt` command of an installed package: `flask --app cmt_schools cmt ...` without flask.

A module of its own, apart from cli.py: it needs the factory, and the factory needs cli.py's
command group, so putting it there would tie the two in a loop.
"""

from __future__ import annotations

from flask.cli import ScriptInfo

from . import create_app
from .cli import cmt


def main() -> None:
    """`cmt ...`: the app comes from the factory, configured by CMT_* variables."""
    cmt.main(prog_name="cmt", obj=ScriptInfo(create_app=lambda: create_app()))
