"""Who may use the reports feature's routes (see access_table.py)."""

LEAD = {"lead"}

ACCESS = {
    "reports.term_summary": LEAD,
    "reports.term_summary_pdf": LEAD,
    "reports.term_summary_csv": LEAD,
    "reports.audit_log": LEAD,
}
