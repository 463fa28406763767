"""Who may use onboarding's routes (see access_table.py)."""

PUBLIC = "public"
STAFF = {"teacher", "lead"}
LEAD = {"lead"}

ACCESS = {
    "onboarding.setup": LEAD,
    "onboarding.tick": LEAD,
    "onboarding.untick": LEAD,
    "onboarding.parent_letter": STAFF,
    "onboarding.dsl_briefing": STAFF,
    "onboarding.staff_briefing": STAFF,
    "onboarding.privacy": {PUBLIC},
    "onboarding.privacy_pupils": {PUBLIC},
    "onboarding.help_index": {PUBLIC},
    "onboarding.help_topic": {PUBLIC},
    "onboarding.data_privacy": LEAD,
    "onboarding.export_data": LEAD,
    "onboarding.delete_data": LEAD,
}
