"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), with a login, keeping every message it receives."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

USER = "publisher"
PASSWORD = "smtp-Secret-9f8e7d6c"  # set as PUBLISHER_SMTP_PASSWORD; must never appear in a mail


@dataclass
class Inbox:
    """What the server received: (envelope recipients, the parsed message, its raw text)."""

    received: list[tuple[list[str], EmailMessage, str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message, raw.decode("utf-8", "replace")))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode():
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    @property
    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for _, message, _ in self.received]


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    controller: Any = None

    def config(self, **overrides: str) -> str:
        """A ``[notifications]`` table pointing at this server."""
        values = {
            "smtp_host": f'"{self.host}"',
            "smtp_port": str(self.port),
            "starttls": "false",
            "smtp_user": f'"{USER}"',
            "from_address": '"publisher@example.gov.uk"',
            "comms_team": '["comms@example.gov.uk"]',
            "translation_team": '["cyfieithu@example.gov.uk"]',
            **overrides,
        }
        return "\n[notifications]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(port: int | None = None) -> SmtpServer:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    server = SmtpServer("127.0.0.1", port or free_port(), inbox)
    server.controller = Controller(
        inbox,
        hostname=server.host,
        port=server.port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    server.controller.start()
    return server
