"""Who may use the foundation's routes (see access_table.py)."""

PUBLIC = "public"
STAFF = {"teacher", "lead"}
LEAD = {"lead"}
OWN_ACCOUNT = {"teacher", "lead", "trust"}  # a trust's staff sign out and change passwords too

ACCESS = {
    "static": {PUBLIC},
    "home.index": {PUBLIC},
    "home.healthz": {PUBLIC},
    "home.dashboard": STAFF,
    "accounts.login": {PUBLIC},
    "accounts.logout": OWN_ACCOUNT,
    "accounts.reauthenticate": OWN_ACCOUNT,
    "accounts.account": OWN_ACCOUNT,
    "accounts.redeem_link": {PUBLIC},
    "accounts.staff": LEAD,
    "accounts.staff_link": LEAD,
    "accounts.staff_active": LEAD,
    "accounts.school_settings": LEAD,
}
