"""Who may use the curriculum's routes (see access_table.py)."""

STAFF = {"teacher", "lead"}

ACCESS = {
    "curriculum.overview": STAFF,
    "curriculum.lesson": STAFF,
    "curriculum.resource_file": STAFF,
}
