"""The main navigation: each feature adds its pages, with the roles that see them."""

from __future__ import annotations

from flask import Flask

# (endpoint, label, roles), in the order they appear.
NAV_ITEMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("home.dashboard", "Dashboard", ("teacher", "lead")),
    ("accounts.staff", "Staff", ("lead",)),
    ("accounts.school_settings", "School settings", ("lead",)),
]


def add_nav_item(
    endpoint: str, label: str, roles: tuple[str, ...], *, before: str | None = None
) -> None:
    if any(item[0] == endpoint for item in NAV_ITEMS):
        return
    item = (endpoint, label, roles)
    positions = [i for i, existing in enumerate(NAV_ITEMS) if existing[0] == before]
    NAV_ITEMS.insert(positions[0] if positions else len(NAV_ITEMS), item)


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = lambda: [
        item for item in NAV_ITEMS if item[0] in app.view_functions
    ]
