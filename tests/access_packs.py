"""Who may use the packs' routes (see access_table.py)."""

STAFF = {"teacher", "lead"}

ACCESS = {
    "packs.lesson_pack": STAFF,
    "packs.occurrence_pack": STAFF,
    "packs.term_pack": STAFF,
}
