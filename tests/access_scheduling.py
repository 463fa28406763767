"""Who may use the scheduling routes (see access_table.py)."""

PUBLIC = "public"
STAFF = {"teacher", "lead"}
LEAD = {"lead"}

ACCESS = {
    "scheduling.classes": STAFF,
    "scheduling.class_new": STAFF,
    "scheduling.class_detail": STAFF,
    "scheduling.class_edit": STAFF,
    "scheduling.class_archive": STAFF,
    "scheduling.schedule": STAFF,
    "scheduling.lesson_move": STAFF,
    "scheduling.lesson_status": STAFF,
    "scheduling.lesson_missed": STAFF,
    "scheduling.lesson_add": STAFF,
    "scheduling.class_ics": STAFF,
    "scheduling.teacher_calendar": STAFF,
    "scheduling.feed_settings": STAFF,
    "scheduling.feed": {PUBLIC},
    "scheduling.school_calendar": LEAD,
    "scheduling.term_add": LEAD,
    "scheduling.term_edit": LEAD,
    "scheduling.term_delete": LEAD,
    "scheduling.closure_add": LEAD,
    "scheduling.closure_edit": LEAD,
    "scheduling.closure_delete": LEAD,
    "scheduling.school_year": LEAD,
    "scheduling.programme": LEAD,
}
