"""Logging for the daemon (and anything else that logs): to stderr, journald's way, scrubbed and one line per record.

Every record, at every level and from every library, is scrubbed of every
known secret (:data:`publisher.redaction.KNOWN`): oauthlib prints OAuth keys
at DEBUG. And the message of a record is kept to one line, its control
characters escaped, so a post id or a platform's error text with a newline
or an ANSI sequence in it cannot forge a log line (docs/commands.md "run").
"""

from __future__ import annotations

import logging
import os
import sys

from publisher.redaction import KNOWN, printable

NOISY = ("apscheduler", "urllib3", "httpx", "alembic")
HANDLER_NAME = "publisher-stderr"


class ScrubbingFormatter(logging.Formatter):
    """Formats a record with its message on one line, then scrubs the whole text of known secrets."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return KNOWN.scrub(super().format(record), limit=None)


def setup_logging() -> None:
    """Log to stderr (journald under systemd); level from PUBLISHER_LOG_LEVEL (default INFO)."""
    level = os.environ.get("PUBLISHER_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != HANDLER_NAME] + [handler]  # once, however often
    root.setLevel(getattr(logging, level, logging.INFO))
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
