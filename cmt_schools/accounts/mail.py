"""Invitation and reset links sent by email, when the deployment has an SMTP server.

Python's own smtplib and email.message: one message per link, sent while the lead waits
(a school invites a few people at a time). The link is in the message and nowhere else:
never in a log line, never in the audit log.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

SECURITY_CHOICES = ("starttls", "ssl", "none")

SUBJECTS = {
    "invite": "Your CMT Schools account at {school}",
    "reset": "Reset your CMT Schools password at {school}",
}
BODIES = {
    "invite": (
        "Hello {name},\n\n"
        "{sender} has made you a CMT Schools account at {school}. Open this link to choose "
        "your password and sign in:\n\n{link}\n\n"
        "The link works once and stops working after {days} days. If you were not expecting "
        "this email, you can ignore it; nothing happens until the link is opened.\n"
    ),
    "reset": (
        "Hello {name},\n\n"
        "{sender} has made you a link to choose a new CMT Schools password at {school}:\n\n"
        "{link}\n\n"
        "The link works once and stops working after {days} days. Your old password works "
        "until you choose a new one.\n"
    ),
}


class MailNotSent(Exception):
    """The SMTP server could not be reached, or refused the message."""


def mail_configured(config: Mapping) -> bool:
    return bool(config.get("MAIL_SMTP_HOST")) and bool(config.get("MAIL_FROM"))


def account_link_message(
    *, purpose: str, to: str, name: str, school: str, sender: str, link: str, days: int, config
) -> EmailMessage:
    """The email that carries an invitation (`purpose` "invite") or reset link."""
    values = {"name": name, "school": school, "sender": sender, "link": link, "days": days}
    message = EmailMessage()
    message["Subject"] = SUBJECTS[purpose].format(**values)
    message["From"] = formataddr(("CMT Schools", config["MAIL_FROM"]))
    message["To"] = formataddr((name, to))
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(BODIES[purpose].format(**values))
    return message


def send_message(message: EmailMessage, config: Mapping) -> None:
    """Send one message through the configured SMTP server; MailNotSent if it fails."""
    host, port = config["MAIL_SMTP_HOST"], int(config["MAIL_SMTP_PORT"])
    timeout = float(config["MAIL_SMTP_TIMEOUT"])
    security = config.get("MAIL_SMTP_SECURITY", "starttls")
    if security not in SECURITY_CHOICES:
        raise MailNotSent(f"MAIL_SMTP_SECURITY must be one of {', '.join(SECURITY_CHOICES)}")
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_SMTP_USERNAME"):
                smtp.login(config["MAIL_SMTP_USERNAME"], config.get("MAIL_SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # Logged without the message: it holds the one-time link.
        current_app.logger.warning(
            "mail: could not send to the SMTP server %s:%s: %s", host, port, type(error).__name__
        )
        raise MailNotSent(str(error)) from error
