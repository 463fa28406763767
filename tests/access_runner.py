"""Who may use the lesson runner's routes (see access_table.py)."""

STAFF = {"teacher", "lead"}

ACCESS = {
    "runner.present": STAFF,
    "runner.practise": STAFF,
    "runner.pupil_screen": STAFF,
    "runner.record": STAFF,
}
