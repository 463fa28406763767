"""Who may use the trusts' routes (see access_table.py): a trust's own staff only."""

TRUST = {"trust"}

ACCESS = {
    "trusts.home": TRUST,
    "trusts.dashboard": TRUST,
    "trusts.summary": TRUST,
    "trusts.summary_pdf": TRUST,
    "trusts.summary_csv": TRUST,
    "trusts.log": TRUST,
}
