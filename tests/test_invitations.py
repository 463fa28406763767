"""Inviting staff: a teacher or a second lead, the link sent by email through a real SMTP
server (aiosmtpd, started here on a port of its own) or shown once to copy."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from cmt_schools.accounts import services
from cmt_schools.accounts.models import AccountToken, User
from cmt_schools.extensions import db

from .conftest import free_port

LINK = re.compile(r"http://localhost/welcome/[A-Za-z0-9_-]+")


class Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def use_smtp(app, port: int) -> None:
    app.config.update(
        MAIL_SMTP_HOST="127.0.0.1",
        MAIL_SMTP_PORT=port,
        MAIL_SMTP_SECURITY="none",  # a relay on this machine, as aiosmtpd is here
        MAIL_SMTP_TIMEOUT=5,
        MAIL_FROM="cmt@school.example",
    )


def invite(client, **fields):
    return client.post("/staff", data={"name": "Dee Deputy", "email": "dee@example.org", **fields})


def staff_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_lead_invites_a_second_lead_by_email(app, client, auth, make_lead, smtp_server):
    controller, inbox = smtp_server
    use_smtp(app, controller.port)
    lead = make_lead()
    auth.login(lead)
    response = invite(client, role="lead")
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "Email sent to Dee Deputy" in html
    assert not LINK.search(html)  # it went by email: the page does not show it as well
    [(recipients, message)] = inbox.messages
    assert recipients == ["dee@example.org"]
    assert message["To"] == "Dee Deputy <dee@example.org>"
    assert lead.school.name in message["Subject"]
    body = message.get_content()
    assert f"{lead.name} has made you a CMT Schools account" in body
    link = LINK.search(body).group(0)
    auth.logout()
    assert client.post(link, data={"password": "a deputy's long secret"}).status_code == 302
    deputy = services.find_user_by_email("dee@example.org")
    assert deputy.role == "lead" and deputy.school_id == lead.school_id
    assert client.get("/staff").status_code == 200  # a lead's page: the second lead is one


def test_a_new_link_for_someone_is_emailed_too(app, client, auth, make_lead, smtp_server):
    controller, inbox = smtp_server
    lead = make_lead()
    auth.login(lead)
    assert invite(client).status_code == 201  # no SMTP yet: shown on the page
    assert inbox.messages == []
    use_smtp(app, controller.port)
    user = services.find_user_by_email("dee@example.org")
    response = client.post(f"/staff/{user.id}/link")
    assert "Email sent to Dee Deputy" in response.get_data(as_text=True)
    [(_, message)] = inbox.messages
    assert LINK.search(message.get_content())


def test_when_the_email_cannot_be_sent_the_link_is_shown(app, client, auth, make_lead):
    use_smtp(app, free_port())  # nothing listens there
    lead = make_lead()
    auth.login(lead)
    response = invite(client)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "The email could not be sent just now" in html
    assert LINK.search(html)
    assert services.find_user_by_email("dee@example.org").role == "teacher"


def test_without_smtp_the_whole_link_is_shown_with_a_copy_button(client, auth, make_lead):
    lead = make_lead()
    auth.login(lead)
    html = invite(client).get_data(as_text=True)
    link = re.search(r'<code id="new-link">([^<]+)</code>', html).group(1)
    assert LINK.fullmatch(link)  # whole, as text to select, not cut off in a box
    assert 'data-copy="new-link"' in html and "Copy the link" in html
    assert "expires in 7 days" in html


@pytest.mark.parametrize("role", ["admin", "owner", "", "lead\x00"])
def test_only_the_roles_there_are_can_be_given(client, auth, make_lead, role):
    lead = make_lead()
    auth.login(lead)
    before = staff_count()
    response = invite(client, role=role)
    assert response.status_code == 400
    assert staff_count() == before
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_the_service_refuses_a_teacher_inviting(app, make_teacher):
    from datetime import UTC, datetime, timedelta

    teacher = make_teacher()
    with pytest.raises(services.ServiceError, match="Only a lead"):
        services.invite_staff(
            teacher.school,
            email="x@example.org",
            name="X",
            role="lead",
            now=datetime.now(UTC),
            lifetime=timedelta(days=7),
            lead=teacher,
        )
    assert services.find_user_by_email("x@example.org") is None
