"""The account an adapter acts for: one configured platform account, or a Welsh/English pair of them.

It lives with the platforms, below the configuration, because adapters need
nothing else from the config (docs/configuration.md "Accounts").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Account:
    """One configured social-media account (or a Welsh/English pair of them)."""

    name: str
    platform: str | None
    strategy: str = "separate"
    administrator: str | None = None
    administrator_email: str | None = None  # who hears about this account's failures (docs/configuration.md)
    credentials_env: str | None = None
    api_base: str = ""
    path: str | None = None
    welsh_account: str | None = None
    english_account: str | None = None
    allow_split: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_pair(self) -> bool:
        """A pair sends each language to its own account, Welsh first."""
        return self.welsh_account is not None

    def option(self, name: str) -> str:
        """A platform option from the config as text ("" when unset)."""
        value = self.options.get(name)
        return "" if value is None else str(value)
