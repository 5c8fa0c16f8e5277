"""The photograph consent register (policy 9.7): ``config/consent.csv``.

Columns: ``reference,subject,expires_on,withdrawn_on``. A missing register is
empty (docs/configuration.md), so any reference other than ``not-required`` fails.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from publisher.content.post import decode
from publisher.errors import ConfigError
from publisher.files import MIB, UnreadableFile, read_bounded
from publisher.i18n import _

NOT_REQUIRED = "not-required"


@dataclass(frozen=True)
class ConsentForm:
    """One signed consent form."""

    reference: str
    subject: str
    expires_on: date | None
    withdrawn_on: date | None


def _date(value: str, path: Path, line: int, column: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("%(where)s: '%(column)s' = %(value)s is not a date like 2027-03-31")
        raise ConfigError(message % {"where": f"{path}:{line}", "column": column, "value": repr(value)}) from None


MAX_BYTES = 16 * MIB


def load_register(path: Path, root: Path | None = None) -> dict[str, ConsentForm]:
    """Read the register into ``{reference: form}`` (bounded, inside the project); a missing file is empty."""
    try:
        text = decode(read_bounded(path, MAX_BYTES, root))
    except FileNotFoundError:
        return {}
    except UnreadableFile as exc:
        raise ConfigError(_("the consent register %(path)s %(problem)s") % {"path": path, "problem": exc}) from None
    except (OSError, ValueError) as exc:
        message = _("cannot read the consent register %(path)s: %(problem)s")
        raise ConfigError(message % {"path": path, "problem": exc}) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"reference", "expires_on", "withdrawn_on"} - set(reader.fieldnames or [])
    if missing:
        message = _(
            "%(where)s: the consent register needs the columns reference,subject,expires_on,withdrawn_on "
            "(missing: %(missing)s)"
        )
        raise ConfigError(message % {"where": f"{path}:1", "missing": ", ".join(sorted(missing))})
    forms: dict[str, ConsentForm] = {}
    for row in reader:
        line = reader.line_num
        reference = (row.get("reference") or "").strip()
        if not reference:
            continue
        forms[reference] = ConsentForm(
            reference=reference,
            subject=(row.get("subject") or "").strip(),
            expires_on=_date(row.get("expires_on") or "", path, line, "expires_on"),
            withdrawn_on=_date(row.get("withdrawn_on") or "", path, line, "withdrawn_on"),
        )
    return forms
