"""Platform name → adapter class, imported only when an account of that platform is used.

The module of each adapter comes from the platform table
(:mod:`publisher.platforms.specs`). Importing lazily keeps tweepy and atproto
out of commands (and processes) that never talk to those platforms.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from publisher.platforms.account import Account
from publisher.platforms.base import Platform
from publisher.platforms.specs import SPECS


def adapter_class(platform: str) -> type[Platform]:
    """The Platform subclass whose ``name`` is ``platform``, from the module its record names."""
    module_name = SPECS[platform].adapter
    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Platform) and getattr(value, "name", None) == platform:
            return value
    raise LookupError(f"no adapter class for platform {platform!r} in {module_name}")


def make_adapter(account: Account, env: Mapping[str, str] | None = None, timeout: float = 30.0) -> Platform:
    """An adapter instance for ``account`` (credentials are read from ``env`` on use)."""
    return adapter_class(account.platform or "")(account, env=env, timeout=timeout)
