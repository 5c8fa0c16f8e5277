"""Send one e-mail through the configured SMTP server (the standard library's smtplib; docs/configuration.md).

The password comes from the environment variable named by
``[notifications] password_env``, never from the file; it joins the known
secrets, so no error text or log line carries it. Every subject and body is
scrubbed of every known secret before it leaves: a platform's error text
quoted in a mail must not carry a token.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from publisher.i18n import _
from publisher.operations import Notifications
from publisher.redaction import KNOWN, printable

IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True)
class Mail:
    """One message: to whom, about what."""

    to: tuple[str, ...]
    subject: str
    body: str


class MailError(Exception):
    """The SMTP server could not be reached or refused the message; the text is scrubbed."""


def build(settings: Notifications, mail: Mail) -> EmailMessage:
    """The message as it will be sent: scrubbed, one-line subject, plain UTF-8 text."""
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = ", ".join(mail.to)
    message["Subject"] = printable(KNOWN.scrub(mail.subject, limit=200))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(KNOWN.scrub(mail.body, limit=None))
    return message


def _connect(settings: Notifications) -> smtplib.SMTP:
    timeout = settings.timeout.total_seconds()
    if settings.smtp_port == IMPLICIT_TLS_PORT:
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout)
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)


def send(settings: Notifications, mail: Mail, env: Mapping[str, str]) -> None:
    """Send ``mail``; MailError (scrubbed) when it cannot be."""
    password = env.get(settings.password_env, "") if settings.smtp_user else ""
    KNOWN.add(password)
    if settings.smtp_user and not password:
        raise MailError(
            _("the SMTP password is not set: put it in the environment variable %(variable)s")
            % {"variable": settings.password_env}
        )
    message = build(settings, mail)
    try:
        with _connect(settings) as smtp:
            smtp.ehlo()
            if settings.starttls and settings.smtp_port != IMPLICIT_TLS_PORT:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(KNOWN.scrub(printable(f"{type(exc).__name__}: {exc}"))) from None
