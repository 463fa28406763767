"""Who may use the foundation's routes (see access_table.py)."""

PUBLIC = "public"
STAFF = {"teacher", "lead"}
LEAD = {"lead"}

ACCESS = {
    "static": {PUBLIC},
    "home.index": {PUBLIC},
    "home.healthz": {PUBLIC},
    "home.dashboard": STAFF,
    "accounts.login": {PUBLIC},
    "accounts.logout": STAFF,
    "accounts.reauthenticate": STAFF,
    "accounts.account": STAFF,
    "accounts.redeem_link": {PUBLIC},
    "accounts.staff": LEAD,
    "accounts.staff_link": LEAD,
    "accounts.staff_active": LEAD,
    "accounts.school_settings": LEAD,
}
