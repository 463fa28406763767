"""Who may use each feature's routes. Every new route is added here, or the suite fails.

Kept apart from test_security.py so each feature adds its own block.
"""

PUBLIC = "public"
STAFF = {"teacher", "lead"}
LEAD = {"lead"}

ACCESS_TABLE: dict[str, set[str]] = {}
