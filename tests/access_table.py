"""Who may use each feature's routes. Every new route is listed, or the suite fails.

Each feature keeps its own `tests/access_<feature>.py` with an `ACCESS` dict of
endpoint -> audience ({"public"}, {"teacher", "lead"} or {"lead"}); they are merged here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PUBLIC = "public"
STAFF = frozenset({"teacher", "lead"})
LEAD = frozenset({"lead"})


def _collect() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for path in sorted(Path(__file__).parent.glob("access_*.py")):
        if path.stem == "access_table":
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        for endpoint, audience in module.ACCESS.items():
            assert endpoint not in table, f"{endpoint} is listed twice"
            table[endpoint] = set(audience)
    return table


ACCESS_TABLE = _collect()
