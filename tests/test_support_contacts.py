"""Support contacts on the school settings page: new ones are for every pupil, one shown to
nobody is flagged, and on the closing screen numbers and addresses are links."""

from __future__ import annotations

import re

import pytest

from cmt_schools.accounts.models import DEFAULT_SUPPORT_CONTACTS, School
from cmt_schools.checkins.help import contact_links
from cmt_schools.extensions import db

SETTINGS = {
    "name": "Settings School",
    "nation": "england",
    "suppression_threshold": "10",
    "protection": "standard",
    "min_wave_size": "30",
    "retention_months": "24",
    "trusted_adults": "Mr Jones in the library",
}


def test_every_empty_contact_row_starts_ticked_for_every_band(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    html = client.get("/school/settings").get_data(as_text=True)
    # Three saved contacts (999 now for KS2 too), then empty rows ticked for every band.
    for row in range(3, 5):
        for band in ("for_ks2", "for_ks3_ks4"):
            assert re.search(rf'<input[^>]* checked id="contacts-{row}-{band}"', html), (row, band)


def test_the_demo_and_new_schools_show_999_to_every_age():
    emergency = [c for c in DEFAULT_SUPPORT_CONTACTS if "999" in c[1]]
    assert emergency and all(ks2 and ks34 for _, _, ks2, ks34 in emergency)


def test_a_contact_shown_to_nobody_is_saved_and_flagged(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    data = {
        **SETTINGS,
        "contacts-0-name": "Childline",
        "contacts-0-detail": "0800 1111",
        "contacts-0-for_ks2": "y",
        "contacts-0-for_ks3_ks4": "y",
        "contacts-1-name": "Kooth",
        "contacts-1-detail": "kooth.com",
    }
    response = client.post("/school/settings", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "School settings saved." in html
    assert "Kooth is shown to no pupil" in html  # the flash, once
    assert "Shown to no pupil." in html  # and beside the contact, for as long as it is so
    school = db.session.get(School, lead.school_id)
    assert [(c.name, c.shown_to_nobody) for c in school.support_contacts] == [
        ("Childline", False),
        ("Kooth", True),
    ]
    data["contacts-1-for_ks2"] = "y"
    html = client.post("/school/settings", data=data, follow_redirects=True).get_data(as_text=True)
    assert "shown to no pupil" not in html.lower()


@pytest.mark.parametrize(
    "detail, html",
    [
        (
            "Call 0800 1111 for free, or chat at childline.org.uk",
            'Call <a href="tel:08001111">0800 1111</a> for free, or chat at '
            '<a href="https://childline.org.uk" rel="noreferrer noopener">childline.org.uk</a>',
        ),
        (
            "Text SHOUT to 85258 for free",
            'Text SHOUT to <a href="sms:85258?&amp;body=SHOUT">85258</a> for free',
        ),
        ("Call 999", 'Call <a href="tel:999">999</a>'),
        ("Room 12, <b>any</b> lunchtime", "Room 12, &lt;b&gt;any&lt;/b&gt; lunchtime"),
        (
            "See https://www.kooth.com/help.",
            'See <a href="https://www.kooth.com/help" rel="noreferrer noopener">'
            "https://www.kooth.com/help</a>.",
        ),
    ],
)
def test_contact_details_become_links_and_everything_else_is_escaped(detail, html):
    assert str(contact_links(detail)) == html


def test_the_ks2_privacy_notice_describes_the_pictures_pupils_tap(client):
    html = client.get("/privacy/pupils").get_data(as_text=True)
    younger = html.split('id="ages-7-11"')[1].split('id="ages-11-16"')[0]
    assert "tapping a face" not in younger
    assert "For most questions it is a dot" in younger


def test_the_awful_face_is_sad_not_angry():
    from pathlib import Path

    svg = (Path(__file__).parent.parent / "static/img/checkins/face-1.svg").read_text()
    # Brows are two strokes "M outer L inner": raised inner ends read as sad, lowered angry.
    brows = re.search(r'd="M(\d+) ([\d.]+) L(\d+) ([\d.]+) M(\d+) ([\d.]+) L(\d+) ([\d.]+)"', svg)
    values = [float(v) for v in brows.groups()]
    for outer_y, inner_y in ((values[1], values[3]), (values[5], values[7])):
        assert inner_y < outer_y, "an inner brow end lower than the outer one reads as angry"


def test_the_safeguarding_briefing_says_a_contact_is_shown_to_no_pupil(client, auth, make_lead):
    import io

    from pypdf import PdfReader

    lead = make_lead()
    auth.login(lead)
    data = {**SETTINGS, "contacts-0-name": "Kooth", "contacts-0-detail": "kooth.com"}
    assert client.post("/school/settings", data=data).status_code == 302
    pdf = client.get("/documents/dsl-briefing.pdf").get_data()
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Kooth: kooth.com (shown to no pupil" in text
