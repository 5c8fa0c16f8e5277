"""A finding: one coded problem in one file at one line (docs/content.md "Rule codes")."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """What ``publisher check`` reports; ``message`` says what is wrong and how to fix it."""

    file: str
    line: int
    code: str
    severity: Severity
    post: str
    message: str

    def as_json(self) -> dict[str, object]:
        """The JSON shape fixed by docs/commands.md: code, severity, file, line, post, message."""
        data = asdict(self)
        return {key: data[key] for key in ("code", "severity", "file", "line", "post", "message")}
