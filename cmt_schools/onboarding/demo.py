"""The demo school starts fully set up, so its lead lands on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from ..accounts import services as accounts
from ..demo import DemoSchool
from . import services


def seed(demo: DemoSchool) -> None:
    school, lead = demo.school, demo.lead
    # Save the settings as they are, as a lead reviewing them would: it ticks the
    # details, support and privacy items of the checklist.
    accounts.update_school_settings(
        school,
        name=school.name,
        nation=school.nation,
        suppression_threshold=school.suppression_threshold,
        min_wave_size=school.min_wave_size,
        retention_months=school.retention_months,
        trusted_adults=school.trusted_adults,
        contacts=[(c.name, c.detail, c.for_ks2, c.for_ks3_ks4) for c in school.support_contacts],
        lead=lead,
    )
    for item in services.MANUAL_ITEMS:
        services.tick_item(
            school, item, done_on=demo.today - timedelta(days=14), lead=lead, today=demo.today
        )
